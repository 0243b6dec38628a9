package org.fastcopy.data;

/**
 * How far a table's rows can travel in binary COPY, by its column types (and every type inside
 * them: array elements, domain bases, composite attributes, range subtypes).
 */
public enum BinaryIo {
    /**
     * Never: a type lacks send or receive functions ({@code aclitem}, a user's base type without
     * them), is an oid alias (regclass, regtype, ...: binary carries the oid, which names another
     * object or none on the target; text carries the name, as pg_dump does).
     */
    NONE,
    /**
     * Between servers of the same major version from 14 on: a user type inside an array or a
     * composite. Binary carries the element's or attribute's type oid, which differs in any other
     * database; before 14, array_recv and record_recv refuse it ("wrong element type"; measured
     * on 9.6, 12 and 13, accepted on 14, 15, 16 and 17).
     */
    NESTED_USER_TYPES,
    /** Between servers of the same major version (and encoding) only. */
    SAME_MAJOR,
    /**
     * Also from an older major into a newer one: every type is a built-in one whose binary format
     * has not changed since 9.6 (integers, floats, numeric, text types, bytea, bool, date/time
     * types with integer datetimes, uuid, json/jsonb, network and geometric types, built-in
     * ranges, arrays of those), or an enum or domain over them.
     */
    ANY_MAJOR
}
