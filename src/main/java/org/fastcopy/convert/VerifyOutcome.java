package org.fastcopy.convert;

import java.util.List;
import java.util.Map;

/**
 * What {@code convert --verify} found, ready to print and to put in the JSON report.
 *
 * @param lines    the human summary: counts per part, rows compared, dangling references with examples
 * @param problems one line per count that differs or row that differs (empty: flat matches v3)
 * @param json     the same for the JSON report
 */
public record VerifyOutcome(List<String> lines, List<String> problems, Map<String, Object> json) {
    public VerifyOutcome {
        lines = List.copyOf(lines);
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
