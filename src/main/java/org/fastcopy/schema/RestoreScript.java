package org.fastcopy.schema;

import java.util.List;
import java.util.Objects;

/**
 * A section of the archive as pg_restore renders it, split into items.
 *
 * @param preamble the session state set before the first item (also carried by every item)
 * @param entries  the items in pg_restore's order, which respects every dependency
 */
public record RestoreScript(SessionSettings preamble, List<TocEntry> entries) {

    public RestoreScript {
        Objects.requireNonNull(preamble, "preamble");
        entries = List.copyOf(entries);
    }
}
