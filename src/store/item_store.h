/*
 * item_store: the catalogue's items: intake with a new label code, the desk's lookup by code,
 * Swedish search with size ranges, editing with the status rules, and the status history.
 *
 * Status rules kept here: on_loan is set only by circulation (never by an edit), an item on loan
 * keeps its status until it is returned, a retired item has a reason, and every status change is
 * recorded with who and when (the trigger of migration 0004, fed by store_actor_set).
 */
#ifndef HYLLA_STORE_ITEM_STORE_H
#define HYLLA_STORE_ITEM_STORE_H

#include "core/duedate.h"
#include "core/item.h"
#include "core/size.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* One item as every answer shows it. Strings are owned (store_item_clear frees them). */
struct item {
    long long id;
    char code[ITEM_CODE_MAX + 1];
    int branch_id;
    char branch_slug[48];
    int category_id;
    char *category_sv, *category_en;
    char *name;
    char *brand; /* NULL when none */
    struct size size;
    char condition[16];
    char status[16];
    char *retired_reason; /* NULL unless retired */
    char donated_on[DUEDATE_ISO_SIZE];
    char *notes;                         /* NULL when none */
    char photo_etag[33];                 /* "" without a photo */
    char due_date[DUEDATE_ISO_SIZE];     /* "" unless on loan: the due date of the open loan */
    char created_at[32], updated_at[32]; /* ISO 8601, UTC */
    char label_printed_at[32];           /* "" until a printed label was confirmed */
};

/* Free the strings of an item and zero it. */
void store_item_clear(struct item *it);

/* The item with this code (normalised already, see item_code_normalize); STORE_NOT_FOUND. */
enum store_status store_item_get(const char *code, struct item *out) STORE_MUST_CHECK;

/* Which items a search wants; zero or NULL fields do not filter. */
/*
 * The SQL of struct item_match, shared by the statements that search items: ITEM_MATCH_CTES
 * opens a WITH RECURSIVE with the category asked for and the categories the words name, each
 * with its subtree (end it with more CTEs); ITEM_MATCH_WHERE is the condition on items i: Swedish
 * stems (items_fts), folded substrings of every word (items_trgm, looked up by the longest word),
 * the exact code, or a named category; and the category and size range. Parameters: $1 words,
 * $3 category id, $5 size kind, $6 and $7 size bounds, as store_item_match_params sets them.
 */
#define ITEM_MATCH_CTES                                                                            \
    "WITH RECURSIVE"                                                                               \
    " in_category (id) AS ("                                                                       \
    "    SELECT $3::int WHERE $3::int IS NOT NULL"                                                 \
    "    UNION ALL SELECT c.id FROM categories c JOIN in_category t ON c.parent_id = t.id),"       \
    " named_category (id) AS ("                                                                    \
    "    SELECT c.id FROM categories c"                                                            \
    "     WHERE $1::text IS NOT NULL"                                                              \
    "       AND (to_tsvector('swedish', c.name_sv) @@ plainto_tsquery('swedish', $1)"              \
    "            OR hylla_fold(c.name_sv || ' ' || c.name_en) LIKE ALL (hylla_like_words($1)))"    \
    "    UNION ALL SELECT c.id FROM categories c JOIN named_category t ON c.parent_id = t.id),"
#define ITEM_MATCH_WHERE                                                                           \
    "($3::int IS NULL OR i.category_id = ANY (ARRAY(SELECT id FROM in_category)))"                 \
    "       AND ($5::text IS NULL OR i.size_kind = $5)"                                            \
    "       AND ($6::numeric IS NULL OR i.size_num >= $6)"                                         \
    "       AND ($7::numeric IS NULL OR i.size_num <= $7)"                                         \
    "       AND ($1::text IS NULL"                                                                 \
    "            OR to_tsvector('swedish'::regconfig, i.name || ' ' || coalesce(i.brand, ''))"     \
    "               @@ plainto_tsquery('swedish', $1)"                                             \
    "            OR (hylla_fold(i.name || ' ' || coalesce(i.brand, ''))"                           \
    "                    LIKE (hylla_like_words($1))[1]"                                           \
    "                AND hylla_fold(i.name || ' ' || coalesce(i.brand, ''))"                       \
    "                    LIKE ALL (hylla_like_words($1)))"                                         \
    "            OR i.code = upper(btrim($1))"                                                     \
    "            OR i.category_id = ANY (ARRAY(SELECT id FROM named_category)))"

/* Room for the numbers of an item_match as parameter text. */
struct item_match_text {
    char category[24], size_min[32], size_max[32]; /* STORE_NUM_SIZE, STORE_DEC_SIZE */
};

/*
 * Set params[0], [2], [4], [5] and [6] ($1, $3, $5, $6, $7 of ITEM_MATCH_*) from m: NULL for what
 * m leaves open (blank words too); numbers are written into *text, which must outlive params.
 */
void store_item_match_params(const struct item_match *m, struct item_match_text *text,
                             const char *params[7]);

