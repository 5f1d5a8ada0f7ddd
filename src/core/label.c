/* label: item labels and borrower cards as SVG, with barcodes from libzint (see label.h). */
#include "label.h"

#include "core/buf.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

const char *const label_format_names[] = { "a4-3x8", "a4-3x7", "roll-62", "roll-29x90", NULL };
const char *const label_receipt_formats[] = { "receipt-80", "receipt-58", "a6", NULL };

/*
 * Each format's label in mm, and the margin kept free inside it: an office printer cannot print
 * the outer 4 mm or so of a sheet, and the labels of A4 stock reach its edges.
 */
static const struct geometry {
    double w, h, pad_x, pad_y;
} geometries[] = {
    [LABEL_A4_3X8] = { 70, 37, 5, 4 },
    [LABEL_A4_3X7] = { 70, 42.3, 5, 4.5 },
    [LABEL_ROLL_62] = { 62, 40, 3, 3 },
    [LABEL_ROLL_29X90] = { 90, 29, 3, 2.5 },
};

#define QUIET_128 10  /* modules of white either side of a Code 128 */
#define QUIET_QR  4   /* and around a QR code */
#define MAX_X     0.5 /* mm: the widest module worth printing */
#define GAP       1.5 /* mm between the barcode and what is below it */
#define FONT      "Arial, Helvetica, 'DejaVu Sans', sans-serif"

bool label_format_from_name(const char *name, enum label_format *out)
{
    for (size_t i = 0; name && label_format_names[i]; i++)
        if (strcmp(name, label_format_names[i]) == 0) {
            *out = (enum label_format)i;
            return true;
        }
    return false;
}

/*
 * data as a barcode of the symbology, its shapes in zint's vector units; NULL when it cannot
 * be one. The caller frees it with ZBarcode_Delete.
 */
static struct zint_symbol *encode(int symbology, const char *data)
{
    for (const unsigned char *p = (const unsigned char *)data; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return NULL; /* printable ASCII only: what a scanner types back unchanged */
    struct zint_symbol *z = ZBarcode_Create();
    if (!z)
        return NULL;
    z->symbology = symbology;
    z->show_hrt = 0;
    z->input_mode = DATA_MODE;
    z->warn_level = WARN_FAIL_ALL;
    if (symbology == BARCODE_QRCODE)
        z->option_1 = 2; /* error correction M: 15 % of a scuffed label may be lost */
    if (!*data ||
        ZBarcode_Encode_and_Buffer_Vector(z, (const unsigned char *)data, (int)strlen(data), 0) !=
            0 ||
        !z->vector || z->width <= 0) {
        ZBarcode_Delete(z);
        return NULL;
    }
    return z;
}

/*
 * Draw the dark modules of z as one path with its top left corner at (x, y), module mm a
 * module. A linear symbol's bars are height mm high; a matrix symbol is square.
 */
static void draw(struct buf *b, const struct zint_symbol *z, double x, double y, double module,
                 double height)
{
    double unit = (double)z->vector->width / z->width; /* zint's vector units per module */
    double k = module / unit;
    buf_puts(b, "<path shape-rendering=\"crispEdges\" d=\"");
    for (const struct zint_vector_rect *r = z->vector->rectangles; r; r = r->next) {
        double rx = x + r->x * k, rw = r->width * k;
        double ry = z->rows == 1 ? y : y + r->y * k, rh = z->rows == 1 ? height : r->height * k;
        buf_printf(b, "M%.3f %.3fh%.3fv%.3fh%.3fz", rx, ry, rw, rh, -rw);
    }
    buf_puts(b, "\"/>\n");
}

static void put_escaped(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            /* Control characters are not allowed in XML; a label has no use for them. */
            buf_putc(b, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
        }
    }
}

/*
 * A line of text starting at (x, baseline y), size mm high, in at most width mm. Widths are
 * estimated from the widest of the common sans fonts (DejaVu Sans: about 0.56 of the size a
 * character, 0.74 in bold, whose lines are codes in capitals and digits): a line that would not
 * fit is set smaller when it must be whole (a code), else cut with an ellipsis.
 */
static void text(struct buf *b, double x, double y, double size, bool bold, bool whole,
                 double width, const char *s)
{
    if (!s || !*s)
        return;
    size_t chars = 0, bytes = strlen(s), cut = bytes;
    double per = bold ? 0.74 : 0.56;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    if (whole)
        size = fmin(size, width / (per * (double)chars));
    size_t fit = (size_t)fmax(1, floor(width / (per * size)));
    if (!whole && chars > fit)
        for (size_t i = 0, n = 0; i < bytes; i++)
            if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == fit - 1) {
                cut = i; /* the character that the ellipsis takes the place of */
                break;
            }
    buf_printf(b, "<text x=\"%.3f\" y=\"%.3f\" font-size=\"%.3f\"%s>", x, y, size,
               bold ? " font-weight=\"bold\"" : "");
    put_escaped(b, s, cut);
    if (cut < bytes)
        buf_puts(b, "\xe2\x80\xa6"); /* … */
    buf_puts(b, "</text>\n");
}

