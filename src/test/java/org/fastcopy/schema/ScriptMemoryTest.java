package org.fastcopy.schema;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The post-data script of a 5,000-table schema (25,000 items, 7.6 MB of SQL) fits a small heap:
 * its SQL stays in the file and each item costs a bounded number of bytes, whatever its text.
 * Measured in a child JVM with a fixed heap, so the bound is the heap's, not this JVM's 2 GB.
 * Before the items kept their SQL on disk, reading the script whole took more than this heap.
 */
class ScriptMemoryTest {
    private static final int TABLES = 5_000;
    /**
     * Heap for the whole probe: twice what the items need (about 480 bytes x 25,000). The script
     * is 7.6 MB; read whole and split into lines, as the parser once did, it took about 20 MB
     * more while the items were being made, and each item held its SQL (about 200 bytes more).
     */
    private static final String HEAP = "-Xmx24m";
    /**
     * Per item, parsed and scheduled (the item, its name, dependencies, file slice and graph
     * node, one lock group each here). Measured 454 on 2026-12-05 (JDK 17, SerialGC): see
     * docs/memory.md; the bound leaves room for JDK differences.
     */
    private static final long MAX_BYTES_PER_ITEM = 600;
    private static final Pattern RETAINED = Pattern.compile("retained (\\d+) bytes per item, (\\d+) items");

    @Test
    void theScriptOfFiveThousandTablesFitsASmallHeap(@TempDir Path dir) throws IOException, InterruptedException {
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                ScriptMemoryProbe.class.getName(), dir.resolve("post-data.sql").toString(), Integer.toString(TABLES))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the probe ended").isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);

        assertThat(p.exitValue()).as("probe exit with %s; output:%n%s", HEAP, out).isZero();
        Matcher m = RETAINED.matcher(out);
        assertThat(m.find()).as("probe output: %s", out).isTrue();
        assertThat(Long.parseLong(m.group(2))).isEqualTo(5L * TABLES);
        assertThat(Long.parseLong(m.group(1))).as("bytes retained per item").isLessThanOrEqualTo(MAX_BYTES_PER_ITEM);
        assertThat(List.of(out.split("\n"))).noneMatch(l -> l.startsWith("unexpected"));
    }
}