struct item_filter {
    struct item_match match;
    int branch_id;                    /* the home branch */
    const char *status;               /* one of item_statuses */
    const char *since;                /* YYYY-MM-DD: taken in on this day (in Stockholm) or later */
    bool unprinted;                   /* only items whose label was never printed */
    const char *code_from, *code_to;  /* codes in this range, both included */
    char range[2][ITEM_CODE_MAX + 1]; /* room for the caller's copies of code_from, code_to */
    bool by_code;                     /* in the order of the codes, not by name */
    long long limit;                  /* 0: all */
    long long offset;
};

struct item_page {
    struct item *items; /* owned; free with store_item_page_free */
    size_t n;
    long long total; /* matches in all, beyond this page too */
};

/* Items matching f, by name, then size, then code (or by code alone). */
enum store_status store_item_search(const struct item_filter *f,
                                    struct item_page *out) STORE_MUST_CHECK;
void store_item_page_free(struct item_page *page);

/* Which fields an update sets. */
enum {
    ITEM_SET_BRANCH = 1 << 0,
    ITEM_SET_CATEGORY = 1 << 1,
    ITEM_SET_NAME = 1 << 2,
    ITEM_SET_BRAND = 1 << 3,
    ITEM_SET_SIZE = 1 << 4,
    ITEM_SET_CONDITION = 1 << 5,
    ITEM_SET_STATUS = 1 << 6,
    ITEM_SET_REASON = 1 << 7,
    ITEM_SET_DONATED_ON = 1 << 8,
    ITEM_SET_NOTES = 1 << 9,
};

/* The fields of an item to write; NULL strings are empty (the database default for dates). */
struct item_fields {
    unsigned set; /* updates only */
    int branch_id;
    int category_id;
    const char *name, *brand, *condition, *status, *retired_reason, *donated_on, *notes;
    struct size size; /* SIZE_NONE: no size */
};

enum item_outcome {
    ITEM_DONE,
    ITEM_NO_CATEGORY,  /* the category does not exist */
    ITEM_OTHER_BRANCH, /* the item belongs to a branch the caller may not change */
    ITEM_IS_ON_LOAN,   /* its status waits for the return */
    ITEM_NOT_RETIRED,  /* a retired_reason for an item that is not retired */
    ITEM_NEEDS_REASON, /* retiring without a reason */
    ITEM_CODE_TAKEN,   /* an explicit code that another item has */
};

/*
 * Take in an item at f->branch_id: with code NULL it gets the branch's next free code
 * (PREFIX-NNNNN, numbers taken under the branch's row lock, so parallel intakes never share one),
 * else the given code. Call inside a transaction of your own (store_item_create does); the new
 * item's id and code into *id and code_out.
 */
enum store_status store_item_insert(const struct item_fields *f, const char *code, long long *id,
                                    char code_out[ITEM_CODE_MAX + 1],
                                    enum item_outcome *outcome) STORE_MUST_CHECK;

/* Intake in a transaction of its own, with the audit entry, the item read back into *out. */
enum store_status store_item_create(long long staff_id, const struct item_fields *f,
                                    struct item *out, enum item_outcome *outcome) STORE_MUST_CHECK;

/*
 * Change the fields f->set names of the item with this code and read it back into *out.
 * scope (0: any) is the branch the caller may change; an item of another branch is
 * ITEM_OTHER_BRANCH and stays as it was. Leaving retired clears the reason. STORE_NOT_FOUND.
 */
enum store_status store_item_update(long long staff_id, const char *code, int scope,
                                    const struct item_fields *f, struct item *out,
                                    enum item_outcome *outcome) STORE_MUST_CHECK;

/* What is wrong with one code of a confirmation of printed labels. */
enum item_label_problem {
    ITEM_LABEL_OK,
    ITEM_LABEL_UNKNOWN,      /* no item has the code */
    ITEM_LABEL_OTHER_BRANCH, /* the item belongs to a branch outside the scope */
};

/*
 * Record that the labels of the n items with these codes (normalised already) came out of the
 * printer: all of them get label_printed_at now, or none do. scope (0: any) is the branch whose
 * items the caller may mark; problems[i] says what is wrong with codes[i], and *all_ok whether
 * nothing was, and so the labels were recorded.
 */
enum store_status store_item_labels_printed(const char *const *codes, size_t n, int scope,
                                            enum item_label_problem *problems,
                                            bool *all_ok) STORE_MUST_CHECK;

/* One status change of an item. */
struct item_status_change {
    char from[16]; /* "" when the item was created */
    char to[16];
    char *reason;       /* NULL unless retired */
    long long staff_id; /* 0: the command line or a script */
    char *staff_name;   /* display name, NULL with staff_id 0 */
    char at[32];
};

/* The status history of an item, oldest first (free with store_item_history_free). */
enum store_status store_item_history(const char *code, struct item_status_change **out,
                                     size_t *n) STORE_MUST_CHECK;
void store_item_history_free(struct item_status_change *list, size_t n);

#endif
