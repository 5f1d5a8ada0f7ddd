/*
 * audit_store: the append-only audit log. Entries name people by id and never hold personal data
 * (no names, phones, passwords or tokens), so they stay true and harmless after an erasure.
 */
#ifndef HYLLA_STORE_AUDIT_STORE_H
#define HYLLA_STORE_AUDIT_STORE_H

#include "store/store.h"

/*
 * Append an entry: staff_id and object_id 0 and branch_id 0 mean none; details is a JSON object
 * as text, or NULL. Inside a transaction it commits or rolls back with the change it records.
 */
enum store_status store_audit(long long staff_id, const char *action, const char *object_type,
                              long long object_id, int branch_id,
                              const char *details) STORE_MUST_CHECK;

#endif
