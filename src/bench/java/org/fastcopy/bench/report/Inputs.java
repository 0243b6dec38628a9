package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fastcopy.bench.report.Results.ConvertFollow;
import org.fastcopy.bench.report.Results.ConvertFollowBacklog;
import org.fastcopy.bench.report.Results.ConvertFollowRun;
import org.fastcopy.bench.report.Results.ConvertRun;
import org.fastcopy.bench.report.Results.CopyRun;
import org.fastcopy.bench.report.Results.FollowFile;
import org.fastcopy.bench.report.Results.FullConversion;
import org.fastcopy.bench.report.Results.Machine;
import org.fastcopy.bench.report.Results.ManyTablesRun;
import org.fastcopy.bench.report.Results.StreamRow;

/** Everything one report is made from, read from the files the options name (a missing kind: empty). */
record Inputs(Machine machine, List<CopyRun> copy, List<ConvertRun> convert, List<ManyTablesRun> many,
              List<CopyRun> latency, List<JmhRow> jmh, List<JmhRow> jmh1core, List<StreamRow> stream,
              List<FollowFile> follow, ConvertFollow convertFollow) {

    static Inputs read(ReportOptions o) throws IOException {
        List<CopyRun> copy = new ArrayList<>();
        for (Path p : o.copy()) {
            copy.addAll(Results.copy(p));
        }
        List<ConvertRun> convert = new ArrayList<>();
        for (Path p : o.convert()) {
            convert.addAll(Results.convert(p));
        }
        List<ManyTablesRun> many = new ArrayList<>();
        for (Path p : o.many()) {
            many.addAll(Results.manyTables(p));
        }
        List<CopyRun> latency = new ArrayList<>();
        for (Path p : o.latency()) {
            latency.addAll(Results.copy(p));
        }
        List<FollowFile> follow = new ArrayList<>();
        for (Path p : o.follow()) {
            follow.add(Results.follow(p));
        }
        return new Inputs(Results.machine(o.machine()), copy, convert, many, latency,
                o.jmh() == null ? List.of() : Results.jmh(o.jmh(), ""),
                o.jmh1core() == null ? List.of() : Results.jmh(o.jmh1core(), "one core"),
                o.stream() == null ? List.of() : Results.stream(o.stream()), follow, convertFollow(o));
    }

    /** bench/convert-follow's three kinds of file, and the runbook, whose figure stands beside theirs. */
    private static ConvertFollow convertFollow(ReportOptions o) throws IOException {
        List<ConvertFollowRun> live = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Path p : o.convertFollow()) {
            live.addAll(Results.convertFollow(p));
            notes.addAll(Results.notes(Results.siblingMd(p)));
        }
        List<ConvertFollowBacklog> backlog = new ArrayList<>();
        for (Path p : o.convertFollowBacklog()) {
            backlog.addAll(Results.convertFollowBacklog(p));
        }
        List<FullConversion> full = new ArrayList<>();
        for (Path p : o.convertFollowFull()) {
            full.addAll(Results.fullConversion(p));
        }
        List<Path> files = new ArrayList<>(o.convertFollow());
        files.addAll(o.convertFollowBacklog());
        files.addAll(o.convertFollowFull());
        Runbook runbook = o.runbook() == null ? null : Runbook.read(o.runbook());
        return new ConvertFollow(files, live, backlog, full, notes, runbook);
    }
}
