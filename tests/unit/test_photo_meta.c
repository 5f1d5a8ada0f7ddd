/*
 * test_photo_meta: uploaded photos lose their metadata (EXIF with GPS, XMP, comments, text
 * chunks) and keep their image bytes unchanged and in order; damaged structure is refused.
 */
#include "check_main.h"
#include "core/photo_meta.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PART(...)                                                                                  \
    ((const unsigned char[]){ __VA_ARGS__ }), sizeof((const unsigned char[]){ __VA_ARGS__ })

struct bytes {
    unsigned char b[512];
    size_t n;
};

static void add(struct bytes *x, const unsigned char *p, size_t n)
{
    ck_assert_uint_le(x->n + n, sizeof x->b);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}

static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

/* Strips and compares with what should be left. */
static void strips_to(const struct bytes *in, const char *type, const struct bytes *want)
{
    size_t n = 0;
    unsigned char *out = photo_strip_metadata(in->b, in->n, type, &n);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(n, want->n);
    ck_assert_mem_eq(out, want->b, n);
    free(out);
}

static void refused(const unsigned char *p, size_t n, const char *type)
{
    size_t len = 99;
    ck_assert_ptr_null(photo_strip_metadata(p, n, type, &len));
}

/*
 * A little-endian EXIF block (TIFF as phones write it): IFD0 with the camera's make, the
 * orientation (6: turned right) and a pointer to a GPS IFD holding latitude 59°N.
 */
static const unsigned char exif_gps[] = {
    'E',
    'x',
    'i',
    'f',
    0,
    0,
    'I',
    'I',
    42,
    0,
    8,
    0,
    0,
    0,
    /* IFD0 at 8: three entries */
    3,
    0,
    0x0F,
    0x01,
    2,
    0,
    4,
    0,
    0,
    0,
    'A',
    'c',
    'm',
    0, /* Make "Acm" */
    0x12,
    0x01,
    3,
    0,
    1,
    0,
    0,
    0,
    6,
    0,
    0,
    0, /* Orientation 6 */
    0x25,
    0x88,
    4,
    0,
    1,
    0,
    0,
    0,
    50,
    0,
    0,
    0, /* GPSInfo at 50 */
    0,
    0,
    0,
    0,
    /* GPS IFD at 50: GPSLatitudeRef "N", GPSLatitude at 76 */
    2,
    0,
    0x01,
    0x00,
    2,
    0,
    2,
    0,
    0,
    0,
    'N',
    0,
    0,
    0,
    0x02,
    0x00,
    5,
    0,
    3,
    0,
    0,
    0,
    76,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    59,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    22,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    7,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
};

/* What is left of it: the orientation alone, big-endian. */
static const unsigned char exif_orientation_6[] = { 'M', 'M',  0,    42, 0, 0, 0, 8, 0,
                                                    1,   0x01, 0x12, 0,  3, 0, 0, 0, 1,
                                                    0,   6,    0,    0,  0, 0, 0, 0 };

