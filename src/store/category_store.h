/*
 * category_store: the one category tree the whole network shares (Vinter > Skidor >
 * Längdskidor ...), with names in Swedish and English, the size kind items of a category usually
 * have, the impact factors the statistics use, and the age under which borrowing from a category
 * needs a guardian's consent. A category without a factor or an age rule of its own follows its
 * nearest ancestor's (the views stats_category_factors and category_rules).
 */
#ifndef HYLLA_STORE_CATEGORY_STORE_H
#define HYLLA_STORE_CATEGORY_STORE_H

#include "core/size.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

struct category {
    int id;
    int parent_id; /* 0: a top category */
    int depth;     /* 0 for a top category */
    char *name_sv, *name_en;
    enum size_kind size_kind;
    bool has_co2e_kg, has_sek;
    double co2e_kg, sek;    /* avoided per loan */
    char *factor_source;    /* NULL when none; in Swedish */
    char *factor_source_en; /* the same in English; NULL when none */
    int consent_age;        /* its own age rule: consent needed under this age; 0 for none */
    int sort;
    bool name_unique; /* no other category has this Swedish name, case aside */
    bool hidden;      /* hidden itself: offered for no new item */
    bool shown;       /* neither it nor a category above it is hidden */
};

/*
 * Every category, parents before their children and siblings by sort, into *out (the caller
 * frees it with store_category_list_free).
 */
enum store_status store_category_list(struct category **out, size_t *n) STORE_MUST_CHECK;
void store_category_list_free(struct category *list, size_t n);

/* One category into *out (free its strings with store_category_clear); STORE_NOT_FOUND. */
enum store_status store_category_get(int id, struct category *out) STORE_MUST_CHECK;
void store_category_clear(struct category *c);

/* Which fields a create or update sets. */
enum {
    CATEGORY_SET_PARENT = 1 << 0,
    CATEGORY_SET_NAME_SV = 1 << 1,
    CATEGORY_SET_NAME_EN = 1 << 2,
    CATEGORY_SET_SIZE_KIND = 1 << 3,
    CATEGORY_SET_CO2E = 1 << 4,
    CATEGORY_SET_SEK = 1 << 5,
    CATEGORY_SET_SOURCE = 1 << 6,
    CATEGORY_SET_SORT = 1 << 7,
    CATEGORY_SET_HIDDEN = 1 << 8,
    CATEGORY_SET_SOURCE_EN = 1 << 9,
    CATEGORY_SET_CONSENT_AGE = 1 << 10,
};

/* The fields of a category to write. NULL strings and has_ false clear a field. */
struct category_fields {
    unsigned set;
    int parent_id; /* 0: top */
    const char *name_sv, *name_en;
    enum size_kind size_kind;
    bool has_co2e_kg, has_sek;
    double co2e_kg, sek;
    const char *factor_source, *factor_source_en;
    int consent_age; /* 0 clears */
    int sort;
    bool hidden;
};

enum category_outcome {
    CATEGORY_DONE,
    CATEGORY_NO_PARENT, /* the parent (or the category merged into) does not exist */
    CATEGORY_CYCLE,     /* the parent (or the category merged into) is the category or below it */
    CATEGORY_IN_USE,    /* hiding: items that are not retired are in it or below it */
};

/* What refers to a category: what stops it from being deleted (or hidden). */
struct category_usage {
    long long items;    /* items in it, retired ones too (only items not retired, when hiding) */
    long long loans;    /* loans counted in it */
    long long children; /* categories right below it */
};

/* Add a category (with an audit entry); its id into *id. */
enum store_status store_category_create(long long staff_id, const struct category_fields *f,
                                        int *id, enum category_outcome *outcome) STORE_MUST_CHECK;

/*
 * Change the fields f->set names; STORE_NOT_FOUND when there is no such category. Hiding a
 * category in which or below which items that are not retired are is refused (CATEGORY_IN_USE,
 * their number in usage->items).
 */
enum store_status store_category_update(long long staff_id, int id, const struct category_fields *f,
                                        enum category_outcome *outcome,
                                        struct category_usage *usage) STORE_MUST_CHECK;

/*
 * Delete a category nothing refers to (with an audit entry). When items, loans or categories
 * refer to it, nothing changes, *deleted is false and *usage says how many (a category that ever
 * had a loan is merged or hidden instead, so that no statistic loses it). STORE_NOT_FOUND when
 * there is no such category.
 */
enum store_status store_category_delete(long long staff_id, int id, bool *deleted,
                                        struct category_usage *usage) STORE_MUST_CHECK;

/*
 * Merge category id into category into (migrations/0012_admin.sql, category_merge): its items,
 * its loans and the categories below it move to into, and it is deleted, with an audit entry,
 * in one transaction; every statistic keeps its totals. *moved is JSON text {"children",
 * "items", "loans", ...} of what moved (the caller frees it). CATEGORY_NO_PARENT when into does
 * not exist, CATEGORY_CYCLE when into is id or below it; STORE_NOT_FOUND when id does not exist.
 */
enum store_status store_category_merge(long long staff_id, int id, int into,
                                       enum category_outcome *outcome,
                                       char **moved) STORE_MUST_CHECK;

#endif
