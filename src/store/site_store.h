/*
 * site_store: the texts of the public site that admins write (the table site_texts of migration
 * 0013_public), each in Swedish and English: "how-to-borrow", the network's "Så lånar du".
 */
#ifndef HYLLA_STORE_SITE_STORE_H
#define HYLLA_STORE_SITE_STORE_H

#include "store/store.h"

struct site_text {
    char *sv, *en;       /* owned; store_site_text_clear frees them */
    char updated_at[32]; /* ISO 8601, UTC */
};

void store_site_text_clear(struct site_text *t);

/* The text with this key into *out; STORE_NOT_FOUND when there is no such key. */
enum store_status store_site_text_get(const char *key, struct site_text *out) STORE_MUST_CHECK;

/*
 * Write both languages of the text with this key (checked by the caller), with an audit entry,
 * and read it back into *out; STORE_NOT_FOUND when there is no such key.
 */
enum store_status store_site_text_set(long long staff_id, const char *key, const char *sv,
                                      const char *en, struct site_text *out) STORE_MUST_CHECK;

#endif
