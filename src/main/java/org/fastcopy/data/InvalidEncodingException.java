package org.fastcopy.data;

import org.fastcopy.FastcopyException;

/**
 * Rows of a unit hold bytes that are not valid in the target's encoding and the policy is
 * {@link EncodingErrors#FAIL}. Thrown after the whole source stream was read (to count every bad
 * row) and after the target COPY was cancelled, so nothing of the unit commits.
 */
public final class InvalidEncodingException extends FastcopyException {
    private final transient CopyUnit unit;
    private final long invalidRows;

    InvalidEncodingException(CopyUnit unit, long invalidRows, long rows) {
        super(FAILED, unit.label() + ": " + invalidRows + " of " + rows + " rows hold bytes that are not valid UTF8 "
                + "(a SQL_ASCII source): nothing of this table was committed; rerun with --resume and "
                + "--encoding-errors replace or skip to copy them anyway");
        this.unit = unit;
        this.invalidRows = invalidRows;
    }

    public CopyUnit unit() {
        return unit;
    }

    public long invalidRows() {
        return invalidRows;
    }
}
