package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** Splitting pg_restore's plain output (as pg_restore 15 prints it with --verbose) into items. */
class RestoreScriptParserTest {
    private static final String SCRIPT = """
            --
            -- PostgreSQL database dump
            --

            \\restrict 8gOYkIahG0o1arAYcg7S8jvBAD5m3HcOaTMKUwwaixj5upzFxS3IqRPtqaBUuv7

            -- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
            -- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

            -- Started on 2026-11-25 08:50:38 UTC

            SET statement_timeout = 0;
            SET lock_timeout = 0;
            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;
            SELECT pg_catalog.set_config('search_path', '', false);
            SET check_function_bodies = false;

            --
            -- TOC entry 272 (class 1255 OID 16412)
            -- Name: touch(); Type: FUNCTION; Schema: public; Owner: postgres
            -- Data Pos: 0
            --

            CREATE FUNCTION public.touch() RETURNS trigger
                LANGUAGE plpgsql
                AS $$
            --
            -- not a header: no Name line
            --
            BEGIN RETURN NEW; END$$;


            ALTER FUNCTION public.touch() OWNER TO postgres;

            SET default_tablespace = '';

            SET default_table_access_method = heap;

            --
            -- TOC entry 220 (class 1259 OID 16405)
            -- Name: Odd "Name" table; Type: TABLE; Schema: public; Owner: postgres
            -- Data Pos: 0
            --

            CREATE TABLE public."Odd ""Name"" table" (
                id integer NOT NULL
            );


            ALTER TABLE public."Odd ""Name"" table" OWNER TO postgres;

            --
            -- TOC entry 3794 (class 2606 OID 16426)
            -- Dependencies: 223 216 3587
            -- Name: Odd "Name" table Odd "Name" table_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
            -- Data Pos: 0
            --

            ALTER TABLE ONLY public."Odd ""Name"" table"
                ADD CONSTRAINT "Odd ""Name"" table_fk" FOREIGN KEY (id) REFERENCES public.dim(id);


            --
            -- TOC entry 6 (class 2615 OID 17237)
            -- Name: Other Schema; Type: SCHEMA; Schema: -; Owner: postgres
            -- Data Pos: 0
            --

            CREATE SCHEMA "Other Schema";


            -- Completed on 2026-11-25 08:50:38 UTC

            --
            -- PostgreSQL database dump complete
            --

            \\unrestrict 8gOYkIahG0o1arAYcg7S8jvBAD5m3HcOaTMKUwwaixj5upzFxS3IqRPtqaBUuv7

            """;

    @Test
    void splitsTheScriptIntoItemsByTheirHeaders() {
        List<TocEntry> items = RestoreScriptParser.parse(SCRIPT).entries();

        assertThat(items).extracting(TocEntry::type).containsExactly("FUNCTION", "TABLE", "FK CONSTRAINT", "SCHEMA");
        TocEntry fk = items.get(2);
        assertThat(fk.dumpId()).isEqualTo(3794);
        assertThat(fk.catalogClass()).isEqualTo(2606);
        assertThat(fk.catalogOid()).isEqualTo(16426);
        assertThat(fk.dependencies()).containsExactly(223, 216, 3587);
        assertThat(fk.name()).isEqualTo("Odd \"Name\" table Odd \"Name\" table_fk");
        assertThat(fk.schema()).isEqualTo("public");
        assertThat(fk.owner()).isNull();
        assertThat(fk.sql()).isEqualTo("""
                ALTER TABLE ONLY public."Odd ""Name"" table"
                    ADD CONSTRAINT "Odd ""Name"" table_fk" FOREIGN KEY (id) REFERENCES public.dim(id);""");
        assertThat(items.get(3).schema()).isNull();
        assertThat(items.get(3).sql()).isEqualTo("CREATE SCHEMA \"Other Schema\";");
    }

    @Test
    void keepsCommentLinesInsideAFunctionBody() {
        TocEntry f = RestoreScriptParser.parse(SCRIPT).entries().get(0);
        assertThat(f.sql()).startsWith("CREATE FUNCTION public.touch()")
                .contains("--\n-- not a header: no Name line\n--\nBEGIN RETURN NEW; END$$;")
                .endsWith("ALTER FUNCTION public.touch() OWNER TO postgres;");
    }

