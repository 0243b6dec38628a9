package org.fastcopy.util;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The layout scripts and tests grep for, and reading back what was written. */
class JsonTest {

    @Test
    void writesOneEntryPerLineWithTwoSpacesAndEmptyContainersTight() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", 1000L);
        m.put("seconds", 1.5);
        m.put("ok", true);
        m.put("verify", null);
        m.put("mismatches", List.of());
        m.put("dangling", Map.of());
        m.put("tables", List.of("a", "b\"\n\\"));
        m.put("file", Path.of("/tmp/x"));
        assertThat(Json.write(m)).isEqualTo("""
                {
                  "rows": 1000,
                  "seconds": 1.5,
                  "ok": true,
                  "verify": null,
                  "mismatches": [],
                  "dangling": {},
                  "tables": [
                    "a",
                    "b\\"\\n\\\\"
                  ],
                  "file": "/tmp/x"
                }
                """);
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsBackWhatItWroteInOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", "last first");
        m.put("run_id", 7);
        m.put("big", 1L << 40);
        m.put("elapsed", 0.25);
        m.put("phases", List.of(Map.of("phase", 1), Arrays.asList(null, false)));
        Map<String, Object> back = (Map<String, Object>) Json.read(Json.write(m));
        assertThat(back).containsExactly(Map.entry("z", "last first"), Map.entry("run_id", 7),
                Map.entry("big", 1L << 40), Map.entry("elapsed", 0.25),
                Map.entry("phases", List.of(Map.of("phase", 1), Arrays.asList(null, false))));
    }

    @Test
    void malformedTextIsOneLineNamingWhere() {
        assertThatThrownBy(() -> Json.read("{\n  \"a\": 1,\n  \"b\" 2\n}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 3")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
