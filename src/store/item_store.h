/*
 * item_store: the catalogue's items: intake with a new label code, the desk's lookup by code,
 * Swedish search with size ranges, editing with the status rules, and the status history.
 *
 * Status rules kept here: a status changes only along the transitions of core/item.h
 * (item_transitions), one at a time and never by an edit; on_loan is set only by circulation, an
 * item on loan keeps its status until it is returned or its loan is closed as lost, a retired item
 * has a reason, and every status change is recorded with who, when and its note (the trigger of
 * migrations 0004 and 0007, fed by store_actor_set and store_actor_note).
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

/*
 * In `hylla serve`, before store_notify_enable: keep the names of branches and categories in
 * memory for store_item_get (see item_store.c), forgotten at every message "public".
 */
void store_item_names_start(void);

/* The item with this code (normalised already, see item_code_normalize); STORE_NOT_FOUND. */
enum store_status store_item_get(const char *code, struct item *out) STORE_MUST_CHECK;

/*
 * The items with these n codes (normalised already), read in one statement, as store_item_get
 * reads each: found[i] says whether out[i] holds the item of codes[i] (a code given twice is
 * read into both places). On STORE_OK the caller clears each item found with store_item_clear;
 * on a failure nothing is found.
 */
enum store_status store_item_get_many(const char *const *codes, size_t n, struct item *out,
                                      bool *found) STORE_MUST_CHECK;

/*
 * Send store_item_get_many's statement for these codes and return without its answer (see
 * store_prefetch_socket): a store_item_get_many of the same codes, in the same order, on this
 * thread then takes it. False when it could not be sent.
 */
bool store_item_prefetch(const char *const *codes, size_t n);

/* Which items a search wants; zero or NULL fields do not filter. */
/*
 * The SQL of struct item_match, shared by the statements that search items: ITEM_MATCH_CTES
 * opens a WITH RECURSIVE with the category asked for and the categories the words name, each
 * with its subtree (end it with more CTEs); ITEM_MATCH_WHERE is the condition on items i: Swedish
 * stems (search_tsv, index items_search_tsv), folded substrings of every word (search_text, index
 * items_search_text, looked up by the longest word), the exact code, or a named category; and
 * the category and size range. Parameters: $1 words, $3 category id, $5 size kind, $6 and $7 size
 * bounds, as store_item_match_params sets them. (The public search, public_store.c, reads
 * the words its own way, through search_plan of migration 0013_public.)
 */
#define ITEM_MATCH_CTES                                                                            \
    "WITH RECURSIVE"                                                                               \
    " in_category (id) AS ("                                                                       \
    "    SELECT $3::int WHERE $3::int IS NOT NULL"                                                 \
    "    UNION ALL SELECT c.id FROM categories c JOIN in_category t ON c.parent_id = t.id),"       \
    " named_category (id) AS ("                                                                    \
    "    SELECT c.id FROM categories c"                                                            \
    "     WHERE $1::text IS NOT NULL"                                                              \
    "       AND (c.search_tsv @@ plainto_tsquery('swedish', $1)"                                   \
    "            OR c.search_text LIKE ALL (hylla_like_words($1)))"                                \
    "    UNION ALL SELECT c.id FROM categories c JOIN named_category t ON c.parent_id = t.id),"
#define ITEM_MATCH_WHERE                                                                           \
    "($3::int IS NULL OR i.category_id = ANY (ARRAY(SELECT id FROM in_category)))"                 \
    "       AND ($5::text IS NULL OR i.size_kind = $5)"                                            \
    "       AND ($6::numeric IS NULL OR i.size_num >= $6)"                                         \
    "       AND ($7::numeric IS NULL OR i.size_num <= $7)"                                         \
    "       AND ($1::text IS NULL"                                                                 \
    "            OR i.search_tsv @@ plainto_tsquery('swedish', $1)"                                \
    "            OR (i.search_text LIKE (hylla_like_words($1))[1]"                                 \
    "                AND i.search_text LIKE ALL (hylla_like_words($1)))"                           \
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

/* Which fields an update sets (never the status: see store_item_set_status). */
enum {
    ITEM_SET_BRANCH = 1 << 0,
    ITEM_SET_CATEGORY = 1 << 1,
    ITEM_SET_NAME = 1 << 2,
    ITEM_SET_BRAND = 1 << 3,
    ITEM_SET_SIZE = 1 << 4,
    ITEM_SET_CONDITION = 1 << 5,
    ITEM_SET_DONATED_ON = 1 << 6,
    ITEM_SET_NOTES = 1 << 7,
};

/* The fields of an item to write; NULL strings are empty (the database default for dates). */
struct item_fields {
    unsigned set; /* updates only */
    int branch_id;
    int category_id;
    const char *name, *brand, *condition, *donated_on, *notes;
    const char *status, *retired_reason; /* intake and import only */
    struct size size;                    /* SIZE_NONE: no size */
};

enum item_outcome {
    ITEM_DONE,
    ITEM_NO_CATEGORY,     /* the category does not exist */
    ITEM_OTHER_BRANCH,    /* the item belongs to a branch the caller may not change */
    ITEM_IS_ON_LOAN,      /* its status, or its move to another branch, waits for the return */
    ITEM_NEEDS_REASON,    /* retiring without a reason */
    ITEM_CODE_TAKEN,      /* an explicit code that another item has */
    ITEM_NEEDS_SIZE,      /* intake in a category whose items have a size, without one */
    ITEM_DUPLICATE,       /* intake of what the branch took in within the last minute */
    ITEM_NOT_ALLOWED,     /* the item's status does not allow this change */
    ITEM_LOSS_BY_MANAGER, /* only a manager closes a loan as lost */
    ITEM_LOSS_TOO_EARLY,  /* the loan is not overdue long enough to close as lost */
};

