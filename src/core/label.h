/*
 * label: what hylla prints for a scanner to read, as SVG documents of exact physical size (mm):
 * an item's label (a Code 128 of its code, a QR code of its public address, the code, name,
 * size and branch in text) and a borrower's card (a Code 128 of the card code and the branch).
 * The barcodes are made by libzint, in this module only.
 *
 * A label format is a label size and the way it is laid out; the browser puts the labels on
 * sheets or roll pages of the same format (web/desk.css), so a format's size here and there
 * must agree (the browser test measures the printed PDF).
 */
#ifndef HYLLA_CORE_LABEL_H
#define HYLLA_CORE_LABEL_H

#include "core/size.h"

#include <stdbool.h>
#include <stddef.h>

enum label_format {
    LABEL_A4_3X8,     /* A4 sheet of 3 x 8 labels of 70 x 37 mm */
    LABEL_A4_3X7,     /* A4 sheet of 3 x 7 labels of 70 x 42.3 mm */
    LABEL_ROLL_62,    /* 62 mm continuous roll, cut at 40 mm */
    LABEL_ROLL_29X90, /* 29 x 90 mm die-cut roll labels, printed lying (90 wide, 29 high) */
};

/* The formats' names as the API and the database spell them, in enum order, NULL-ended. */
extern const char *const label_format_names[];

/* The receipt printers' paper: 58 and 80 mm receipt rolls, or A6 sheets. NULL-ended. */
extern const char *const label_receipt_formats[];

/* The format called name into *out; false for NULL or an unknown name. */
bool label_format_from_name(const char *name, enum label_format *out);

/* What an item's label says. Strings are UTF-8; name, size and branch may be NULL. */
struct label_item {
    const char *code; /* the Code 128: printable ASCII */
    const char *url;  /* the QR code: the item's public page */
    const char *name, *size, *branch;
};

/*
 * The item's label in format f as an SVG document (the caller frees it, *len bytes), or NULL
 * when the code or the address cannot be made a barcode.
 */
char *label_item_svg(enum label_format f, const struct label_item *item, size_t *len);

/* A borrower's card in format f: the Code 128 of card, card in text, and the branch; or NULL. */
char *label_card_svg(enum label_format f, const char *card, const char *branch, size_t *len);

/*
 * A new random card code: K and 8 digits ("K48291734"), which no phone number or item code
 * looks like. Unique only by chance: the caller retries when the branch has it already.
 */
#define LABEL_CARD_CODE_SIZE 10
void label_new_card_code(char out[LABEL_CARD_CODE_SIZE]);

/* A size as a label says it, in Swedish: "160 cm", "stl 38", "stl M", "hjul 26 tum"; "" none. */
void label_size_text(const struct size *size, char *out, size_t outlen);

#endif
