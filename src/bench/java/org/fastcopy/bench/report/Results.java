package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads each kind of result file bench/run-all leaves in bench/results into the records below. */
final class Results {
    private static final Pattern SCALE = Pattern.compile("scale([0-9]*\\.?[0-9]+)-");
    private static final Pattern SOURCE = Pattern.compile("source: ([0-9.]+) MB");
    private static final Pattern JOBS = Pattern.compile("jobs: ([0-9]+)");
    private static final Pattern DELAY = Pattern.compile("-delay([0-9]*\\.?[0-9]+)ms-");

    private Results() {
    }

    /** One bench/copy run; delayMs is bench/copy's --delay (per direction), 0 on loopback. */
    record CopyRun(String tool, int run, double wall, double mbps, double peak, String status, double scale,
                   double sizeMb, String jobs, double delayMs) {
        boolean ok() {
            return status.equals("ok");
        }
    }

    /** One bench/many-tables-bench run: a copy of the synthetic schema of that many tables. */
    record ManyTablesRun(int tables, String tool, int run, double wall, double peak, String status) {
        boolean ok() {
            return status.equals("ok");
        }
    }

    /** One bench/convert run. */
    record ConvertRun(String method, int jobs, int run, double rows, double wall, double rowsPerS, double peak,
                      String status, double scale) {
        boolean ok() {
            return status.equals("ok");
        }
    }

    /** One COPY stream measured with psql by bench/report/copy-stream: what PostgreSQL sustains here. */
    record StreamRow(String what, String format, double mb, double seconds, String status) {
        boolean ok() {
            return status.equals("ok");
        }

        double mbps() {
            return mb / seconds;
        }
    }

    /** The key=value lines bench/run-all writes about the machine and the run; note= lines repeat. */
    record Machine(Map<String, String> values, List<String> notes) {
        String get(String key, String missing) {
            String v = values.get(key);
            return v == null || v.isEmpty() ? missing : v;
        }
    }

    static Machine machine(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        if (file != null) {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    String key = line.substring(0, eq).trim();
                    String value = line.substring(eq + 1).trim();
                    if (key.equals("note")) {
                        notes.add(value);
                    } else {
                        values.put(key, value);
                    }
                }
            }
        }
        return new Machine(values, notes);
    }

    /**
     * bench/copy's CSV. The database size is in the sibling .md (bench/copy's report); without it,
     * each run's MB/s x wall, and then their median for every run, since one file copies one database.
     */
    static List<CopyRun> copy(Path csv) throws IOException {
        double scale = scaleOf(csv);
        Path mdFile = Path.of(csv.toString().replaceFirst("\\.csv$", ".md"));
        double size = Double.NaN;
        String jobs = "?";
        if (Files.isRegularFile(mdFile)) {
            String text = Files.readString(mdFile);
            Matcher m = SOURCE.matcher(text);
            if (m.find()) {
                size = Double.parseDouble(m.group(1));
            }
            Matcher j = JOBS.matcher(text);
            if (j.find()) {
                jobs = j.group(1);
            }
        }
        Csv table = Csv.read(csv, "tool", "run", "wall_s", "mb_per_s", "peak_mb", "status");
        List<CopyRun> runs = new ArrayList<>();
        for (Map<String, String> r : table.rows()) {
            double wall = Csv.num(r.get("wall_s"));
            double mbps = Csv.num(r.get("mb_per_s"));
            runs.add(new CopyRun(r.get("tool"), (int) Csv.num(r.get("run")), wall, mbps, Csv.num(r.get("peak_mb")),
                    r.get("status").trim(), scale, Double.isNaN(size) ? mbps * wall : size, jobs, delayOf(csv)));
        }
        if (Double.isNaN(size)) {
            double median = Stats.of(runs.stream().filter(CopyRun::ok).map(CopyRun::sizeMb).toList()).median();
            runs.replaceAll(x -> new CopyRun(x.tool(), x.run(), x.wall(), x.mbps(), x.peak(), x.status(), x.scale(),
                    median, x.jobs(), x.delayMs()));
        }
        return runs;
    }

    /** bench/many-tables-bench's CSV: status is ok only for a copy checked exact. */
    static List<ManyTablesRun> manyTables(Path csv) throws IOException {
        Csv table = Csv.read(csv, "tables", "tool", "run", "wall_s", "peak_mb", "status");
        return table.rows().stream().map(r -> new ManyTablesRun((int) Csv.num(r.get("tables")), r.get("tool"),
                (int) Csv.num(r.get("run")), Csv.num(r.get("wall_s")), Csv.num(r.get("peak_mb")),
                r.get("status").trim())).toList();
    }

    static List<ConvertRun> convert(Path csv) throws IOException {
        double scale = scaleOf(csv);
        Csv table = Csv.read(csv, "method", "jobs", "run", "rows", "wall_s", "rows_per_s", "peak_mb", "status");
        return table.rows().stream().map(r -> new ConvertRun(r.get("method"), (int) Csv.num(r.get("jobs")),
                (int) Csv.num(r.get("run")), Csv.num(r.get("rows")), Csv.num(r.get("wall_s")),
                Csv.num(r.get("rows_per_s")), Csv.num(r.get("peak_mb")), r.get("status").trim(), scale)).toList();
    }

    static List<StreamRow> stream(Path csv) throws IOException {
        Csv table = Csv.read(csv, "what", "format", "mb", "seconds", "status");
        return table.rows().stream().map(r -> new StreamRow(r.get("what"), r.get("format"), Csv.num(r.get("mb")),
                Csv.num(r.get("seconds")), r.get("status").trim())).toList();
    }

    /**
     * JMH's -rf csv output. Of -prof gc's secondary metrics only the allocation rates are kept: its
     * counts and times are noise next to them.
     */
    static List<JmhRow> jmh(Path csv, String where) throws IOException {
        Csv table = Csv.read(csv, "Benchmark", "Mode", "Score", "Unit");
        List<JmhRow> rows = new ArrayList<>();
        for (Map<String, String> r : table.rows()) {
            String bench = r.get("Benchmark");
            int colon = bench.indexOf(':');
            String metric = colon < 0 ? "" : bench.substring(colon + 1);
            if (!metric.isEmpty() && !metric.equals("gc.alloc.rate.norm") && !metric.equals("gc.alloc.rate")) {
                continue;
            }
            String params = r.entrySet().stream().filter(e -> e.getKey().startsWith("Param: "))
                    .filter(e -> !e.getValue().isEmpty())
                    .map(e -> e.getKey().substring(7) + "=" + e.getValue()).collect(Collectors.joining(", "));
            rows.add(new JmhRow(bench.replaceFirst("^org\\.fastcopy\\.", ""), r.get("Mode"),
                    Csv.num(r.get("Score")), Csv.num(r.getOrDefault("Score Error (99.9%)", "NaN")),
                    JmhRow.unit(bench, r.get("Unit")), params, where));
        }
        return rows;
    }

    /** bench/copy's --delay in a file's name (copy-scale0.05-delay1ms-DATE.csv), 0 when it has none. */
    static double delayOf(Path csv) {
        Matcher m = DELAY.matcher(csv.getFileName().toString());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The scale in a bench file's name (copy-scale0.05-DATE.csv), NaN when it has none. */
    static double scaleOf(Path csv) {
        Matcher m = SCALE.matcher(csv.getFileName().toString());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
