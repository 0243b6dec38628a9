package org.fastcopy.bench.report;

import org.fastcopy.bench.report.Results.Machine;

/** The machine and the run: what every absolute figure below must be read against. */
final class MachineSection {
    private MachineSection() {
    }

    static void write(Markdown md, Machine m) {
        md.line("## Machine").blank();
        md.line("- cores: " + m.get("cores", "?") + "; memory: " + m.get("memory_mb", "?") + " MB; CPU: "
                + m.get("cpu", "?"));
        md.line("- load average (1/5/15 min) at the start: " + m.get("load_before", "?") + "; at the end: "
                + m.get("load_after", "?"));
        md.line("- PostgreSQL: " + m.get("postgresql", "?") + "; Java: " + m.get("java", "?"));
        md.line("- fastcopy: " + m.get("fastcopy", "?") + "; commit " + m.get("commit", "?"));
        md.line("- run-all arguments: `" + m.get("arguments", "(defaults)") + "`; total time "
                + m.get("elapsed_s", "?") + " s");
        md.line("- both local clusters run on this machine (fsync off, see bench/README.md): absolute times"
                + " are not those of two servers with a network between them.").blank();
        if (!m.notes().isEmpty()) {
            md.line("Notes from this run:").blank();
            m.notes().forEach(n -> md.line("- " + n));
            md.blank();
        }
    }
}