START_TEST(jpeg_loses_exif_xmp_and_comments)
{
    struct bytes in = { 0 }, want = { 0 };
    const unsigned char soi[] = { 0xFF, 0xD8 };
    const unsigned char app0[] = { 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0,
                                   1,    1,    0, 0,  1,   0,   1,   0,   0 };
    unsigned char app1[4 + sizeof exif_gps] = { 0xFF, 0xE1, 0, 2 + sizeof exif_gps };
    memcpy(app1 + 4, exif_gps, sizeof exif_gps);
    const unsigned char xmp[] = { 0xFF, 0xE1, 0,   13,  'h', 't', 't', 'p',
                                  ':',  '/',  '/', 'n', 's', '.', 0 };
    const unsigned char icc[] = { 0xFF, 0xE2, 0,   16,  'I', 'C', 'C', '_', 'P',
                                  'R',  'O',  'F', 'I', 'L', 'E', 0,   1,   1 };
    const unsigned char iptc[] = { 0xFF, 0xED, 0, 6, 'P', 'h', 'o', 't' };
    const unsigned char com[] = { 0xFF, 0xFE, 0, 7, 'G', 'P', 'S', '!', 0 };
    const unsigned char dqt[] = { 0xFF, 0xDB, 0, 4, 0, 1 };
    const unsigned char sof[] = { 0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0 };
    const unsigned char sos[] = { 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0 };
    /* Entropy-coded bytes: a stuffed 0xFF00 and a restart marker belong to the scan. */
    const unsigned char scan[] = { 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56 };
    const unsigned char dht[] = { 0xFF, 0xC4, 0, 3, 0x10 };
    const unsigned char scan2[] = { 0x78, 0x9A, 0xFF }; /* ends in a fill byte */
    const unsigned char eoi[] = { 0xFF, 0xD9 };
    const unsigned char trailer[] = { 'S', 'E', 'F', 'T', 'G', 'P', 'S' };
    add(&in, soi, sizeof soi);
    add(&in, app0, sizeof app0);
    add(&in, app1, sizeof app1);
    add(&in, xmp, sizeof xmp);
    add(&in, icc, sizeof icc);
    add(&in, iptc, sizeof iptc);
    add(&in, com, sizeof com);
    add(&in, dqt, sizeof dqt);
    add(&in, sof, sizeof sof);
    add(&in, sos, sizeof sos);
    add(&in, scan, sizeof scan);
    add(&in, dht, sizeof dht);
    add(&in, com, sizeof com); /* between scans too */
    add(&in, sos, sizeof sos);
    add(&in, scan2, sizeof scan2);
    add(&in, eoi, sizeof eoi);
    add(&in, trailer, sizeof trailer);

    add(&want, soi, sizeof soi);
    add(&want, app0, sizeof app0);
    add(&want, PART(0xFF, 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0));
    add(&want, exif_orientation_6, sizeof exif_orientation_6);
    add(&want, icc, sizeof icc);
    add(&want, dqt, sizeof dqt);
    add(&want, sof, sizeof sof);
    add(&want, sos, sizeof sos);
    add(&want, scan, sizeof scan);
    add(&want, dht, sizeof dht);
    add(&want, sos, sizeof sos);
    add(&want, scan2, sizeof scan2 - 1); /* the fill byte goes with the marker it precedes */
    add(&want, eoi, sizeof eoi);
    strips_to(&in, "image/jpeg", &want);

    size_t n;
    unsigned char *out = photo_strip_metadata(in.b, in.n, "image/jpeg", &n);
    ck_assert(!contains(out, n, "Acm"));
    ck_assert(!contains(out, n, "GPS"));
    ck_assert(!contains(out, n, "http"));
    free(out);

    /* Upright (orientation 1) or absent: no EXIF at all. */
    app1[4 + 6 + 8 + 2 + 12 + 8] = 1;
    struct bytes up = { 0 }, upwant = { 0 };
    add(&up, soi, sizeof soi);
    add(&up, app1, sizeof app1);
    add(&up, sof, sizeof sof);
    add(&up, sos, sizeof sos);
    add(&up, scan, sizeof scan);
    add(&up, eoi, sizeof eoi);
    add(&upwant, soi, sizeof soi);
    add(&upwant, sof, sizeof sof);
    add(&upwant, sos, sizeof sos);
    add(&upwant, scan, sizeof scan);
    add(&upwant, eoi, sizeof eoi);
    strips_to(&up, "image/jpeg", &upwant);

    /* Damaged: refused, whatever part is missing. */
    for (size_t cut = 0; cut < up.n; cut++)
        refused(up.b, cut, "image/jpeg");
    refused(PART(0xFF, 0xD8, 0xFF, 0xD9), "image/jpeg");                   /* no scan */
    refused(PART(0xFF, 0xD8, 0xFF, 0xE1, 0, 1, 0xFF, 0xD9), "image/jpeg"); /* length < 2 */
    refused(PART(0xFF, 0xD8, 0xFF, 0xE1, 0, 9, 0, 0, 0xFF, 0xD9), "image/jpeg");
    refused(PART(0xFF, 0xD8, 0x00, 0xFF, 0xD9), "image/jpeg");       /* not a marker */
    refused(PART(0xFF, 0xD8, 0xFF, 0xD0, 0xFF, 0xD9), "image/jpeg"); /* restart outside a scan */
    refused(PART(0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0), "image/jpeg");
}
END_TEST

