package org.fastcopy.schema;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The two halves of a foreign key, from pg_dump's text; anything unexpected stays whole. */
class ForeignKeyValidationTest {

    @Test
    void aPlainKeyIsAddedNotValidThenValidatedByItsOwnName() {
        String sql = "ALTER TABLE ONLY public.test_run_y2006_m01_wk1\n"
                + "    ADD CONSTRAINT test_run_y2006_m01_wk1_submit_fk FOREIGN KEY (submit_id) REFERENCES public.submit(submit_id);\n";

        String[] halves = ForeignKeyValidation.halves(sql).orElseThrow();

        assertThat(halves[0]).isEqualTo("ALTER TABLE ONLY public.test_run_y2006_m01_wk1\n"
                + "    ADD CONSTRAINT test_run_y2006_m01_wk1_submit_fk FOREIGN KEY (submit_id) REFERENCES public.submit(submit_id) NOT VALID;");
        assertThat(halves[1]).isEqualTo("ALTER TABLE ONLY public.test_run_y2006_m01_wk1\n"
                + "    VALIDATE CONSTRAINT test_run_y2006_m01_wk1_submit_fk;");
    }

    @Test
    void aQuotedNameWithSpacesQuotesAndKeywordsStaysWhole() {
        String sql = "ALTER TABLE ONLY public.\"Odd \"\"Name\"\" table\"\n"
                + "    ADD CONSTRAINT \"fk \"\" FOREIGN KEY ü\" FOREIGN KEY (d) REFERENCES public.\"Dim\"(id);";

        String[] halves = ForeignKeyValidation.halves(sql).orElseThrow();

        assertThat(halves[1]).isEqualTo("ALTER TABLE ONLY public.\"Odd \"\"Name\"\" table\"\n"
                + "    VALIDATE CONSTRAINT \"fk \"\" FOREIGN KEY ü\";");
        assertThat(halves[0]).endsWith("REFERENCES public.\"Dim\"(id) NOT VALID;");
    }

    @Test
    void aKeyTheSourceHoldsNotValidStaysAsItIs() {
        assertThat(ForeignKeyValidation.halves("ALTER TABLE ONLY public.t\n"
                + "    ADD CONSTRAINT t_fk FOREIGN KEY (d) REFERENCES public.dim(id) NOT VALID;")).isEmpty();
    }

    @Test
    void aKeyOnAPartitionedTableOrInAnotherFormStaysWhole() {
        // pg_dump writes no ONLY for a partitioned table, which refuses NOT VALID keys
        assertThat(ForeignKeyValidation.halves("ALTER TABLE public.readings\n"
                + "    ADD CONSTRAINT readings_fk FOREIGN KEY (id, day) REFERENCES public.measurements(id, day);")).isEmpty();
        assertThat(ForeignKeyValidation.halves("ALTER TABLE ONLY public.t\n"
                + "    ADD CONSTRAINT t_fk FOREIGN KEY (d) REFERENCES public.dim(id);\nSELECT 1;")).isEmpty();
        assertThat(ForeignKeyValidation.halves("ALTER TABLE ONLY public.t\n"
                + "    ADD CONSTRAINT t_check CHECK (d > 0);")).isEmpty();
    }
}
