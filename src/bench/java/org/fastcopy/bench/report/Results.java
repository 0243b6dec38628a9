package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads each kind of result file bench/run-all leaves in bench/results into the records below. */
final class Results {
    private static final Pattern SCALE = Pattern.compile("scale([0-9]*\\.?[0-9]+)-");
    private static final Pattern SOURCE = Pattern.compile("source: ([0-9.]+) MB");
    private static final Pattern JOBS = Pattern.compile("jobs: ([0-9]+)");
    private static final Pattern DELAY = Pattern.compile("-delay([0-9]*\\.?[0-9]+)ms-");
    private static final Pattern SOURCE_TABLES = Pattern.compile("source: ([0-9.]+) MB, ([0-9]+) tables");
    private static final Pattern FAILED_RUN = Pattern.compile("^run ([0-9]+): ");

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

    /**
     * One figure of a bench/follow run: a measure of one tool. value is NaN when the field is not a
     * number ("n/a", blank); failedRun when the file's .md lists a failure of that run.
     */
    record FollowValue(int run, String tool, String measure, String raw, double value, boolean failedRun) {
        boolean ok() {
            return !failedRun && !Double.isNaN(value);
        }
    }

    /**
     * One bench/follow CSV (one invocation: its scale, years and backlog sizes) and what its .md adds:
     * the source's size (NaN and "?" without the .md), the failures it lists, the notes added to it.
     */
    record FollowFile(Path csv, double scale, double sourceMb, String sourceTables, List<FollowValue> values,
                      List<String> failures, List<String> notes) {
    }

    /** One live run of bench/convert-follow; missing names the columns whose field is not a number. */
    record ConvertFollowRun(double scale, int rowsPerTxn, int run, double rows, double writerRowsS,
                            double followerRowsS, double catchUpS, double lagSMedian, double lagSMax,
                            double lagBytesMax, List<String> missing) {
    }

    /** One backlog run of bench/convert-follow: written while the follower was stopped, then applied. */
    record ConvertFollowBacklog(double scale, int rowsPerTxn, double rows, double writerRowsS, double applyS,
                                double applyRowsS, List<String> missing) {
    }

    /**
     * bench/convert-follow's full conversion of the final v3, timed for comparison; flatCheck is its
     * comparison of the followed flat's counts with v3's ("ok" or the counts), "" when not in the file.
     */
    record FullConversion(double scale, double testRunRows, double seconds, String flatCheck) {
        double rowsPerS() {
            return testRunRows / seconds;
        }
    }

