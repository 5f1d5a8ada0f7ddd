/*
 * photos: an item's photo.
 *   PUT    /api/items/{code}/photo   JPEG, PNG or WebP (judged by the bytes), at most 5 MiB,
 *                                    stored without its metadata (core/photo_meta); 422 when
 *                                    its structure is damaged
 *   GET    /api/items/{code}/photo   public: the public catalogue shows it
 *   DELETE /api/items/{code}/photo
 * The photo_url of an item carries the photo's etag (?v=...): with it the answer may be kept for
 * a year; without it (or with an old one) caches must ask again, and get 304 when nothing changed.
 */
#ifndef HYLLA_API_PHOTOS_H
#define HYLLA_API_PHOTOS_H

#include "http/router.h"

#define PHOTO_MAX_BYTES (5u * 1024u * 1024u)

route_handler photos_put;
route_handler photos_get;
route_handler photos_delete;

#endif
