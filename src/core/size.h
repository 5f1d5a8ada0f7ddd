/*
 * size: the size of an item as data, because a borrower asks for "skis around 160 cm", not for
 * a word. A size has a kind and a value: a number for lengths, shoe sizes, head circumferences
 * and wheels; text for clothing ("M", "128", "S/M") and for anything else ("2 personer").
 */
#ifndef HYLLA_CORE_SIZE_H
#define HYLLA_CORE_SIZE_H

#include <stdbool.h>
#include <stddef.h>

enum size_kind {
    SIZE_NONE = 0, /* the item has no size */
    SIZE_LENGTH_CM,
    SIZE_SHOE_EU,
    SIZE_CLOTHING,
    SIZE_HEAD_CM,
    SIZE_WHEEL_IN,
    SIZE_OTHER,
};

#define SIZE_TEXT_MAX 40 /* characters of a text size */

struct size {
    enum size_kind kind;
    double num;                       /* numeric kinds: the value, at most two decimals */
    char text[SIZE_TEXT_MAX * 4 + 1]; /* text kinds: the value, UTF-8 */
};

/* The kinds' names as the API and the database spell them, NULL-ended (for input_enum). */
extern const char *const size_kind_names[];

/* "length_cm" to SIZE_LENGTH_CM; SIZE_NONE for NULL or anything unknown. */
enum size_kind size_kind_from_name(const char *name);

/* SIZE_LENGTH_CM to "length_cm"; NULL for SIZE_NONE. */
const char *size_kind_name(enum size_kind kind);

/* Whether sizes of this kind are numbers (and can be searched by range). */
bool size_kind_is_numeric(enum size_kind kind);

/*
 * A numeric size: fills *out when value is a plausible size of the kind (a ski of 0 cm or a shoe
 * of size 470 is a typing mistake), rounded to two decimals. A text kind takes the number as
 * text ("128"). On failure *why says why in a short lower-case sentence.
 */
bool size_from_number(enum size_kind kind, double value, struct size *out, const char **why);

/*
 * A size from text, as a CSV cell or a form gives it: numbers may use a decimal comma ("42,5")
 * and surrounding spaces are ignored. Text kinds take 1 to SIZE_TEXT_MAX characters.
 */
bool size_from_text(enum size_kind kind, const char *text, struct size *out, const char **why);

/* The value as text, as export writes it: "160", "42.5", "M". Empty for SIZE_NONE. */
void size_value_text(const struct size *size, char *out, size_t outlen);

/* Parse a number for a size search ("150", "42,5"): false when text is not one. */
bool size_parse_bound(const char *text, double *out);

#endif
