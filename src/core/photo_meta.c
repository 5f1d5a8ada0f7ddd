/* photo_meta: metadata dropped from uploaded photos (see photo_meta.h). */
#include "photo_meta.h"

#include "core/buf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* EXIF orientations are 1..8; 1 (upright) needs no EXIF at all. */
enum { ORIENT_NONE = 0, ORIENT_MAX = 8 };

static unsigned get16(const unsigned char *p, bool big)
{
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t get32(const unsigned char *p, bool big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put32be(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/*
 * The orientation (2..8) in an EXIF TIFF block (from its "II"/"MM" header on), or ORIENT_NONE
 * when it is upright, absent or unreadable.
 */
static int exif_orientation(const unsigned char *t, size_t len)
{
    if (len >= 6 && memcmp(t, "Exif\0\0", 6) == 0) {
        t += 6;
        len -= 6;
    }
    if (len < 8 || !(memcmp(t, "II*\0", 4) == 0 || memcmp(t, "MM\0*", 4) == 0))
        return ORIENT_NONE;
    bool big = t[0] == 'M';
    uint32_t ifd = get32(t + 4, big);
    if (ifd > len - 2)
        return ORIENT_NONE;
    unsigned n = get16(t + ifd, big);
    for (unsigned i = 0; i < n; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e + 12 > len)
            break;
        if (get16(t + e, big) == 0x0112 && get16(t + e + 2, big) == 3 &&
            get32(t + e + 4, big) == 1) {
            unsigned v = get16(t + e + 8, big);
            return v >= 2 && v <= ORIENT_MAX ? (int)v : ORIENT_NONE;
        }
    }
    return ORIENT_NONE;
}

/* A minimal big-endian TIFF block holding only the orientation: IFD0 with one entry. */
enum { TIFF_ORIENT_LEN = 26 };
static void tiff_orientation(unsigned char out[TIFF_ORIENT_LEN], int orientation)
{
    static const unsigned char head[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                                          3,   0,   0, 0,  1, 0, 0, 0, 0, 0, 0,    0,    0 };
    memcpy(out, head, TIFF_ORIENT_LEN);
    out[19] = (unsigned char)orientation;
}

/*
 * JPEG: SOI, marker segments, then scans (entropy-coded bytes, in which 0xFF is followed by 0
 * or a restart marker), more segments and scans, EOI. APPn and COM segments are dropped
 * wherever they are, except APP0 JFIF, APP2 ICC_PROFILE and APP14 Adobe.
 */
static bool jpeg_keep(unsigned marker, const unsigned char *p, size_t n)
{
    if (marker == 0xFE)
        return false; /* COM */
    if (marker < 0xE0 || marker > 0xEF)
        return true;
    return (marker == 0xE0 && n >= 5 && memcmp(p, "JFIF\0", 5) == 0) ||
           (marker == 0xE2 && n >= 12 && memcmp(p, "ICC_PROFILE\0", 12) == 0) ||
           (marker == 0xEE && n >= 5 && memcmp(p, "Adobe", 5) == 0);
}

static bool jpeg_strip(const unsigned char *b, size_t len, struct buf *out)
{
    if (len < 4 || b[0] != 0xFF || b[1] != 0xD8)
        return false;
    buf_append(out, b, 2);
    size_t i = 2;
    bool scanned = false;
    for (;;) {
        if (i + 2 > len || b[i] != 0xFF)
            return false;
        while (i + 1 < len && b[i + 1] == 0xFF) /* fill bytes */
            i++;
        if (i + 2 > len)
            return false;
        unsigned marker = b[i + 1];
        if (marker == 0xD9) { /* EOI: what follows is not the image */
            buf_append(out, b + i, 2);
            return scanned;
        }
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
            return false;
        if (i + 4 > len)
            return false;
        size_t seglen = (size_t)b[i + 2] << 8 | b[i + 3];
        if (seglen < 2 || seglen > len - i - 2)
            return false;
        const unsigned char *payload = b + i + 4;
        size_t n = seglen - 2;
        if (marker == 0xE1) {
            int orientation = exif_orientation(payload, n);
            if (orientation != ORIENT_NONE) {
                unsigned char seg[4 + 6 + TIFF_ORIENT_LEN] = {
                    0xFF, 0xE1, 0, 2 + 6 + TIFF_ORIENT_LEN, 'E', 'x', 'i', 'f', 0, 0
                };
                tiff_orientation(seg + 10, orientation);
                buf_append(out, seg, sizeof seg);
            }
        } else if (jpeg_keep(marker, payload, n)) {
            buf_append(out, b + i, seglen + 2);
        }
        i += seglen + 2;
        if (marker != 0xDA)
            continue;
        /* SOS: the scan's bytes run to the next marker that is not a restart. */
        size_t start = i;
        while (i + 1 < len &&
               !(b[i] == 0xFF && b[i + 1] != 0 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)))
            i++;
        if (i + 1 >= len)
            return false;
        buf_append(out, b + start, i - start);
        scanned = true;
    }
}

/* CRC-32 of PNG chunks (ISO 3309), over the type and the data. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

/*
 * PNG: signature, IHDR first, chunks, IEND. Critical chunks (an upper-case first letter) are
 * kept, and of the ancillary ones those that change how the image looks; the rest (tEXt, zTXt,
 * iTXt, eXIf, tIME and any private chunk) go. eXIf holding an orientation is rewritten.
 */
static bool png_keep(const unsigned char *type)
{
    static const char *const rendering[] = { "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT",
                                             "bKGD", "pHYs", "sPLT", "hIST", "acTL", "fcTL",
                                             "fdAT", "cICP", "mDCv", "cLLi", NULL };
    if (type[0] >= 'A' && type[0] <= 'Z')
        return true;
    for (size_t k = 0; rendering[k]; k++)
        if (memcmp(type, rendering[k], 4) == 0)
            return true;
    return false;
}

static bool png_type_ok(const unsigned char *t)
{
    for (int k = 0; k < 4; k++)
        if (!((t[k] >= 'A' && t[k] <= 'Z') || (t[k] >= 'a' && t[k] <= 'z')))
            return false;
    return true;
}

static bool png_strip(const unsigned char *b, size_t len, struct buf *out)
{
    if (len < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0)
        return false;
    buf_append(out, b, 8);
    size_t i = 8;
    bool first = true, data = false;
    for (;;) {
        if (len - i < 12)
            return false;
        uint32_t n = get32(b + i, true);
        const unsigned char *type = b + i + 4;
        if (n > 0x7FFFFFFFu || n > len - i - 12 || !png_type_ok(type))
            return false;
        if (first != (memcmp(type, "IHDR", 4) == 0))
            return false;
        first = false;
        size_t whole = (size_t)n + 12;
        if (memcmp(type, "IDAT", 4) == 0)
            data = true;
        if (memcmp(type, "eXIf", 4) == 0) {
            int orientation = exif_orientation(b + i + 8, n);
            if (orientation != ORIENT_NONE) {
                unsigned char c[12 + TIFF_ORIENT_LEN] = { 0,   0,   0,   TIFF_ORIENT_LEN,
                                                          'e', 'X', 'I', 'f' };
                tiff_orientation(c + 8, orientation);
                put32be(c + 8 + TIFF_ORIENT_LEN, crc32_png(c + 4, 4 + TIFF_ORIENT_LEN));
                buf_append(out, c, sizeof c);
            }
        } else if (png_keep(type)) {
            buf_append(out, b + i, whole);
        }
        i += whole;
        if (memcmp(type, "IEND", 4) == 0)
            return data;
    }
}

/*
 * WebP: "RIFF", the size of what follows, "WEBP", chunks (FourCC, little-endian size, data,
 * a pad byte to an even size). EXIF and XMP chunks and unknown ones are dropped and the VP8X
 * flags and the RIFF size follow; an EXIF orientation is rewritten.
 */
static bool webp_keep(const unsigned char *fourcc)
{
    static const char *const image[] = { "VP8 ", "VP8L", "VP8X", "ALPH",
                                         "ANIM", "ANMF", "ICCP", NULL };
    for (size_t k = 0; image[k]; k++)
        if (memcmp(fourcc, image[k], 4) == 0)
            return true;
    return false;
}

enum { VP8X_XMP = 0x04, VP8X_EXIF = 0x08 };

static bool webp_strip(const unsigned char *b, size_t len, struct buf *out)
{
    if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WEBP", 4) != 0)
        return false;
    uint32_t riff = get32(b + 4, false);
    if (riff < 4 || riff > len - 8)
        return false;
    size_t end = (size_t)riff + 8; /* what follows the RIFF is not the image */
    buf_append(out, b, 12);
    size_t i = 12, vp8x = 0;
    bool data = false, exif = false;
    while (i < end) {
        if (end - i < 8)
            return false;
        const unsigned char *fourcc = b + i;
        uint32_t n = get32(b + i + 4, false);
        if (n > end - i - 8)
            return false;
        size_t whole = 8 + (size_t)n + (n & 1);
        if (whole > end - i)
            return false;
        if (memcmp(fourcc, "VP8X", 4) == 0) {
            if (i != 12 || n < 10)
                return false;
            vp8x = out->len;
        }
        if (memcmp(fourcc, "VP8 ", 4) == 0 || memcmp(fourcc, "VP8L", 4) == 0 ||
            memcmp(fourcc, "ANMF", 4) == 0)
            data = true;
        if (memcmp(fourcc, "EXIF", 4) == 0) {
            int orientation = exif_orientation(b + i + 8, n);
            if (orientation != ORIENT_NONE && vp8x && !exif) { /* EXIF needs VP8X */
                unsigned char c[8 + TIFF_ORIENT_LEN] = { 'E', 'X', 'I', 'F', TIFF_ORIENT_LEN };
                tiff_orientation(c + 8, orientation);
                buf_append(out, c, sizeof c);
                exif = true;
            }
        } else if (webp_keep(fourcc)) {
            buf_append(out, b + i, whole);
        }
        i += whole;
    }
    if (!data)
        return false;
    if (vp8x) {
        unsigned char *flags = (unsigned char *)out->data + vp8x + 8;
        *flags = (unsigned char)((*flags & ~(VP8X_XMP | VP8X_EXIF)) | (exif ? VP8X_EXIF : 0));
    }
    put32le((unsigned char *)out->data + 4, (uint32_t)(out->len - 8));
    return true;
}

unsigned char *photo_strip_metadata(const void *data, size_t len, const char *type, size_t *out_len)
{
    struct buf out = BUF_INIT;
    bool ok = false;
    if (type && strcmp(type, "image/jpeg") == 0)
        ok = jpeg_strip(data, len, &out);
    else if (type && strcmp(type, "image/png") == 0)
        ok = png_strip(data, len, &out);
    else if (type && strcmp(type, "image/webp") == 0)
        ok = webp_strip(data, len, &out);
    if (!ok) {
        buf_free(&out);
        return NULL;
    }
    return (unsigned char *)buf_steal(&out, out_len);
}