    @Test
    void everyItemCarriesThePreambleAndTheSwitchesPrintedBeforeIt() {
        RestoreScript script = RestoreScriptParser.parse(SCRIPT);
        assertThat(script.preamble().statements()).containsOnlyKeys("statement_timeout", "lock_timeout", "client_encoding",
                "standard_conforming_strings", "search_path", "check_function_bodies");
        assertThat(script.preamble().statements().get("search_path"))
                .isEqualTo("SELECT pg_catalog.set_config('search_path', '', false);");

        List<TocEntry> items = script.entries();
        assertThat(items.get(0).settings()).isEqualTo(script.preamble());
        assertThat(items.get(1).settings().changesFrom(items.get(0).settings()))
                .containsExactly("SET default_tablespace = '';", "SET default_table_access_method = heap;");
        assertThat(items.get(1).sql()).doesNotContain("SET default_tablespace");
        assertThat(items.get(0).sql()).doesNotContain("SET default_tablespace");
        assertThat(items.get(3).settings()).isSameAs(items.get(1).settings());
    }

    @Test
    void dropsPsqlsRestrictLinesAndTheClosingComments() {
        String all = String.join("\n", RestoreScriptParser.parse(SCRIPT).entries().stream().map(TocEntry::sql).toList());
        assertThat(all).doesNotContain("\\restrict", "\\unrestrict", "dump complete", "Completed on");
    }

    @Test
    void readsPlainPgDumpOutputWithoutTocLines() {
        String plain = SCRIPT.replaceAll("(?m)^-- (TOC entry|Dependencies|Data Pos).*\\n", "");
        List<TocEntry> items = RestoreScriptParser.parse(plain).entries();
        assertThat(items).hasSize(4);
        assertThat(items).allSatisfy(e -> assertThat(e.dumpId()).isEqualTo(-1));
    }

    @Test
    void refusesSqlOutsideAnyItem() {
        assertThatThrownBy(() -> RestoreScriptParser.parse("SET statement_timeout = 0;\nDROP TABLE x;\n"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("unexpected line 2 before the first item of the pg_restore script: DROP TABLE x;");
    }

    @Test
    void aScriptFileGivesTheSameItemsWithTheirSqlLeftInTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("post-data.sql");
        // multi-byte UTF-8 and CRLF lines: slices count bytes, and a '\r' stays in the text as it would in memory
        String script = SCRIPT.replace("public.dim(id)", "public.\"dïm\"(id)").replace("RETURN NEW;", "RETURN NEW;\r");
        Files.writeString(file, script, StandardCharsets.UTF_8);

        RestoreScript fromFile = RestoreScriptParser.parse(file);
        RestoreScript fromText = RestoreScriptParser.parse(script);

        assertThat(fromFile.preamble()).isEqualTo(fromText.preamble());
        assertThat(fromFile.entries()).extracting(TocEntry::sql)
                .containsExactlyElementsOf(fromText.entries().stream().map(TocEntry::sql).toList());
        assertThat(fromFile.entries()).extracting(TocEntry::name, TocEntry::type, TocEntry::dependencies, TocEntry::settings)
                .containsExactlyElementsOf(fromText.entries().stream()
                        .map(e -> tuple(e.name(), e.type(), e.dependencies(), e.settings())).toList());
        assertThat(fromFile.entries()).extracting(TocEntry::text).allSatisfy(t -> assertThat(t).isInstanceOf(DdlText.Slice.class));
    }

    @Test
    void anItemReadAfterItsFileChangedFailsRatherThanRunOtherText(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pre-data.sql");
        Files.writeString(file, SCRIPT, StandardCharsets.UTF_8);
        TocEntry fk = RestoreScriptParser.parse(file).entries().get(2);
        Files.writeString(file, SCRIPT.replace("public.dim(id)", "public.other(id)"), StandardCharsets.UTF_8);

        assertThatThrownBy(fk::sql).isInstanceOf(FastcopyException.class).hasMessageContaining("changed while its items were in use");
    }

    @Test
    void repeatedTypesSchemasAndOwnersAreOneStringEach() {
        List<TocEntry> items = RestoreScriptParser.parse(SCRIPT + SCRIPT.substring(SCRIPT.indexOf("--\n-- TOC entry"))).entries();
        TocEntry first = items.get(2);
        TocEntry again = items.get(6);
        assertThat(again.type()).isEqualTo(first.type()).isSameAs(first.type());
        assertThat(again.schema()).isSameAs(first.schema());
    }
}
