/*
 * photo_store: one photo per item, kept in PostgreSQL so that every hylla process serves the
 * same one. Each version has an etag (the start of the SHA-256 of its bytes) for caching.
 */
#ifndef HYLLA_STORE_PHOTO_STORE_H
#define HYLLA_STORE_PHOTO_STORE_H

#include "store/item_store.h"
#include "store/store.h"

#include <stddef.h>

#define PHOTO_ETAG_SIZE 33 /* 32 hex digits and the NUL */

struct photo {
    char content_type[16]; /* image/jpeg, image/png or image/webp */
    char etag[PHOTO_ETAG_SIZE];
    char *data; /* owned */
    size_t len;
};

/*
 * Set the photo of the item with this code (replacing any), with an audit entry. scope
 * (0: any) is the branch the caller may change: another branch's item is ITEM_OTHER_BRANCH.
 * STORE_NOT_FOUND when there is no such item.
 */
enum store_status store_photo_put(long long staff_id, const char *code, int scope,
                                  const char *content_type, const void *data, size_t len,
                                  enum item_outcome *outcome) STORE_MUST_CHECK;

/* Remove the photo; STORE_NOT_FOUND when the item or its photo does not exist. */
enum store_status store_photo_delete(long long staff_id, const char *code, int scope,
                                     enum item_outcome *outcome) STORE_MUST_CHECK;

/* The etag of the photo of the item with this code; STORE_NOT_FOUND without item or photo. */
enum store_status store_photo_etag(const char *code, char etag[PHOTO_ETAG_SIZE]) STORE_MUST_CHECK;

/*
 * The photo of the item with this code into *out (free out->data). STORE_NOT_FOUND without item
 * or photo.
 */
enum store_status store_photo_get(const char *code, struct photo *out) STORE_MUST_CHECK;

#endif
