/*
 * photo_meta: an uploaded photo without the metadata it carries (EXIF with GPS position and
 * camera serial, XMP, IPTC, comments, text chunks), since photos are served publicly.
 * Only whole segments or chunks are dropped: the image data is copied byte for byte, nothing
 * is decoded or re-encoded. Kept: what decoding and colour need (JPEG APP0 JFIF, APP2 ICC
 * profile, APP14 Adobe; PNG critical chunks and the rendering ones; WebP image, alpha,
 * animation and ICC chunks), and the EXIF orientation alone, rewritten as a minimal EXIF
 * block, so that a phone photo taken upright is still shown upright.
 */
#ifndef HYLLA_CORE_PHOTO_META_H
#define HYLLA_CORE_PHOTO_META_H

#include <stddef.h>

/*
 * The photo (of type "image/jpeg", "image/png" or "image/webp", as item_photo_type judged it)
 * without its metadata, newly allocated (the caller frees it) with its length in *out_len;
 * bytes after the end of the image are dropped. NULL when the structure is damaged: a
 * segment or chunk that runs past the end, no image data, or no end.
 */
unsigned char *photo_strip_metadata(const void *data, size_t len, const char *type,
                                    size_t *out_len);

#endif
