package org.fastcopy.bench.report;

/** One line of JMH's -rf csv output; {@code where} is "" for all cores or "one core". */
record JmhRow(String benchmark, String mode, double score, double error, String unit, String params,
              String where) {

    /** JMH says ops/s; one op is 1 MiB in the hand-off and one row in the transform. */
    static String unit(String bench, String unit) {
        if (bench.contains(":")) {
            return unit.replace("B/op", bench.contains("CopyHandoff") ? "B/MiB moved"
                    : bench.contains("ConvertTransform") ? "B/row" : "B/op");
        }
        if (unit.equals("ops/s") && bench.contains("CopyHandoffBenchmark")) {
            return "MiB/s";
        }
        if (unit.equals("ops/s") && bench.contains("ConvertTransformBenchmark")) {
            return "rows/s";
        }
        return unit;
    }

    /** Class.method, plus the profiler's metric after a colon. */
    String shortName() {
        int colon = benchmark.indexOf(':');
        String name = colon < 0 ? benchmark : benchmark.substring(0, colon);
        String metric = colon < 0 ? "" : " " + benchmark.substring(colon + 1);
        return name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1) + metric;
    }
}
