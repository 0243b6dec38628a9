package org.fastcopy.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * A small database in the shape of MTT's mttv3 (see mtt-schemas.md): dimension tables with a
 * sentinel row 0, a results_fields parent whose columns all carry defaults, result tables that
 * inherit it, and per result table one child per week with a CHECK on start_timestamp, its own
 * primary key, foreign keys to the dimensions, two indexes, and an INSERT rule on the parent that
 * routes the week's rows to it. Plus the awkward cases: a quoted mixed-case name with a trigger, a
 * view, a sequence with non-default settings and value.
 */
final class MttShapedSchema {
    static final String AWKWARD = "Weekly \"Odd\" Table.v2";

    private final List<String> parents;
    private final int weeksPerParent;

    /** @param parents e.g. test_run; each gets {@code weeksPerParent} weekly children */
    MttShapedSchema(List<String> parents, int weeksPerParent) {
        this.parents = List.copyOf(parents);
        this.weeksPerParent = weeksPerParent;
    }

    /** Creates everything, one modest transaction per statement group (default lock limits). */
    void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE submit (submit_id serial PRIMARY KEY, hostname varchar(128) NOT NULL DEFAULT '',
                        http_username varchar(16) NOT NULL DEFAULT '');
                    CREATE INDEX submit_http_username_idx ON submit (http_username);
                    CREATE TABLE compiler (compiler_id serial PRIMARY KEY, compiler_name varchar(64) NOT NULL DEFAULT 'undef',
                        compiler_version varchar(64) NOT NULL DEFAULT '', UNIQUE (compiler_name, compiler_version));
                    CREATE SEQUENCE client_serial INCREMENT BY 7 START WITH 1000;
                    SELECT setval('client_serial', 4242);
                    CREATE TABLE results_fields (
                        description_id int NOT NULL DEFAULT 0, start_timestamp timestamp NOT NULL DEFAULT now(),
                        test_result smallint NOT NULL DEFAULT 0, trial boolean DEFAULT false,
                        submit_timestamp timestamp NOT NULL DEFAULT now(), duration interval NOT NULL DEFAULT '0 seconds',
                        environment_id int NOT NULL DEFAULT 0, result_stdout text NOT NULL DEFAULT '',
                        result_stderr text NOT NULL DEFAULT '', result_message_id int NOT NULL DEFAULT 0,
                        merge_stdout_stderr boolean NOT NULL DEFAULT false, exit_value int NOT NULL DEFAULT 0,
                        exit_signal int NOT NULL DEFAULT -1, client_serial int NOT NULL DEFAULT nextval('client_serial'));
                    CREATE FUNCTION stamp_odd() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                    -- a comment at the start of a line, inside a function body
                        NEW."Select" := coalesce(NEW."Select", 'stamped');
                        RETURN NEW;
                    END
                    $$;
                    """);
            st.execute("CREATE TABLE " + ident(AWKWARD) + " (id int PRIMARY KEY, \"Select\" text, submit_id int NOT NULL DEFAULT 0"
                    + " REFERENCES submit)");
            st.execute("CREATE TRIGGER \"Stamp it\" BEFORE INSERT ON " + ident(AWKWARD) + " FOR EACH ROW EXECUTE FUNCTION stamp_odd()");
            st.execute("COMMENT ON TABLE " + ident(AWKWARD) + " IS 'a name that needs quoting'");
            for (String p : parents) {
                st.execute("CREATE TABLE " + ident(p) + " (" + ident(p + "_id") + " serial PRIMARY KEY,"
                        + " submit_id int NOT NULL DEFAULT 0, compiler_id int NOT NULL DEFAULT 0,"
                        + " np smallint NOT NULL DEFAULT 1, full_command text NOT NULL DEFAULT '') INHERITS (results_fields)");
                for (Week w : weeks()) {
                    st.execute(childDdl(p, w));
                }
            }
            st.execute("CREATE VIEW recent_results AS SELECT r.start_timestamp, r.test_result, s.hostname FROM "
                    + ident(parents.get(0)) + " r JOIN submit s USING (submit_id)");
        }
    }

    private String childDdl(String parent, Week w) {
        String child = childName(parent, w);
        String range = "start_timestamp >= " + literal(w.start().toString()) + "::timestamp AND start_timestamp < "
                + literal(w.end().toString()) + "::timestamp";
        return "CREATE TABLE " + ident(child) + " (CHECK (" + range + ")) INHERITS (" + ident(parent) + ");\n"
                + "ALTER TABLE " + ident(child) + " ADD PRIMARY KEY (" + ident(parent + "_id") + ");\n"
                + "ALTER TABLE " + ident(child) + " ADD CONSTRAINT " + ident(child + "_submit_fk")
                + " FOREIGN KEY (submit_id) REFERENCES submit;\n"
                + "ALTER TABLE " + ident(child) + " ADD CONSTRAINT " + ident(child + "_compiler_fk")
                + " FOREIGN KEY (compiler_id) REFERENCES compiler;\n"
                + "CREATE INDEX " + ident(child + "_start_timestamp_idx") + " ON " + ident(child) + " (start_timestamp);\n"
                + "CREATE INDEX " + ident(child + "_test_result_idx") + " ON " + ident(child) + " (test_result);\n"
                + "CREATE RULE " + ident(child + "_insert") + " AS ON INSERT TO " + ident(parent) + " WHERE ("
                + range.replace("start_timestamp", "NEW.start_timestamp") + ") DO INSTEAD INSERT INTO " + ident(child)
                + " VALUES (NEW.*);";
    }

    List<String> parents() {
        return parents;
    }

    int children() {
        return parents.size() * weeksPerParent;
    }

    static String childName(String parent, Week w) {
        return String.format("%s_y%d_m%02d_wk%d", parent, w.start().getYear(), w.month(), w.n());
    }

    /** Week n of a month: month start + (n-1) weeks up to the earlier of + n weeks and next month. */
    record Week(LocalDate start, LocalDate end, int month, int n) {
    }

    List<Week> weeks() {
        List<Week> out = new ArrayList<>();
        LocalDate month = LocalDate.of(2006, 1, 1);
        while (out.size() < weeksPerParent) {
            LocalDate next = month.plusMonths(1);
            for (int n = 1; n <= 5 && out.size() < weeksPerParent; n++) {
                LocalDate s = month.plusWeeks(n - 1);
                LocalDate e = month.plusWeeks(n).isBefore(next) ? month.plusWeeks(n) : next;
                if (s.isBefore(next)) {
                    out.add(new Week(s, e, month.getMonthValue(), n));
                }
            }
            month = next;
        }
        return out;
    }
}
