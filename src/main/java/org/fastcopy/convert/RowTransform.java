package org.fastcopy.convert;

/**
 * Rewrites one text-format COPY row of a v3 SELECT into the flat table's row: parses only the
 * leading integer ids, writes the new ids, and copies the rest of the row byte for byte (text
 * COPY escapes tabs and newlines inside values, so a raw tab is always a field separator).
 *
 * <p>One instance per stream: it owns its output buffer, id cursor and dangling counts.
 */
final class RowTransform {
    private final FlatTable table;
    private final IdMaps maps;
    private final Dangling dangling = new Dangling();
    private final long[] ids = new long[4];
    private final boolean fixedIds;
    private long nextId;
    private long lastId;
    /** Rewriting rows flat holds already ({@link #inPlace}): their flat ids are taken from the maps. */
    private boolean keepIds;
    private long danglingA;
    private long danglingB;
    private long danglingC;

    private byte[] out = new byte[1 << 16];
    private int outLen;

    /** {@code firstId..lastId}: the block of flat ids reserved for this stream (unused for test_run). */
    RowTransform(FlatTable table, IdMaps maps, long firstId, long lastId) {
        this(table, maps, firstId, lastId, false);
    }

    private RowTransform(FlatTable table, IdMaps maps, long firstId, long lastId, boolean fixedIds) {
        this.table = table;
        this.maps = maps;
        this.nextId = firstId;
        this.lastId = lastId;
        this.fixedIds = fixedIds;
    }

    /**
     * A base table whose flat ids were fixed at plan time ({@link IdPlan}): each row's flat id is
     * the one {@code maps} holds for its v3 id already, and the maps are only read, so range
     * workers can read them at the same time.
     */
    static RowTransform fixedIds(FlatTable table, IdMaps maps) {
        return new RowTransform(table, maps, 0, -1, true);
    }

    /**
     * A transform for rows flat holds already (a followed update): each row keeps the flat id the
     * maps give its v3 id (0 when it has none: such a row matches nothing when it is written back).
     */
    static RowTransform inPlace(FlatTable table, IdMaps maps) {
        RowTransform t = new RowTransform(table, maps, 0, -1);
        t.keepIds = true;
        return t;
    }

    void transform(byte[] row, int len) {
        int rest = parseIds(row, len, table.leadingIds);
        ensure(len + 80);
        switch (table) {
            case SUBMIT -> {
                long id = newId(maps.submit);
                writeIds(id, ids[0]);
            }
            case MPI_INSTALL -> {
                long id = newId(maps.install);
                long submit = maps.submit.get(ids[1], IdMaps.MISSING);
                if (submit == IdMaps.MISSING) {
                    submit = 0;
                    danglingA++;
                }
                writeIds(id, ids[0], submit);
            }
            case TEST_BUILD -> {
                long id = newId(maps.build);
                long submit = maps.submit.get(ids[1], IdMaps.MISSING);
                if (submit == IdMaps.MISSING) {
                    submit = 0;
                    danglingA++;
                }
                long install = maps.install.get(ids[2], IdMaps.MISSING);
                if (install == IdMaps.MISSING) {
                    install = 0;
                    danglingB++;
                }
                // Fixed ids: the plan filled buildInstall. In place: a followed update may have
                // moved the build to another install, and a build flat lacks (id 0) has no entry.
                if (keepIds ? id != 0 : !fixedIds) {
                    maps.buildInstall.put(id, install);
                }
                writeIds(id, ids[0], submit, install);
            }
            case TEST_RUN -> {
                long submit = maps.submit.get(ids[1], IdMaps.MISSING);
                if (submit == IdMaps.MISSING) {
                    submit = 0;
                    danglingA++;
                }
                long build = maps.build.get(ids[2], IdMaps.MISSING);
                long install;
                if (build == IdMaps.MISSING) {
                    // Never "the previous row's" install, as the old converter did: the sentinel.
                    build = 0;
                    install = 0;
                    danglingB++;
                } else {
                    install = maps.buildInstall.get(build, 0);
                    if (install == 0 && build != 0) {
                        danglingC++;
                    }
                }
                writeIds(ids[0], submit, install, build);
            }
        }
        System.arraycopy(row, rest, out, outLen, len - rest);
        outLen += len - rest;
        if (row[len - 1] != '\n') {
            out[outLen++] = '\n';
        }
    }

