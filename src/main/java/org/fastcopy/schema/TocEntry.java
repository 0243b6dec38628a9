package org.fastcopy.schema;

import java.util.List;
import java.util.Objects;

/**
 * One archive item as pg_restore renders it: the header it prints before the item
 * ({@code -- TOC entry 3794 (class 2606 OID 16426)}, {@code -- Dependencies: 223 216 3587},
 * {@code -- Name: X; Type: T; Schema: S; Owner: O}) and the SQL that follows.
 *
 * <p>{@code name} is pg_dump's tag, unquoted: for constraints, defaults, rules and triggers it is
 * "table object", which is ambiguous when names hold spaces, so code that needs the table asks the
 * source catalogue by {@link #catalogOid()} (see {@link EntryTables}) and never splits the tag or
 * parses the SQL.
 *
 * @param dumpId       pg_dump's id for the item; {@link #dependencies()} refer to these. -1 when the
 *                     script was rendered without --verbose (then there are no dependencies either)
 * @param catalogClass OID of the system catalogue holding the object (2606 pg_constraint, 1259
 *                     pg_class, ...), 0 for items that are not catalogue rows (COMMENT, ACL, ...)
 * @param catalogOid   the object's OID in that catalogue on the source, 0 when none
 * @param dependencies dump ids this item must follow (some may lie in the other section)
 * @param name         the tag, e.g. {@code test_run_y2012_m03_wk2 test_run_y2012_m03_wk2_pkey}
 * @param type         pg_dump's description: TABLE, DEFAULT, INDEX, FK CONSTRAINT, RULE, ...
 * @param schema       the item's schema, null for global items (schemas, extensions, ...)
 * @param owner        null when the header says "-" (e.g. rendered with --no-owner)
 * @param text         the statements, without the session settings pg_restore prints between items:
 *                     in memory, or a slice of the rendered script read when the item runs
 *                     ({@link DdlText}); {@link #sql()} reads it
 * @param settings     the session state the SQL expects: the script's preamble (statement_timeout,
 *                     search_path = '', ...) and any later switch (default_tablespace,
 *                     default_table_access_method). Every session that runs the item must have
 *                     these in force, whichever items it ran before.
 */
public record TocEntry(int dumpId, long catalogClass, long catalogOid, List<Integer> dependencies,
                       String name, String type, String schema, String owner, DdlText text,
                       SessionSettings settings) {

    public TocEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(text, "text");
        dependencies = List.copyOf(dependencies);
        Objects.requireNonNull(settings, "settings");
    }

    /** An item whose SQL is held in memory. */
    public TocEntry(int dumpId, long catalogClass, long catalogOid, List<Integer> dependencies,
                    String name, String type, String schema, String owner, String sql, SessionSettings settings) {
        this(dumpId, catalogClass, catalogOid, dependencies, name, type, schema, owner, DdlText.of(sql), settings);
    }

    /** The statements; for an item of a script on disk, one read of the file. */
    public String sql() {
        return text.read();
    }

    /** This item with other dependencies, its text still where it was. */
    TocEntry withDependencies(List<Integer> deps) {
        return new TocEntry(dumpId, catalogClass, catalogOid, deps, name, type, schema, owner, text, settings);
    }

    /** For messages: type, tag and schema, e.g. {@code FK CONSTRAINT "t t_fk" in schema public}. */
    public String describe() {
        return type + " \"" + name + "\"" + (schema == null ? "" : " in schema " + schema);
    }

    @Override
    public String toString() {
        return describe() + (dumpId < 0 ? "" : " (TOC entry " + dumpId + ")");
    }
}
