package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Ways to run a list of DDL statements, differing in how many share a transaction. */
final class Ddl {
    /**
     * Statements per transaction for CREATE TABLE and CREATE RULE. Each locks a parent and a child,
     * so 20 stay far below max_locks_per_transaction (64) while saving most round trips and commits.
     */
    static final int BATCH = 20;

    private Ddl() {
    }

    /** One statement per transaction. */
    static void each(Connection c, List<String> statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /**
     * BATCH statements per transaction: a multi-statement query string runs as one implicit
     * transaction, one round trip and one commit.
     */
    static void inBatches(Connection c, List<String> statements) throws SQLException {
        for (int i = 0; i < statements.size(); i += BATCH) {
            inOneTransaction(c, statements.subList(i, Math.min(statements.size(), i + BATCH)));
        }
    }

    /** All statements in one transaction: the caller keeps the list short. */
    static void inOneTransaction(Connection c, List<String> statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(String.join(";\n", statements));
        }
    }
}
