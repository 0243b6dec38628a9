package org.fastcopy.blob;

import java.util.List;

/**
 * One large object's catalogue entry on the source (pg_largeobject_metadata), with the first
 * piece of its data read in the same query.
 *
 * @param oid     its oid, kept on the target (columns of type oid and lo refer to it)
 * @param owner   the owning role's name
 * @param comment COMMENT ON LARGE OBJECT, or null
 * @param hasAcl  lomacl is set (not the owner-only default): the target gets exactly {@code grants}
 * @param grants  the privileges of lomacl, when {@code hasAcl}
 * @param head    the first bytes; shorter than asked means this is the whole object
 */
record LargeObject(long oid, String owner, String comment, boolean hasAcl, List<Grant> grants, byte[] head) {

    /**
     * One privilege of lomacl.
     *
     * @param grantee   role name, or null for PUBLIC
     * @param privilege SELECT or UPDATE
     */
    record Grant(String grantee, String privilege, boolean grantable) {
    }

    LargeObject withGrants(List<Grant> g) {
        return new LargeObject(oid, owner, comment, hasAcl, List.copyOf(g), head);
    }
}
