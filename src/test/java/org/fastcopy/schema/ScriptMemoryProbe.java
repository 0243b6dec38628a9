package org.fastcopy.schema;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link ScriptMemoryTest}: writes a post-data script of {@code tables}
 * MTT-shaped children (primary key, two indexes, a foreign key, a rule: five items each, as
 * pg_restore --verbose prints them), parses it from the file, builds the scheduling graph over
 * it and, with both still held, prints the heap they retain per item after a full GC:
 * {@code retained <bytes> bytes per item, <items> items}. Exits 0; an OutOfMemoryError exits 1.
 */
public final class ScriptMemoryProbe {

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int tables = Integer.parseInt(args[1]);
        write(file, tables);
        long before = used();
        RestoreScript script = RestoreScriptParser.parse(file);
        EntryGraph graph = new EntryGraph(script.entries(), e -> EntryPlan.free());
        long after = used();
        int items = script.entries().size();
        System.out.println("retained " + (after - before) / items + " bytes per item, " + items + " items");
        // the objects must still be reachable when the heap is measured
        if (graph.isDone() || script.entries().get(items - 1).sql().isEmpty()) {
            System.out.println("unexpected: nothing to run");
        }
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void write(Path file, int tables) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
                    + "SELECT pg_catalog.set_config('search_path', '', false);\n\nSET default_tablespace = '';\n\n");
            int id = 100_000;
            for (int t = 0; t < tables; t++) {
                String child = "parent_" + (t % 400) + "_" + t;
                String table = "public." + child;
                int tableId = t + 1;
                item(w, id++, 2606, List.of(tableId), child + " " + child + "_pkey", "CONSTRAINT",
                        "ALTER TABLE ONLY " + table + "\n    ADD CONSTRAINT " + child + "_pkey PRIMARY KEY (id);");
                item(w, id++, 1259, List.of(tableId), child + "_day", "INDEX",
                        "CREATE INDEX " + child + "_day ON " + table + " USING btree (day);");
                item(w, id++, 1259, List.of(tableId), child + "_dim_id", "INDEX",
                        "CREATE INDEX " + child + "_dim_id ON " + table + " USING btree (dim_id);");
                item(w, id++, 2618, List.of(tableId, 90_000 + t % 400), child + " " + child + "_insert", "RULE",
                        "CREATE RULE " + child + "_insert AS\n    ON INSERT TO public.parent_" + (t % 400)
                                + "\n   WHERE ((new.day >= " + t * 10 + ") AND (new.day < " + (t * 10 + 10)
                                + ")) DO INSTEAD  INSERT INTO " + table + " (id, dim_id, day, payload)\n  VALUES (new.id, new.dim_id, new.day, new.payload);");
                item(w, id++, 2606, List.of(tableId, id - 5), child + " " + child + "_dim_fk", "FK CONSTRAINT",
                        "ALTER TABLE ONLY " + table + "\n    ADD CONSTRAINT " + child + "_dim_fk FOREIGN KEY (dim_id) REFERENCES public.dim_"
                                + (t % 400) + "(id);");
            }
            w.write("-- Completed on 2026-12-05 10:00:00 UTC\n\n--\n-- PostgreSQL database dump complete\n--\n\n");
        }
    }

    private static void item(BufferedWriter w, int id, int catalog, List<Integer> deps, String name, String type, String sql)
            throws IOException {
        w.write("--\n-- TOC entry " + id + " (class " + catalog + " OID " + (id + 16_000) + ")\n-- Dependencies: "
                + String.join(" ", deps.stream().map(String::valueOf).toList()) + "\n-- Name: " + name + "; Type: " + type
                + "; Schema: public; Owner: postgres\n-- Data Pos: 0\n--\n\n" + sql + "\n\n\n");
    }
}
