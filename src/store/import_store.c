/* import_store: CSV import of items, all or nothing (see import_store.h). */
#include "import_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/item_store.h"
#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A category column value and what it names: an id, or 0 with the reason it names none. */
struct resolved {
    const char *text; /* a row's string */
    int id;
    const char *problem; /* "unknown" or "ambiguous" */
};

struct import {
    long long staff_id;
    int branch_id;
    bool dry_run;
    struct item_csv *c;
    size_t parse_errors;         /* the problems found before the database was asked */
    struct resolved *categories; /* the different category cells, sorted */
    size_t ncategories;
    int *category_ids; /* of each row */
    size_t imported;
};

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_resolved(const void *a, const void *b)
{
    return strcmp(((const struct resolved *)a)->text, ((const struct resolved *)b)->text);
}

/*
 * The category every row names, by its id or its Swedish name (exactly, else regardless of
 * case): one read for all the different cells of the file. A row naming none is a problem.
 */
static enum store_status resolve_categories(struct import *im)
{
    enum { FOUND_TEXT, FOUND_ID, FOUND_EXACTLY };
    static struct store_stmt find = STORE_STMT(
        "SELECT t.text, c.id, (c.id::text = t.text OR c.name_sv = t.text)"
        "  FROM unnest($1::text[]) AS t(text)"
        "  JOIN categories c ON c.id::text = t.text OR lower(c.name_sv) = lower(t.text)");
    struct item_csv *c = im->c;
    const char **texts = xcalloc(c->nrows, sizeof *texts);
    for (size_t i = 0; i < c->nrows; i++)
        texts[i] = c->rows[i].category;
    qsort(texts, c->nrows, sizeof *texts, compare_text);
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (n == 0 || strcmp(texts[n - 1], texts[i]) != 0)
            texts[n++] = texts[i];
    free(im->categories);
    im->categories = xcalloc(n, sizeof *im->categories);
    im->ncategories = n;
    int *exact = xcalloc(n, sizeof *exact), *found = xcalloc(n, sizeof *found);
    for (size_t i = 0; i < n; i++)
        im->categories[i] = (struct resolved){ .text = texts[i], .problem = "unknown" };

    char *list = store_text_array(texts, n);
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ list }, &res);
    free(list);
    for (int r = 0; st == STORE_OK && r < PQntuples(res); r++) {
        struct resolved key = { .text = store_get(res, r, FOUND_TEXT) };
        struct resolved *cat = bsearch(&key, im->categories, n, sizeof key, compare_resolved);
        size_t k = (size_t)(cat - im->categories);
        int id = (int)store_get_ll(res, r, FOUND_ID);
        found[k]++;
        if (store_get_bool(res, r, FOUND_EXACTLY)) {
            exact[k]++;
            cat->id = id;
        } else if (exact[k] == 0) {
            cat->id = id;
        }
    }
    PQclear(res);
    for (size_t k = 0; k < n; k++)
        if (exact[k] > 1 || (exact[k] == 0 && found[k] > 1)) {
            im->categories[k].id = 0;
            im->categories[k].problem = "ambiguous";
        }
    free(exact);
    free(found);
    free(texts);
    if (st < 0)
        return st;

    for (size_t i = 0; i < c->nrows; i++) {
        const struct item_csv_row *row = &c->rows[i];
        struct resolved key = { .text = row->category };
        const struct resolved *cat = bsearch(&key, im->categories, n, sizeof key, compare_resolved);
        im->category_ids[i] = cat->id;
        if (cat->id)
            continue;
        if (strcmp(cat->problem, "ambiguous") == 0)
            item_csv_error(c, row->line, "category \"%s\" names more than one category: use its id",
                           row->category);
        else
            item_csv_error(c, row->line, "unknown category \"%s\"", row->category);
    }
    return STORE_OK;
}

/* The rows whose own code another item has already: one read. */
static enum store_status check_codes(struct import *im)
{
    struct item_csv *c = im->c;
    const char **codes = xcalloc(c->nrows + 1, sizeof *codes);
    size_t *rows = xcalloc(c->nrows + 1, sizeof *rows), n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].code[0]) {
            rows[n] = i;
            codes[n++] = c->rows[i].code;
        }
    bool *used = xcalloc(n + 1, sizeof *used);
    enum store_status st = n ? store_item_codes_used(codes, n, used) : STORE_OK;
    for (size_t k = 0; st >= 0 && k < n; k++)
        if (used[k])
            item_csv_error(c, c->rows[rows[k]].line, "code %s is already used by another item",
                           codes[k]);
    free(used);
    free(rows);
    free(codes);
    return st;
}

/*
 * Insert every row at once. Rows without a code get numbers of the branch reserved in one step
 * (past the highest number the file gives with the branch's own prefix, so that new codes step
 * around those); only this takes the branch's row lock, at the end. A new code that an item
 * elsewhere already has (codes are unique in the network, prefixes are not a promise) is
 * skipped: its row gets the next reserved number instead.
 */
static enum store_status insert_rows(struct import *im)
{
    static struct store_stmt prefix_of =
        STORE_STMT("SELECT code_prefix FROM branches WHERE id = $1");
    struct item_csv *c = im->c;
    size_t n = c->nrows;
    STORE_NUM(branch, im->branch_id);
    PGresult *res;
    enum store_status st = store_exec(&prefix_of, 1, (const char *[]){ branch }, &res);
    long long highest = 0;
    for (size_t i = 0; st == STORE_OK && i < n; i++) {
        long long number;
        if (item_code_number(store_get(res, 0, 0), c->rows[i].code, &number) && number > highest)
            highest = number;
    }
    PQclear(res);
    if (st != STORE_OK)
        return st < 0 ? st : STORE_HARD_ERROR;

