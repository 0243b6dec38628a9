package org.fastcopy.schema;

import java.util.List;

/**
 * How one item is scheduled.
 *
 * @param group        items of one group never run at the same time (they would queue on the
 *                     same lock anyway, holding a connection each while they wait); null for none
 * @param waitsFor     gates that must be open before the item may start
 * @param countsToward countdown gates this item holds closed until it is done
 */
record EntryPlan(String group, List<Gate> waitsFor, List<String> countsToward) {

    EntryPlan {
        waitsFor = List.copyOf(waitsFor);
        countsToward = List.copyOf(countsToward);
    }

    static EntryPlan free() {
        return new EntryPlan(null, List.of(), List.of());
    }
}
