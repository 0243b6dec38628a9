package org.fastcopy.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dependencies pg_dump does not write into its archive, because pg_restore runs pre-data in
 * script order and never needs them, but which a scheduler running items side by side does:
 * <ul>
 * <li>an item in a schema needs that schema's {@code SCHEMA} item: most items list it, but some,
 *     a {@code SHELL TYPE} for one, list nothing at all ({@code CREATE TYPE fx.t;} then ran
 *     before {@code CREATE SCHEMA fx});</li>
 * <li>a {@code USER MAPPING} needs its {@code SERVER}, which it does not list either; its tag
 *     ({@code USER MAPPING role SERVER name}) is ambiguous for names with spaces, so it waits for
 *     every server item before it.</li>
 * </ul>
 * Only items earlier in the script are added, so the script order stays a valid order.
 */
final class UnrecordedDependencies {
    private UnrecordedDependencies() {
    }

    /** The items with those dependencies added, in the same order. */
    static List<TocEntry> added(List<TocEntry> entries) {
        Map<String, Integer> schemas = new HashMap<>();
        List<Integer> servers = new ArrayList<>();
        List<TocEntry> out = new ArrayList<>(entries.size());
        for (TocEntry e : entries) {
            Set<Integer> deps = new LinkedHashSet<>(e.dependencies());
            Integer schema = e.schema() == null ? null : schemas.get(e.schema());
            if (schema != null) {
                deps.add(schema);
            }
            if (e.type().equals("USER MAPPING")) {
                deps.addAll(servers);
            }
            out.add(deps.size() == e.dependencies().size() ? e : e.withDependencies(List.copyOf(deps)));
            if (e.dumpId() >= 0) {
                if (e.type().equals("SCHEMA")) {
                    schemas.put(e.name(), e.dumpId());
                } else if (e.type().equals("SERVER")) {
                    servers.add(e.dumpId());
                }
            }
        }
        return out;
    }
}