/*
 * For an import, inside a transaction of the caller's: which of the n codes an item has already
 * (used[i]), in one read.
 */
enum store_status store_item_codes_used(const char *const *codes, size_t n,
                                        bool *used) STORE_MUST_CHECK;

/*
 * For an import: reserve n numbers of the branch at once, the first of them past after (the
 * highest number the file gives with the branch's prefix, or 0), into *first, with the branch's
 * prefix. One UPDATE, which holds the branch's row lock (intake waits) until the transaction ends.
 */
enum store_status store_item_reserve_numbers(int branch_id, long long after, size_t n,
                                             char prefix[CODE_PREFIX_MAX + 1],
                                             long long *first) STORE_MUST_CHECK;

/*
 * For an import: insert the n items f[i] (all of branch f[0].branch_id) with codes[i], in one
 * statement. taken[i]: the code is another item's, and that row was not inserted.
 */
enum store_status store_item_insert_many(const struct item_fields *f, const char *const *codes,
                                         size_t n, bool *taken) STORE_MUST_CHECK;

/*
 * Intake in a transaction of its own, with the audit entry, the item read back into *out. A
 * category whose size kind (its own, or its nearest ancestor's) is not "other" needs a size
 * (ITEM_NEEDS_SIZE). Unless allow_duplicate, an item of the same branch, category, name and size
 * taken in within the last minute is ITEM_DUPLICATE, with its code in duplicate_of; nothing is
 * written then.
 */
enum store_status store_item_create(long long staff_id, const struct item_fields *f,
                                    bool allow_duplicate, struct item *out,
                                    enum item_outcome *outcome,
                                    char duplicate_of[ITEM_CODE_MAX + 1]) STORE_MUST_CHECK;

/*
 * Change the fields f->set names of the item with this code and read it back into *out.
 * scope (0: any) is the branch the caller may change; an item of another branch is
 * ITEM_OTHER_BRANCH, and moving an item on loan to another branch ITEM_IS_ON_LOAN, and the item
 * stays as it was. STORE_NOT_FOUND.
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

/* A change of an item's status, as the desk asks for it. */
struct store_item_status {
    long long staff_id;
    int scope;               /* the branch whose items the caller may change; 0: any */
    bool manager;            /* the caller may close a loan as lost */
    const char *code;        /* normalised */
    const char *to;          /* one of item_statuses */
    const char *reason;      /* to retired: the retired_reason (required) */
    const char *reason_word; /* to retired: the word of item_retire_reasons, for the audit log */
    const char *note;        /* kept in the status history; NULL: none */

    /* What happened. */
    enum item_outcome outcome;
    char from[16];       /* the status before */
    long long loan_id;   /* on_loan -> lost: the loan closed as lost */
    int overdue_days;    /* ITEM_LOSS_TOO_EARLY: how overdue the loan is, */
    int lost_after_days; /* and how overdue it must be (its branch's setting) */
};

/*
 * Change the status of the item s->code to s->to in one transaction, under the item's row lock:
 * along item_transitions only (ITEM_NOT_ALLOWED otherwise, and ITEM_IS_ON_LOAN for an item on loan
 * to anything but lost); an item of another branch than scope is ITEM_OTHER_BRANCH. Retiring sets
 * the retired_reason, any other change clears it. An item on loan becomes lost by closing its loan
 * as lost (returned_at now, lost), which needs a manager (ITEM_LOSS_BY_MANAGER) and a loan overdue
 * by more than its branch's lost_after_days (ITEM_LOSS_TOO_EARLY). The change is recorded in the
 * status history with the staff member and note, and in the audit log ("item_status_changed",
 * and "loan_lost" for a loan closed so); the item afterwards goes into *out. Nothing is written
 * unless the outcome is ITEM_DONE. STORE_NOT_FOUND when there is no such item.
 */
enum store_status store_item_set_status(struct store_item_status *s,
                                        struct item *out) STORE_MUST_CHECK;

/*
 * The items in repair of a branch (0: every branch), the longest in repair first, as one page of
 * JSON text {"items": [...], "page", "per_page", "has_more"}, each item {"code", "branch",
 * "name", "brand", "category": {"id", "name_sv", "name_en"}, "size" ({"kind", "value"} or null),
 * "condition", "since" (when it went to repair), "note" (the fault, or null), "staff" ({"id",
 * "display_name"} of who sent it, or null)}.
 */
enum store_status store_item_repairs(int branch_id, int page, int per_page,
                                     char **json) STORE_MUST_CHECK;

/* One status change of an item. */
struct item_status_change {
    char from[16]; /* "" when the item was created */
    char to[16];
    char *reason;       /* NULL unless retired */
    char *note;         /* NULL when none */
    long long staff_id; /* 0: the command line or a script */
    char *staff_name;   /* display name, NULL with staff_id 0 */
    char at[32];
};

/* The status history of an item, oldest first (free with store_item_history_free). */
enum store_status store_item_history(const char *code, struct item_status_change **out,
                                     size_t *n) STORE_MUST_CHECK;
void store_item_history_free(struct item_status_change *list, size_t n);

#endif
