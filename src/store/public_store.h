/*
 * public_store: the queries of the public site and the open availability API (its categories
 * are the catalogue's store_category_list, with the factors left out). Read-only, and
 * nothing here reads a borrower column: an item on loan shows only its due date. Loan totals
 * come from the statistics rollups (stats_month of migration 0006), never from counting loans.
 */
#ifndef HYLLA_STORE_PUBLIC_STORE_H
#define HYLLA_STORE_PUBLIC_STORE_H

#include "core/duedate.h"
#include "core/item.h"
#include "core/size.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * A branch as the public sees it. Strings are owned (store_public_branches_free frees them); the
 * calendar comes as JSON text: the branch's own (opening hours, seasons, closed periods) and what
 * the SQL calendar makes of it, so that no page or message works out seasons again.
 */
struct public_branch {
    char slug[48];
    char *name;
    char *municipality, *address, *contact, *notice; /* NULL when not given */
    char *phone, *email;                             /* phone in E.164; NULL when not given */
    bool has_position;                               /* a map position was given: */
    double latitude, longitude;                      /* WGS 84 degrees */
    char *opening_hours;                             /* JSON object */
    char *seasons;                                   /* JSON array, as branch_store keeps it */
    char *closed_periods;         /* JSON array of the periods that end today or later */
    char today[DUEDATE_ISO_SIZE]; /* today in Europe/Stockholm, YYYY-MM-DD */
    char *days;                   /* [{"date", "spans"}] of 14 days from `from` on, in order */
    char *next_open;       /* {"date", "spans"} of the first open day after today; NULL: none */
    long long total_loans; /* every loan the branch ever made */
    long long available;   /* items on the shelf now */
};

/*
 * The branch with this slug, or every branch by name when slug is NULL, into a new array
 * (*out, *n); its days start at from (YYYY-MM-DD; NULL or before today: today; at most a year
 * ahead). STORE_NOT_FOUND when a slug names no branch.
 */
enum store_status store_public_branches(const char *slug, const char *from,
                                        struct public_branch **out, size_t *n) STORE_MUST_CHECK;
void store_public_branches_free(struct public_branch *list, size_t n);

struct public_branch_total {
    char slug[48];
    long long total_loans;
};

/*
 * Total loans since the start: the network's into *network, and each branch's, by slug, into a
 * new array (*branches, *n) that the caller frees.
 */
enum store_status store_public_totals(long long *network, struct public_branch_total **branches,
                                      size_t *n) STORE_MUST_CHECK;

/* An item as the public sees it (statuses available, on_loan and repair only). */
struct public_item {
    char code[ITEM_CODE_MAX + 1];
    int category_id;
    char *category_sv, *category_en, *name;
    struct size size;
    char condition[16];
    char status[16];
    char due_date[DUEDATE_ISO_SIZE]; /* "" unless on loan */
    char photo_etag[33];             /* "" without a photo */
};

/* Free the strings of an item and zero it. */
void store_public_item_clear(struct public_item *it);

/*
 * The item with this code (normalised already) as the public sees it, with the slug of its branch
 * into slug; STORE_NOT_FOUND when there is none, or the public does not see it (in intake,
 * retired).
 */
enum store_status store_public_item(const char *code, struct public_item *out,
                                    char slug[48]) STORE_MUST_CHECK;

/* Which items a public search wants; zero or NULL fields do not filter. */
struct public_item_filter {
    const char *branch; /* slug */
    struct item_match match;
    bool available_only;
    long long limit, offset;
};

struct public_item_page {
    struct public_item *items;
    size_t n;
    long long total;   /* matches beyond this page too */
    bool branch_found; /* false when f->branch names no branch (and nothing matched) */
    /* JSON texts: how the words were read ({"things", "size", "corrected"}, see search_plan in
     * migrations/0013_public.sql), and, when nothing asked for is available, the nearest sizes
     * on the shelf and when the first lent one is due back ({"smaller", "larger", "due_back"};
     * NULL: none). */
    char *understood, *nearest;
};

/*
 * Items matching f as a borrower means the words (search_plan in migrations/0013_public.sql):
 * the exact code first, then those nearest the size asked for, then by name, size and code (so
 * equal items come together).
 */
enum store_status store_public_items(const struct public_item_filter *f,
                                     struct public_item_page *out) STORE_MUST_CHECK;
void store_public_items_free(struct public_item_page *page);

#endif