    /** Everything of bench/convert-follow given to the report: its files, their rows, and the runbook. */
    record ConvertFollow(List<Path> files, List<ConvertFollowRun> live, List<ConvertFollowBacklog> backlog,
                         List<FullConversion> full, List<String> notes, Runbook runbook) {
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

    /** bench/follow's CSV, with the source's size, the failures and the notes of its .md (none without it). */
    static FollowFile follow(Path csv) throws IOException {
        Csv table = Csv.read(csv, "run", "tool", "measure", "value");
        String md = siblingMd(csv);
        Matcher m = SOURCE_TABLES.matcher(md);
        boolean sized = m.find();
        List<String> failures = listItems(md, "## Failures");
        Set<Integer> failedRuns = new HashSet<>();
        for (String f : failures) {
            Matcher r = FAILED_RUN.matcher(f);
            if (r.find()) {
                failedRuns.add(Integer.parseInt(r.group(1)));
            }
        }
        List<FollowValue> values = new ArrayList<>();
        for (Map<String, String> r : table.rows()) {
            int run = (int) Csv.num(r.get("run"));
            String raw = r.get("value").trim();
            values.add(new FollowValue(run, r.get("tool").trim(), r.get("measure").trim(), raw, Csv.num(raw),
                    failedRuns.contains(run)));
        }
        return new FollowFile(csv, scaleOf(csv), sized ? Double.parseDouble(m.group(1)) : Double.NaN,
                sized ? m.group(2) : "?", values, failures, notes(md));
    }

    /** bench/convert-follow's CSV of the live runs: the writer writing while the follower follows. */
    static List<ConvertFollowRun> convertFollow(Path csv) throws IOException {
        String[] numbers = {"rows", "writer_rows_s", "follower_rows_s", "catch_up_s", "lag_s_median", "lag_s_max",
            "lag_bytes_max"};
        Csv table = Csv.read(csv, concat(new String[] {"rows_per_txn", "run"}, numbers));
        double scale = scaleOf(csv);
        return table.rows().stream().map(r -> new ConvertFollowRun(scale, (int) Csv.num(r.get("rows_per_txn")),
                (int) Csv.num(r.get("run")), Csv.num(r.get("rows")), Csv.num(r.get("writer_rows_s")),
                Csv.num(r.get("follower_rows_s")), Csv.num(r.get("catch_up_s")), Csv.num(r.get("lag_s_median")),
                Csv.num(r.get("lag_s_max")), Csv.num(r.get("lag_bytes_max")), missing(r, numbers))).toList();
    }

    /** bench/convert-follow's CSV of the backlog runs, one per transaction size. */
    static List<ConvertFollowBacklog> convertFollowBacklog(Path csv) throws IOException {
        String[] numbers = {"rows", "writer_rows_s", "apply_s", "apply_rows_s"};
        Csv table = Csv.read(csv, concat(new String[] {"rows_per_txn"}, numbers));
        double scale = scaleOf(csv);
        return table.rows().stream().map(r -> new ConvertFollowBacklog(scale, (int) Csv.num(r.get("rows_per_txn")),
                Csv.num(r.get("rows")), Csv.num(r.get("writer_rows_s")), Csv.num(r.get("apply_s")),
                Csv.num(r.get("apply_rows_s")), missing(r, numbers))).toList();
    }

    /** bench/convert-follow's CSV of the full conversion of the final v3 (a blank scale: the file name's). */
    static List<FullConversion> fullConversion(Path csv) throws IOException {
        Csv table = Csv.read(csv, "scale", "test_run_rows", "full_conversion_s");
        double named = scaleOf(csv);
        return table.rows().stream().map(r -> new FullConversion(Double.isNaN(Csv.num(r.get("scale"))) ? named
                : Csv.num(r.get("scale")),
                Csv.num(r.get("test_run_rows")), Csv.num(r.get("full_conversion_s")),
                r.getOrDefault("flat_after_following", "").trim())).toList();
    }

    /** The .md a bench script wrote beside its CSV (same name), "" when there is none. */
    static String siblingMd(Path csv) throws IOException {
        Path md = Path.of(csv.toString().replaceFirst("\\.csv$", ".md"));
        return md.equals(csv) || !Files.isRegularFile(md) ? "" : Files.readString(md);
    }

    /** The paragraphs of a .md that start with "**Note": what someone added to a result after its run. */
    static List<String> notes(String md) {
        return Arrays.stream(md.split("\\n\\s*\\n")).map(String::strip).filter(p -> p.startsWith("**Note"))
                .map(p -> p.replaceAll("\\s*\\n\\s*", " ")).toList();
    }

    /** The "- " items under a heading of a .md, up to the next heading. */
    static List<String> listItems(String md, String heading) {
        List<String> items = new ArrayList<>();
        boolean in = false;
        for (String line : md.split("\\n")) {
            if (line.startsWith("#")) {
                in = line.strip().equals(heading);
            } else if (in && line.startsWith("- ")) {
                items.add(line.substring(2).strip());
            }
        }
        return items;
    }

    private static List<String> missing(Map<String, String> row, String... columns) {
        return Arrays.stream(columns).filter(c -> Double.isNaN(Csv.num(row.get(c)))).toList();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
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
