package org.fastcopy.follow.decode;

import org.fastcopy.FastcopyException;

/**
 * A pgoutput message that cannot be decoded: an unknown message type, a message shorter than its
 * fields, a tuple whose column kind is unknown, bytes left over. The message names the message
 * type and the byte offset (from the start of the message) where decoding stopped, so a protocol
 * mismatch can be told from a bug. Never retried: the same bytes fail the same way.
 */
public final class PgOutputException extends FastcopyException {
    private final int offset;

    public PgOutputException(int offset, String message) {
        super(FAILED, message);
        this.offset = offset;
    }

    /** The byte offset, from the start of the message, at which decoding failed. */
    public int offset() {
        return offset;
    }
}
