package org.fastcopy.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The session state pg_restore sets up for the items that follow: one statement per setting, in
 * the order pg_restore issued them ({@code SET statement_timeout = 0;},
 * {@code SELECT pg_catalog.set_config('search_path', '', false);},
 * {@code SET default_tablespace = '';}, ...). pg_restore runs a script on one session, so it sets
 * each value once; fastcopy spreads the items over several sessions, so each item carries the state
 * it expects and a session applies only what differs from what it last applied.
 *
 * <p>Immutable. Consecutive items share one instance until a setting changes.
 */
public final class SessionSettings {
    public static final SessionSettings EMPTY = new SessionSettings(Map.of());

    private final Map<String, String> statements;

    private SessionSettings(Map<String, String> statements) {
        this.statements = statements;
    }

    /** This state with one setting replaced (or added at the end). */
    public SessionSettings with(String setting, String statement) {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(statement, "statement");
        if (statement.equals(statements.get(setting))) {
            return this;
        }
        Map<String, String> next = new LinkedHashMap<>(statements);
        next.put(setting, statement);
        return new SessionSettings(Collections.unmodifiableMap(next));
    }

    /** The statements by setting name (lower case), in application order. */
    public Map<String, String> statements() {
        return statements;
    }

    /**
     * What a session that has {@code current} in force must run to reach this state, in order.
     * A setting this state lacks is left as it is: pg_restore never unsets anything either.
     */
    public List<String> changesFrom(SessionSettings current) {
        List<String> out = new ArrayList<>();
        statements.forEach((setting, sql) -> {
            if (!sql.equals(current.statements.get(setting))) {
                out.add(sql);
            }
        });
        return out;
    }

    /** {@code current} with this state's settings applied on top. */
    public SessionSettings appliedOver(SessionSettings current) {
        SessionSettings out = current;
        for (Map.Entry<String, String> e : statements.entrySet()) {
            out = out.with(e.getKey(), e.getValue());
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionSettings s && statements.equals(s.statements);
    }

    @Override
    public int hashCode() {
        return statements.hashCode();
    }

    @Override
    public String toString() {
        return String.join(" ", statements.values());
    }
}
