package org.fastcopy.data;

/**
 * What a copy does with a source row whose bytes are not valid UTF-8 when the target checks them.
 *
 * <p>Only a SQL_ASCII source can hold such rows: SQL_ASCII stores whatever bytes a client sent
 * and converts nothing, so production databases created that way long ago (MTT's) hold Latin-1
 * accents next to UTF-8. A target in any real encoding rejects them in the middle of a COPY with
 * "invalid byte sequence for encoding". Every other source encoding is converted by its server
 * and is valid by construction.
 */
public enum EncodingErrors {
    /** Stop before anything of the table commits, naming the table and counting its bad rows. */
    FAIL,
    /** Replace each invalid byte sequence by U+FFFD and count the rows that changed. */
    REPLACE,
    /** Leave the rows out and count them. */
    SKIP
}
