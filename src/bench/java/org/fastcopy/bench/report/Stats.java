package org.fastcopy.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** Median and range of the values that are numbers (NaN, a failed or unparsed figure, is left out). */
record Stats(int n, double median, double min, double max) {

    static Stats of(List<Double> values) {
        List<Double> v = values.stream().filter(x -> !Double.isNaN(x)).sorted().toList();
        if (v.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        int n = v.size();
        double med = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        return new Stats(n, med, v.get(0), v.get(n - 1));
    }

    static <T> Stats of(List<T> rows, ToDoubleFunction<T> f) {
        return of(rows.stream().map(r -> f.applyAsDouble(r)).toList());
    }

    /** "median [min-max]"; the median alone for one run or runs that all agree. */
    String show(int decimals) {
        if (n == 0) {
            return "n/a";
        }
        String m = Fmt.num(median, decimals);
        return n == 1 || min == max ? m : m + " [" + Fmt.num(min, decimals) + "-" + Fmt.num(max, decimals) + "]";
    }

    /** Rows grouped by a key, in the order each key first appears (the order of the CSV files). */
    static <T, K> Map<K, List<T>> group(List<T> rows, Function<T, K> key) {
        Map<K, List<T>> m = new LinkedHashMap<>();
        for (T r : rows) {
            m.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        }
        return m;
    }
}
