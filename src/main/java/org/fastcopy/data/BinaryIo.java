package org.fastcopy.data;

/**
 * How far a table's rows can travel in binary COPY, by its column types (and every type inside
 * them: array elements, domain bases, composite attributes, range subtypes).
 */
public enum BinaryIo {
    /**
     * Never: a type lacks send or receive functions ({@code aclitem}, a user's base type without
     * them), is an oid alias (regclass, regtype, ...: binary carries the oid, which names another
     * object or none on the target; text carries the name, as pg_dump does), or is a user type
     * inside an array or composite (binary carries the element's or attribute's type oid, and
     * array_recv/record_recv refuse one that differs from the target's, which it does in any
     * other database).
     */
    NONE,
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