static void begin(struct buf *b, const struct geometry *g)
{
    buf_printf(b,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%gmm\" height=\"%gmm\" "
               "viewBox=\"0 0 %g %g\">\n"
               "<rect width=\"%g\" height=\"%g\" fill=\"#fff\"/>\n",
               g->w, g->h, g->w, g->h, g->w, g->h);
}

/* A Code 128 centred across the top of the label, as wide as fits; its module width. */
static double top_barcode(struct buf *b, const struct geometry *g, const struct zint_symbol *z,
                          double height)
{
    double cw = g->w - 2 * g->pad_x;
    double x = fmin(MAX_X, cw / (z->width + 2 * QUIET_128));
    draw(b, z, (g->w - z->width * x) / 2, g->pad_y, x, height);
    return x;
}

static char *finish(struct buf *b, size_t *len)
{
    buf_puts(b, "</g>\n</svg>\n");
    return buf_steal(b, len);
}

char *label_item_svg(enum label_format f, const struct label_item *item, size_t *len)
{
    const struct geometry *g = &geometries[f];
    struct zint_symbol *code = encode(BARCODE_CODE128, item->code);
    struct zint_symbol *qr = code ? encode(BARCODE_QRCODE, item->url) : NULL;
    if (!qr) {
        ZBarcode_Delete(code);
        return NULL;
    }
    double cw = g->w - 2 * g->pad_x, ch = g->h - 2 * g->pad_y;
    double bar_h = fmin(12, fmax(6, ch * 0.3));
    double top = g->pad_y + bar_h + GAP, room = ch - bar_h - GAP;
    /* The QR code at the bottom right, its quiet zone inside its square. */
    double q = fmin(room, cw * 0.4);
    double qm = q / (qr->width + 2 * QUIET_QR);

    struct buf b = BUF_INIT;
    begin(&b, g);
    top_barcode(&b, g, code, bar_h);
    draw(&b, qr, g->w - g->pad_x - q + QUIET_QR * qm, top + QUIET_QR * qm, qm, 0);

    /* The text beside the QR code: the code large, the name and size, the branch at the foot. */
    double fs = fmin(room * 0.24, 5.5), small = fs * 0.72, foot = fs * 0.62;
    double tw = cw - q, y = top + fs * 0.8;
    buf_printf(&b, "<g font-family=\"%s\" fill=\"#000\">\n", FONT);
    text(&b, g->pad_x, y, fs, true, true, tw, item->code);
    text(&b, g->pad_x, y += small * 1.3, small, false, false, tw, item->name);
    text(&b, g->pad_x, y += small * 1.3, small, true, false, tw, item->size);
    text(&b, g->pad_x, g->pad_y + ch - foot * 0.25, foot, false, false, tw, item->branch);
    ZBarcode_Delete(code);
    ZBarcode_Delete(qr);
    return finish(&b, len);
}

char *label_card_svg(enum label_format f, const char *card, const char *branch, size_t *len)
{
    const struct geometry *g = &geometries[f];
    struct zint_symbol *code = encode(BARCODE_CODE128, card);
    if (!code)
        return NULL;
    double cw = g->w - 2 * g->pad_x, ch = g->h - 2 * g->pad_y;
    double bar_h = ch * 0.42, room = ch - bar_h - GAP;
    double fs = fmin(room * 0.36, 6), foot = fs * 0.6;
    struct buf b = BUF_INIT;
    begin(&b, g);
    top_barcode(&b, g, code, bar_h);
    buf_printf(&b, "<g font-family=\"%s\" fill=\"#000\">\n", FONT);
    double y = g->pad_y + bar_h + GAP + fs * 0.85;
    text(&b, g->pad_x, y, fs, true, true, cw, card);
    text(&b, g->pad_x, y += foot * 1.35, foot, true, false, cw, "L\xc3\xa5nekort"); /* Lånekort */
    text(&b, g->pad_x, y + foot * 1.25, foot, false, false, cw, branch);
    ZBarcode_Delete(code);
    return finish(&b, len);
}

void label_new_card_code(char out[LABEL_CARD_CODE_SIZE])
{
    snprintf(out, LABEL_CARD_CODE_SIZE, "K%08u", (unsigned)randombytes_uniform(100000000));
}

void label_size_text(const struct size *size, char *out, size_t outlen)
{
    char value[sizeof size->text + 32];
    size_value_text(size, value, sizeof value);
    char *dot = strchr(value, '.');
    if (dot && size_kind_is_numeric(size->kind))
        *dot = ','; /* 42,5: the Swedish decimal comma */
    switch (size->kind) {
    case SIZE_LENGTH_CM:
        snprintf(out, outlen, "%s cm", value);
        break;
    case SIZE_SHOE_EU:
    case SIZE_CLOTHING:
        snprintf(out, outlen, "stl %s", value);
        break;
    case SIZE_HEAD_CM:
        snprintf(out, outlen, "huvud %s cm", value);
        break;
    case SIZE_WHEEL_IN:
        snprintf(out, outlen, "hjul %s tum", value);
        break;
    case SIZE_OTHER:
    case SIZE_NONE:
        snprintf(out, outlen, "%s", value);
        break;
    }
}
