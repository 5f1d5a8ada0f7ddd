/*
 * branch_store: the branches of the network, which every other aggregate belongs to: their
 * public facts (address, calendar, notice), their loan rules, and the code prefix their items'
 * labels carry. The calendar is a branch's weekly opening hours, its seasons and its closed
 * periods, kept as the client wrote them (JSON text, checked by the caller); when the branch is
 * open on a day is the SQL calendar's to say (migrations/0008_calendar.sql), never this file's.
 */
#ifndef HYLLA_STORE_BRANCH_STORE_H
#define HYLLA_STORE_BRANCH_STORE_H

#include "core/duedate.h"
#include "core/item.h"
#include "store/store.h"

#include <stddef.h>

/* The id of the branch with this slug; STORE_NOT_FOUND when there is none. */
enum store_status store_branch_id(const char *slug, int *id) STORE_MUST_CHECK;

struct branch {
    int id;
    char slug[48];
    char *name;
    char *municipality, *address, *contact, *notice; /* NULL when not given */
    char *phone, *email;                             /* phone in E.164; NULL when not given */
    bool has_position;                               /* a map position was given: */
    double latitude, longitude;                      /* WGS 84 degrees */
    char *opening_hours;  /* JSON object text: {"mon": [["15:00","18:00"]], ...} */
    char *seasons;        /* JSON array text: [{"name", "from", "to", "opening_hours"}] */
    char *closed_periods; /* JSON array text: [{"from", "to", "reason"}], in order */
    int loan_days, max_renewals, item_limit;
    int lost_after_days; /* days overdue before a manager may close a loan as lost */
    char code_prefix[CODE_PREFIX_MAX + 1];
    char label_format[16];   /* what its labels are printed on: one of label_format_names */
    char receipt_format[16]; /* and its receipts: one of label_receipt_formats */
    bool has_items;          /* items carry the code prefix: it may not change */
};

/* Free the strings of a branch. */
void store_branch_clear(struct branch *b);

/* The branch with this slug into *out; STORE_NOT_FOUND when there is none. */
enum store_status store_branch_get(const char *slug, struct branch *out) STORE_MUST_CHECK;

/* Every branch, by name, into *out (free with store_branch_list_free). */
enum store_status store_branch_list(struct branch **out, size_t *n) STORE_MUST_CHECK;
void store_branch_list_free(struct branch *list, size_t n);

/* Which fields a create or update sets. */
enum {
    BRANCH_SET_NAME = 1 << 0,
    BRANCH_SET_MUNICIPALITY = 1 << 1,
    BRANCH_SET_ADDRESS = 1 << 2,
    BRANCH_SET_CONTACT = 1 << 3,
    BRANCH_SET_HOURS = 1 << 4,
    BRANCH_SET_CLOSED = 1 << 5,
    BRANCH_SET_LOAN_DAYS = 1 << 6,
    BRANCH_SET_RENEWALS = 1 << 7,
    BRANCH_SET_ITEM_LIMIT = 1 << 8,
    BRANCH_SET_NOTICE = 1 << 9,
    BRANCH_SET_PREFIX = 1 << 10,
    BRANCH_SET_SEASONS = 1 << 11,
    BRANCH_SET_LOST_AFTER = 1 << 12,
    BRANCH_SET_PHONE = 1 << 13,
    BRANCH_SET_EMAIL = 1 << 14,
    BRANCH_SET_POSITION = 1 << 15,
};

/* The fields of a branch to write; NULL strings clear a field (name and prefix excepted). */
struct branch_fields {
    unsigned set;
    const char *slug; /* create only */
    const char *name, *municipality, *address, *contact, *notice;
    const char *phone, *email;        /* checked by the caller: E.164, an address */
    const char *latitude, *longitude; /* decimal degrees as text, both or neither (NULL) */
    /* JSON text, checked by the caller: an object, and two arrays (see struct branch) */
    const char *opening_hours, *seasons, *closed_periods;
    int loan_days, max_renewals, item_limit, lost_after_days;
    const char *code_prefix; /* checked by the caller; unset on create: made from the slug */
};

enum branch_outcome {
    BRANCH_DONE,
    BRANCH_SLUG_TAKEN,
    BRANCH_PREFIX_TAKEN,
    BRANCH_PREFIX_LOCKED, /* the branch has items: its code prefix stays */
};

/*
 * Add a branch (with an audit entry) and read it back into *out. Without a code prefix the
 * branch gets the first free one item_code_prefix_candidate makes from its slug.
 */
enum store_status store_branch_create(long long staff_id, const struct branch_fields *f,
                                      struct branch *out,
                                      enum branch_outcome *outcome) STORE_MUST_CHECK;

/*
 * Change the fields f->set names (with an audit entry naming them) and read the branch back;
 * STORE_NOT_FOUND when none. A new code prefix for a branch that has items is refused
 * (BRANCH_PREFIX_LOCKED): their labels carry the old one.
 */
enum store_status store_branch_update(long long staff_id, const char *slug,
                                      const struct branch_fields *f, struct branch *out,
                                      enum branch_outcome *outcome) STORE_MUST_CHECK;

/* The most [open, close] spans a day has. */
#define BRANCH_SPANS_MAX 4

/* When a branch opens next: a day and its spans, "HH:MM" each. */
struct branch_opening {
    char date[DUEDATE_ISO_SIZE];
    size_t nspans;
    struct {
        char open[6], close[6];
    } spans[BRANCH_SPANS_MAX];
};

/*
 * When the branch opens next as seen at the moment `after` (timestamptz text, such as
 * "2026-12-23T18:30:00+01:00", or NULL for now), by its calendar: the moment's day in Stockholm
 * while one of its spans has yet to close, else the first open day after it, with that day's
 * spans. STORE_NOT_FOUND when there is no such branch or it opens on no day within two years.
 */
enum store_status store_branch_next_opening(int branch_id, const char *after,
                                            struct branch_opening *out) STORE_MUST_CHECK;

/*
 * What a calendar not yet saved would make of the branch, as JSON text (see store.h) into *json:
 *   {"today", "days": [{"date", "spans"}] (ndays from the day from, YYYY-MM-DD, or from today
 *    when NULL), "next_open": {"date", "spans"} or null, "closed_due_dates": [{"date", "loans",
 *    "moves_to"}]}
 * closed_due_dates are the days from today on that the calendar closes and open loans of the
 * branch are due on, with the first open day after each (null when there is none). hours,
 * seasons and closed are JSON text checked by the caller; NULL takes the saved one.
 * STORE_NOT_FOUND when there is no such branch.
 */
enum store_status store_branch_preview(const char *slug, const char *hours, const char *seasons,
                                       const char *closed, const char *from, int ndays,
                                       char **json) STORE_MUST_CHECK;

/*
 * Move the branch's open loans that are due from today on, on a day its saved calendar closes,
 * to the first open day after it, with one audit entry "due_dates_moved" (loan ids and dates,
 * nobody's name), in one transaction. *json is {"moved": n, "dates": [{"date", "loans",
 * "moves_to"}]} (the caller frees it). STORE_NOT_FOUND when there is no such branch.
 */
enum store_status store_branch_move_due_dates(long long staff_id, const char *slug,
                                              char **json) STORE_MUST_CHECK;

/*
 * Remember what the branch prints labels and receipts on (either may be NULL: unchanged; the
 * caller checks the names) and read the branch back into *out; STORE_NOT_FOUND when none.
 */
enum store_status store_branch_set_printing(long long staff_id, const char *slug,
                                            const char *label_format, const char *receipt_format,
                                            struct branch *out) STORE_MUST_CHECK;

#endif