static void png_chunk(struct bytes *x, const char *type, const unsigned char *data, size_t n)
{
    const unsigned char len[] = { 0, 0, 0, (unsigned char)n };
    add(x, len, 4);
    add(x, (const unsigned char *)type, 4);
    if (n)
        add(x, data, n);
    add(x, PART(0xAB, 0xCD, 0xEF, 0x01)); /* CRCs are not checked, only carried */
}

START_TEST(png_loses_text_exif_and_time)
{
    struct bytes in = { 0 }, want = { 0 };
    const unsigned char sig[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    const unsigned char ihdr[] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0 };
    const unsigned char idat[] = { 0x78, 0x9C, 0x63, 0xF8, 0xFF };
    const unsigned char text[] = "GPS\0Vansbro 60.5N";
    add(&in, sig, sizeof sig);
    png_chunk(&in, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&in, "gAMA", PART(0, 0, 0xB1, 0x8F));
    png_chunk(&in, "tEXt", text, sizeof text - 1);
    png_chunk(&in, "zTXt", PART('C', 0, 0, 0x78, 0x9C));
    png_chunk(&in, "iTXt", PART('X', 'M', 'P', 0, 0, 0, 0, 0));
    png_chunk(&in, "eXIf", exif_gps + 6, sizeof exif_gps - 6);
    png_chunk(&in, "tIME", PART(7, 0xEA, 12, 1, 2, 3, 4));
    png_chunk(&in, "prVt", PART(1, 2, 3));
    png_chunk(&in, "IDAT", idat, sizeof idat);
    png_chunk(&in, "IDAT", idat, sizeof idat);
    png_chunk(&in, "IEND", NULL, 0);
    add(&in, PART('P', 'K', 3, 4)); /* an appended archive */

    add(&want, sig, sizeof sig);
    png_chunk(&want, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&want, "gAMA", PART(0, 0, 0xB1, 0x8F));
    add(&want, PART(0, 0, 0, 26, 'e', 'X', 'I', 'f'));
    add(&want, exif_orientation_6, sizeof exif_orientation_6);
    add(&want, PART(0xD6, 0x67, 0x4B, 0x69)); /* the CRC of the new chunk */
    png_chunk(&want, "IDAT", idat, sizeof idat);
    png_chunk(&want, "IDAT", idat, sizeof idat);
    png_chunk(&want, "IEND", NULL, 0);
    strips_to(&in, "image/png", &want);

    for (size_t cut = 0; cut < want.n; cut++)
        refused(want.b, cut, "image/png");
    struct bytes bad = { 0 };
    add(&bad, sig, sizeof sig);
    png_chunk(&bad, "gAMA", PART(0, 0, 0xB1, 0x8F)); /* IHDR is not first */
    png_chunk(&bad, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&bad, "IDAT", idat, sizeof idat);
    png_chunk(&bad, "IEND", NULL, 0);
    refused(bad.b, bad.n, "image/png");
    bad.n = 0;
    add(&bad, sig, sizeof sig);
    png_chunk(&bad, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&bad, "IEND", NULL, 0); /* no image data */
    refused(bad.b, bad.n, "image/png");
    bad.n = 0;
    add(&bad, sig, sizeof sig);
    png_chunk(&bad, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&bad, "ID\x01T", idat, sizeof idat); /* not a chunk type */
    png_chunk(&bad, "IEND", NULL, 0);
    refused(bad.b, bad.n, "image/png");
}
END_TEST