    struct item_fields *f = xcalloc(n, sizeof *f);
    const char **codes = xcalloc(n, sizeof *codes);
    char(*made)[ITEM_CODE_MAX + 1] = xcalloc(n, sizeof *made);
    size_t *waiting = xcalloc(n, sizeof *waiting); /* the rows that still need a new code */
    bool *taken = xcalloc(n, sizeof *taken);
    size_t nwaiting = 0;
    for (size_t i = 0; i < n; i++) {
        const struct item_csv_row *row = &c->rows[i];
        f[i] = (struct item_fields){
            .branch_id = im->branch_id,
            .category_id = im->category_ids[i],
            .name = row->name,
            .brand = row->brand,
            .condition = row->condition,
            .status = row->status,
            .retired_reason = row->retired_reason,
            .donated_on = row->donated_on,
            .notes = row->notes,
            .size = row->size,
        };
        codes[i] = row->code[0] ? row->code : made[i];
        if (!row->code[0])
            waiting[nwaiting++] = i;
    }
    /* The first round inserts every row; later ones (rarely any) the rows whose new code was taken. */
    const struct item_fields *batch_f = f;
    const char **batch_codes = codes;
    struct item_fields *retry_f = NULL;
    const char **retry_codes = NULL;
    size_t nbatch = n;
    for (bool first = true; st >= 0;) {
        if (nwaiting || (first && highest)) {
            char prefix[CODE_PREFIX_MAX + 1];
            long long number;
            st = store_item_reserve_numbers(im->branch_id, highest, nwaiting, prefix, &number);
            for (size_t k = 0; st == STORE_OK && k < nwaiting; k++)
                item_code_make(prefix, number + (long long)k, made[waiting[k]]);
            if (st != STORE_OK)
                break;
        }
        if (!first) {
            retry_f = xrealloc(retry_f, nwaiting * sizeof *retry_f);
            retry_codes = xrealloc(retry_codes, nwaiting * sizeof *retry_codes);
            for (size_t k = 0; k < nwaiting; k++) {
                retry_f[k] = f[waiting[k]];
                retry_codes[k] = made[waiting[k]];
            }
            batch_f = retry_f;
            batch_codes = retry_codes;
            nbatch = nwaiting;
        }
        if (nbatch == 0 || (st = store_item_insert_many(batch_f, batch_codes, nbatch, taken)) < 0)
            break;
        size_t still = 0;
        for (size_t k = 0; k < nbatch; k++) {
            size_t i = first ? k : waiting[k];
            if (!taken[k])
                im->imported++;
            else if (c->rows[i].code[0])
                item_csv_error(c, c->rows[i].line, "code %s is already used by another item",
                               c->rows[i].code);
            else
                waiting[still++] = i; /* in place: still <= k */
        }
        nwaiting = still;
        first = false;
        if (nwaiting == 0 || c->nerrors > 0)
            break;
    }
    free(retry_codes);
    free(retry_f);
    free(taken);
    free(waiting);
    free(made);
    free(codes);
    free(f);
    return st;
}

/* Rolls back on purpose (problems found, or a dry run): store_tx commits only STORE_OK. */
#define ROLL_BACK STORE_NOT_FOUND

/*
 * Check every row against the database in two reads (the categories, the codes given), so that
 * a dry run, or a file with problems, writes nothing and locks nothing; only then insert.
 */
static enum store_status import_tx(void *ctx)
{
    struct import *im = ctx;
    /* A retried transaction starts over: forget what the database said last time. */
    for (size_t i = im->parse_errors; i < im->c->nerrors; i++)
        free(im->c->errors[i].message);
    im->c->nerrors = im->parse_errors;
    im->imported = 0;

    enum store_status st = store_actor_set(im->staff_id);
    if (st >= 0)
        st = resolve_categories(im);
    if (st >= 0)
        st = check_codes(im);
    if (st < 0)
        return st;
    if (im->c->nerrors > 0)
        return ROLL_BACK;
    if (im->dry_run) {
        im->imported = im->c->nrows;
        return ROLL_BACK;
    }
    if ((st = insert_rows(im)) < 0)
        return st;
    if (im->c->nerrors > 0)
        return ROLL_BACK;
    char details[48];
    snprintf(details, sizeof details, "{\"count\":%zu}", im->imported);
    return store_audit(im->staff_id, "items_imported", "branch", im->branch_id, im->branch_id,
                       details);
}

enum store_status store_import_items(long long staff_id, int branch_id, const char *data,
                                     size_t len, bool dry_run, struct item_csv *c, size_t *imported)
{
    *imported = 0;
    if (!item_csv_parse(c, data, len))
        return STORE_OK;
    struct import im = { .staff_id = staff_id,
                         .branch_id = branch_id,
                         .dry_run = dry_run,
                         .c = c,
                         .parse_errors = c->nerrors,
                         .category_ids = xcalloc(c->nrows + 1, sizeof(int)) };
    enum store_status st = c->nrows ? store_tx(STORE_READ_COMMITTED, import_tx, &im) : STORE_OK;
    if (st == ROLL_BACK)
        st = STORE_OK;
    free(im.categories);
    free(im.category_ids);
    item_csv_sort_errors(c);
    if (st == STORE_OK && c->nerrors == 0)
        *imported = im.imported;
    return st;
}
