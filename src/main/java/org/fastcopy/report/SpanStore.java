package org.fastcopy.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The timeline's spans per lane, within a fixed budget. A copy of tens of thousands of tables has
 * tens of thousands of units and DDL batches, more than a chart can show apart (it is about a
 * thousand pixels wide) or a report should carry. When the budget is reached, neighbouring spans
 * of one lane that are of the same kind and status and lie closer than a resolution are merged
 * into one bar that counts them; the resolution starts at a thousandth of the run so far and
 * doubles until the store is back under three quarters of its budget. What the chart shows at its
 * own scale is unchanged; totals per lane are kept apart ({@link RunRecorder}) and stay exact.
 */
final class SpanStore {
    private final int budget;
    private final Map<String, List<Span>> lanes = new LinkedHashMap<>();
    private int size;
    private long resolutionNanos;

    SpanStore(int budget) {
        if (budget < 16) {
            throw new IllegalArgumentException("span budget must be at least 16, got " + budget);
        }
        this.budget = budget;
    }

    /** Adds a span; {@code nowNanos} (run time) scales the merging when the budget is reached. */
    void add(Span s, long nowNanos) {
        List<Span> lane = lanes.computeIfAbsent(s.lane(), k -> new ArrayList<>());
        // Spans of one lane arrive in end order; keep them by start so merging looks at neighbours.
        int at = lane.size();
        while (at > 0 && lane.get(at - 1).startNanos() > s.startNanos()) {
            at--;
        }
        lane.add(at, s);
        size++;
        if (size > budget) {
            compact(nowNanos);
        }
    }

    private void compact(long nowNanos) {
        long resolution = Math.max(resolutionNanos, Math.max(1, nowNanos / 1000));
        while (size > budget * 3 / 4) {
            size = 0;
            for (Map.Entry<String, List<Span>> e : lanes.entrySet()) {
                e.setValue(merged(e.getValue(), resolution));
                size += e.getValue().size();
            }
            if (resolution > nowNanos) {
                break; // every lane is down to one bar per kind and status in a row
            }
            resolution *= 2;
        }
        resolutionNanos = resolution;
    }

    private static List<Span> merged(List<Span> lane, long resolution) {
        List<Span> out = new ArrayList<>(lane.size());
        for (Span s : lane) {
            Span last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.kind() == s.kind() && last.status() == s.status()
                    && s.startNanos() - last.endNanos() <= resolution) {
                out.set(out.size() - 1, last.mergedWith(s));
            } else {
                out.add(s);
            }
        }
        return out;
    }

    int size() {
        return size;
    }

    /** 0 while every span is kept apart; else the largest gap merged over. */
    long resolutionNanos() {
        return resolutionNanos;
    }

    /** A copy, lanes in the order they first appeared. */
    Map<String, List<Span>> lanes() {
        Map<String, List<Span>> copy = new LinkedHashMap<>();
        lanes.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }
}