static void riff_chunk(struct bytes *x, const char *fourcc, const unsigned char *data, size_t n)
{
    add(x, (const unsigned char *)fourcc, 4);
    add(x, PART((unsigned char)n, 0, 0, 0));
    add(x, data, n);
    if (n & 1)
        add(x, PART(0));
}

static void riff_size(struct bytes *x)
{
    size_t n = x->n - 8;
    x->b[4] = (unsigned char)n;
    x->b[5] = (unsigned char)(n >> 8);
}

START_TEST(webp_loses_exif_and_xmp)
{
    struct bytes in = { 0 }, want = { 0 };
    const unsigned char head[] = { 'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P' };
    /* VP8X flags: ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04; canvas 1x1. */
    const unsigned char vp8x[] = { 0x3C, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    const unsigned char vp8x_left[] = { 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    const unsigned char vp8[] = { 0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 1, 0, 1, 0, 0xFF };
    add(&in, head, sizeof head);
    riff_chunk(&in, "VP8X", vp8x, sizeof vp8x);
    riff_chunk(&in, "ICCP", PART(1, 2, 3, 4));
    riff_chunk(&in, "ALPH", PART(0, 9, 9));
    riff_chunk(&in, "VP8 ", vp8, sizeof vp8);
    riff_chunk(&in, "EXIF", exif_gps + 6, sizeof exif_gps - 6);
    riff_chunk(&in, "XMP ", PART('<', 'x', ':', 'G', 'P', 'S', '>'));
    riff_size(&in);
    add(&in, PART('j', 'u', 'n', 'k'));

    add(&want, head, sizeof head);
    riff_chunk(&want, "VP8X", vp8x_left, sizeof vp8x_left);
    riff_chunk(&want, "ICCP", PART(1, 2, 3, 4));
    riff_chunk(&want, "ALPH", PART(0, 9, 9));
    riff_chunk(&want, "VP8 ", vp8, sizeof vp8);
    riff_chunk(&want, "EXIF", exif_orientation_6, sizeof exif_orientation_6);
    riff_size(&want);
    strips_to(&in, "image/webp", &want);

    /* A simple WebP (no VP8X) cannot carry EXIF: it is dropped whole. */
    struct bytes simple = { 0 }, simplewant = { 0 };
    add(&simple, head, sizeof head);
    riff_chunk(&simple, "VP8 ", vp8, sizeof vp8);
    riff_chunk(&simple, "EXIF", exif_gps + 6, sizeof exif_gps - 6);
    riff_size(&simple);
    add(&simplewant, head, sizeof head);
    riff_chunk(&simplewant, "VP8 ", vp8, sizeof vp8);
    riff_size(&simplewant);
    strips_to(&simple, "image/webp", &simplewant);

    /* Damaged: a RIFF size past the end, a chunk past the RIFF, no image chunk. */
    for (size_t cut = 12; cut < want.n; cut++) {
        struct bytes c = want;
        c.n = cut;
        refused(c.b, c.n, "image/webp"); /* the RIFF size says more than there is */
    }
    struct bytes bad = { 0 };
    add(&bad, head, sizeof head);
    riff_chunk(&bad, "VP8 ", vp8, sizeof vp8);
    riff_size(&bad);
    bad.b[16] = 200; /* the chunk runs past the RIFF */
    refused(bad.b, bad.n, "image/webp");
    bad.n = 0;
    add(&bad, head, sizeof head);
    riff_chunk(&bad, "EXIF", exif_gps + 6, sizeof exif_gps - 6);
    riff_size(&bad);
    refused(bad.b, bad.n, "image/webp");
    refused(PART('R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P'), "image/webp");
    refused(head, sizeof head, "image/gif");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("photo_meta");
    TCase *tc = tcase_create("strip");
    tcase_add_test(tc, jpeg_loses_exif_xmp_and_comments);
    tcase_add_test(tc, png_loses_text_exif_and_time);
    tcase_add_test(tc, webp_loses_exif_and_xmp);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(make_suite)
