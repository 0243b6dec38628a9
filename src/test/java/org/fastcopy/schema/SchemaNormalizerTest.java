package org.fastcopy.schema;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What two schema dumps may differ in and still count as the same schema. */
class SchemaNormalizerTest {
    private static String dump(String key, String db, String... items) {
        StringBuilder sb = new StringBuilder("""
                --
                -- PostgreSQL database dump
                --

                \\restrict %s

                -- Dumped from database version 15.18
                -- Dumped by pg_dump version 15.18

                SET statement_timeout = 0;
                SELECT pg_catalog.set_config('search_path', '', false);

                """.formatted(key));
        for (String item : items) {
            sb.append(item);
        }
        return sb.append("\n\\unrestrict ").append(key).append('\n').toString().replace("DBNAME", db);
    }

    private static final String TABLE = """
            --
            -- Name: t; Type: TABLE; Schema: public; Owner: mtt
            --

            CREATE TABLE public.t (
                id integer NOT NULL
            );

            """;
    private static final String INDEX = """
            --
            -- Name: t_idx; Type: INDEX; Schema: public; Owner: mtt
            --

            CREATE INDEX t_idx ON public.t USING btree (id);

            """;
    private static final String COMMENT = """
            --
            -- Name: DATABASE DBNAME; Type: COMMENT; Schema: -; Owner: mtt
            --

            COMMENT ON DATABASE DBNAME IS 'MTT results';

            """;

    @Test
    void theSameSchemaInAnotherOrderAndAnotherDatabaseIsEqual() {
        String a = dump("AAAA", "mttv3", TABLE, INDEX, COMMENT);
        String b = dump("BBBB", "copy_of_mttv3", COMMENT, INDEX, TABLE);
        assertThat(SchemaNormalizer.difference(SchemaNormalizer.normalize(a, "mttv3"),
                SchemaNormalizer.normalize(b, "copy_of_mttv3"))).isEmpty();
    }

    @Test
    void aMissingItemIsNamed() {
        String a = dump("AAAA", "src", TABLE, INDEX);
        String b = dump("BBBB", "dst", TABLE);
        assertThat(SchemaNormalizer.difference(SchemaNormalizer.normalize(a, "src"), SchemaNormalizer.normalize(b, "dst")))
                .contains("INDEX \"t_idx\" in schema public exists on the source only");
    }

    @Test
    void aChangedItemIsNamedWithItsFirstDifferentLine() {
        String a = dump("AAAA", "src", TABLE, INDEX);
        String b = dump("BBBB", "dst", TABLE, INDEX.replace("btree (id)", "hash (id)"));
        assertThat(SchemaNormalizer.difference(SchemaNormalizer.normalize(a, "src"), SchemaNormalizer.normalize(b, "dst")))
                .contains("INDEX \"t_idx\" in schema public differs: source has 'CREATE INDEX t_idx ON public.t USING btree (id);',"
                        + " target has 'CREATE INDEX t_idx ON public.t USING hash (id);'");
    }

    @Test
    void anotherOwnerIsADifference() {
        String a = dump("AAAA", "src", TABLE);
        String b = dump("BBBB", "dst", TABLE.replace("Owner: mtt", "Owner: postgres"));
        assertThat(SchemaNormalizer.difference(SchemaNormalizer.normalize(a, "src"), SchemaNormalizer.normalize(b, "dst")))
                .contains("TABLE \"t\" in schema public differs: source has '-- Owner: mtt', target has '-- Owner: postgres'");
    }
}