    byte[] buffer() {
        return out;
    }

    int length() {
        return outLen;
    }

    /** Hands the filled buffer over and continues in {@code fresh}. */
    byte[] swap(byte[] fresh) {
        byte[] full = out;
        out = fresh;
        outLen = 0;
        return full;
    }

    Dangling dangling() {
        Dangling d = new Dangling();
        switch (table) {
            case MPI_INSTALL -> d.add(Dangling.MPI_INSTALL_SUBMIT, danglingA);
            case TEST_BUILD -> {
                d.add(Dangling.TEST_BUILD_SUBMIT, danglingA);
                d.add(Dangling.TEST_BUILD_INSTALL, danglingB);
            }
            case TEST_RUN -> {
                d.add(Dangling.TEST_RUN_SUBMIT, danglingA);
                d.add(Dangling.TEST_RUN_BUILD, danglingB);
                d.add(Dangling.TEST_RUN_INSTALL, danglingC);
            }
            default -> {
            }
        }
        d.addAll(dangling);
        return d;
    }

    /** The row's flat id: fixed in {@code map} already, or the next of the block (and then mapped). */
    private long newId(LongLongMap map) {
        if (keepIds) {
            long id = map.get(ids[0], IdMaps.MISSING);
            return id == IdMaps.MISSING ? 0 : id;
        }
        if (fixedIds) {
            long id = map.get(ids[0], IdMaps.MISSING);
            if (id == IdMaps.MISSING) {
                // The COPY reads the ids the plan read, in the same bounds: a miss means a bug.
                throw new IllegalStateException(table.table + ": v3 id " + ids[0] + " has no flat id in the plan");
            }
            return id;
        }
        long id = assignId();
        map.put(ids[0], id);
        return id;
    }

    private long assignId() {
        if (nextId > lastId) {
            // The block was sized by a count in the same snapshot as the COPY: more rows means a bug.
            throw new IllegalStateException(table.table + ": more rows than the " + "reserved ids (last " + lastId + ")");
        }
        return nextId++;
    }

    /** Parses {@code n} leading integer fields into {@link #ids}; returns the offset of the rest. */
    private int parseIds(byte[] row, int len, int n) {
        int i = 0;
        for (int f = 0; f < n; f++) {
            boolean neg = false;
            long v = 0;
            if (row[i] == '-') {
                neg = true;
                i++;
            }
            while (i < len && row[i] != '\t' && row[i] != '\n') {
                byte b = row[i++];
                if (b < '0' || b > '9') {
                    throw new IllegalStateException(table.table + ": id field " + f + " is not an integer");
                }
                v = v * 10 + (b - '0');
            }
            ids[f] = neg ? -v : v;
            i++; // the tab
        }
        return i;
    }

    private void writeIds(long... values) {
        for (long v : values) {
            writeLong(v);
            out[outLen++] = '\t';
        }
    }

    private void writeLong(long v) {
        if (v < 0) {
            out[outLen++] = '-';
            v = -v;
        }
        if (v == 0) {
            out[outLen++] = '0';
            return;
        }
        int start = outLen;
        while (v > 0) {
            out[outLen++] = (byte) ('0' + v % 10);
            v /= 10;
        }
        for (int a = start, b = outLen - 1; a < b; a++, b--) {
            byte t = out[a];
            out[a] = out[b];
            out[b] = t;
        }
    }

    private void ensure(int extra) {
        if (outLen + extra > out.length) {
            byte[] bigger = new byte[Math.max(out.length * 2, outLen + extra)];
            System.arraycopy(out, 0, bigger, 0, outLen);
            out = bigger;
        }
    }
}
