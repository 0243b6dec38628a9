package org.fastcopy.load;

/**
 * The ledger's record of rows an --encoding-errors policy changed, one entry per unit, committed
 * with the unit's rows: a resumed run can still explain the table's difference to the source.
 */
public final class InvalidRows {
    /** Ledger key prefix of a unit's rows changed by --encoding-errors; value: table TAB count. */
    public static final String PREFIX = "invalid-rows ";

    private InvalidRows() {
    }

    /** The ledger key for the unit's entry. */
    public static String key(String unitKey) {
        return PREFIX + unitKey;
    }

    /** The ledger value: the table's display name and the count. */
    public static String value(String table, long count) {
        return table + "\t" + count;
    }

    /** The table of an entry's value (table TAB count). */
    public static String table(String ledgerValue) {
        return ledgerValue.substring(0, ledgerValue.lastIndexOf('\t'));
    }

    /** The count of an entry's value (table TAB count). */
    public static long count(String ledgerValue) {
        return Long.parseLong(ledgerValue.substring(ledgerValue.lastIndexOf('\t') + 1));
    }
}
