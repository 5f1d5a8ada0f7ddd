/*
 * item: the rules of items that are neither SQL nor HTTP, shared by intake, editing and import:
 * the words for conditions and statuses, how long texts may be, and label codes.
 *
 * A code is what the label's barcode holds: unique in the whole network, plain ASCII, stored in
 * upper case, compared without regard to case. New items get their branch's prefix and the
 * branch's next number ("DEJ-00042"); imported items may bring codes of their own.
 */
#ifndef HYLLA_CORE_ITEM_H
#define HYLLA_CORE_ITEM_H

#include "core/size.h"

#include <stdbool.h>
#include <stddef.h>

#define ITEM_CODE_MAX   40 /* characters */
#define CODE_PREFIX_MAX 8

/* The longest texts, in characters. */
#define ITEM_NAME_MAX   200
#define ITEM_BRAND_MAX  100
#define ITEM_NOTES_MAX  2000
#define ITEM_REASON_MAX 200

/* What an item search matches, wherever and in whatever state the items are. */
struct item_match {
    const char *q;   /* words in Swedish: stems, substrings, a code, a category name */
    int category_id; /* the category or any below it; 0: any */
    enum size_kind size_kind;
    bool has_size_min, has_size_max;
    double size_min, size_max; /* numeric sizes, inclusive */
};

/* NULL-ended word lists, as the API and the database spell them. */
extern const char *const item_conditions[]; /* new, good, worn, needs_repair */
/* intake, available, on_loan, repair, lost, retired */
extern const char *const item_statuses[];
/* Why an item is retired, as the desk offers it: worn_out, broken, unsafe, given_away, other. */
extern const char *const item_retire_reasons[];

/*
 * An item's life, one table: the statuses an item of status `from` may change to by hand, in the
 * order the desk offers them (a NULL-ended list; empty for a retired item or an unknown status):
 *   intake    -> available, repair, retired
 *   available -> repair, lost, retired
 *   repair    -> available, retired
 *   lost      -> available (found), repair, retired
 *   on_loan   -> lost (its loan closed as lost, which has rules of its own)
 * on_loan itself is set only by a checkout, and a return takes an item off loan; nothing goes back
 * to intake, and retired is the end.
 */
const char *const *item_transitions(const char *from);

/* Whether the table above lets an item of status from change to status to. */
bool item_transition_allowed(const char *from, const char *to);

/* The word of the list equal to text, or NULL. */
const char *item_word(const char *const words[], const char *text);

/*
 * A code as typed or scanned into its stored form in out: spaces around it dropped, letters in
 * upper case. False when it is not a code: 1 to 40 of A-Z 0-9 . _ - starting with a letter or
 * digit.
 */
bool item_code_normalize(const char *text, char out[ITEM_CODE_MAX + 1]);

/* The code of a branch's item number n: "DEJ-00042" (more digits once 99999 is passed). */
void item_code_make(const char *prefix, long long n, char out[ITEM_CODE_MAX + 1]);

/* Whether code is prefix-NNNNN, with its number in *n. */
bool item_code_number(const char *prefix, const char *code, long long *n);

/* Whether text is a branch code prefix: 2 to 8 of A-Z 0-9. */
bool item_code_prefix_valid(const char *text);

/*
 * The code prefix to try for a new branch, attempt 0, 1, 2, ... while earlier ones are taken:
 * the first three letters and digits of the slug in upper case ("deje" gives DEJ), then longer
 * pieces of it (DEJE), then the first two or three with a number (DEJ2, DEJ3, ...). False when
 * there are no more to try.
 */
bool item_code_prefix_candidate(const char *slug, int attempt, char out[CODE_PREFIX_MAX + 1]);

/*
 * What kind of image these bytes are, by their first bytes: "image/jpeg", "image/png" or
 * "image/webp"; NULL for anything else, whatever the sender called it.
 */
const char *item_photo_type(const void *data, size_t len);

#endif
