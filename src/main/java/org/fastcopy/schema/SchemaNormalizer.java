package org.fastcopy.schema;

import org.fastcopy.util.Sql;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Puts a plain {@code pg_dump --schema-only} into a form in which two copies of one schema compare
 * equal: the dump's header and psql's {@code \restrict} key (random per dump) go, the database name
 * in the items about the database itself (COMMENT ON DATABASE, its privileges and settings, only
 * there with pg_dump --create) becomes {@code <database>}, and items are sorted by type, schema and
 * name, because
 * pg_dump breaks ties between otherwise unordered items by OID, which differs between servers.
 * Everything else, owners, privileges and tablespaces included, must match.
 */
public final class SchemaNormalizer {
    /** Settings the preamble sets in every dump; only later switches tell something about items. */
    private static final List<String> ITEM_SETTINGS = List.of("default_tablespace", "default_table_access_method", "role");

    private SchemaNormalizer() {
    }

    /** One normalised item. */
    public record Item(String type, String schema, String name, String text) {
        String key() {
            return type + " " + (schema == null ? "-" : schema) + " " + name;
        }
    }

    /** The items of a plain schema dump, normalised and sorted. */
    public static List<Item> normalize(String plainDump, String databaseName) {
        Pattern db = databaseName == null || databaseName.isEmpty() ? null
                : Pattern.compile("(?<![\\w$])(" + Pattern.quote(databaseName) + "|" + Pattern.quote(Sql.ident(databaseName))
                        + ")(?![\\w$])");
        List<Item> items = new ArrayList<>();
        for (TocEntry e : RestoreScriptParser.parse(plainDump).entries()) {
            StringBuilder text = new StringBuilder();
            text.append("-- Owner: ").append(e.owner()).append('\n');
            Map<String, String> settings = e.settings().statements();
            for (String s : ITEM_SETTINGS) {
                if (settings.containsKey(s)) {
                    text.append(settings.get(s)).append('\n');
                }
            }
            text.append(e.sql());
            boolean aboutDatabase = e.type().startsWith("DATABASE") || e.name().startsWith("DATABASE ");
            if (db != null && aboutDatabase) {
                items.add(new Item(e.type(), e.schema(), db.matcher(e.name()).replaceAll("<database>"),
                        db.matcher(text).replaceAll("<database>")));
            } else {
                items.add(new Item(e.type(), e.schema(), e.name(), text.toString()));
            }
        }
        items.sort(Comparator.comparing(Item::key).thenComparing(Item::text));
        return items;
    }

    /**
     * The first difference between two normalised schemas, as one line naming the item, or empty
     * when they are equal.
     */
    public static Optional<String> difference(List<Item> source, List<Item> target) {
        int i = 0;
        int j = 0;
        while (i < source.size() || j < target.size()) {
            Item a = i < source.size() ? source.get(i) : null;
            Item b = j < target.size() ? target.get(j) : null;
            int c = a == null ? 1 : b == null ? -1 : a.key().compareTo(b.key());
            if (c < 0) {
                return Optional.of(describe(a) + " exists on the source only");
            }
            if (c > 0) {
                return Optional.of(describe(b) + " exists on the target only");
            }
            if (!a.text().equals(b.text())) {
                return Optional.of(describe(a) + " differs: source has '" + firstDifferentLine(a.text(), b.text())
                        + "', target has '" + firstDifferentLine(b.text(), a.text()) + "'");
            }
            i++;
            j++;
        }
        return Optional.empty();
    }

    private static String describe(Item it) {
        return it.type() + " \"" + it.name() + "\"" + (it.schema() == null ? "" : " in schema " + it.schema());
    }

    private static String firstDifferentLine(String a, String b) {
        String[] la = a.split("\n", -1);
        String[] lb = b.split("\n", -1);
        for (int k = 0; k < la.length; k++) {
            if (k >= lb.length || !Objects.equals(la[k], lb[k])) {
                String l = la[k].trim();
                return l.length() <= 120 ? l : l.substring(0, 117) + "...";
            }
        }
        return "(nothing more)";
    }
}
