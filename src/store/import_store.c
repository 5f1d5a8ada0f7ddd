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
    char *text;
    int id;
    const char *problem; /* "unknown" or "ambiguous" */
};

struct import {
    long long staff_id;
    int branch_id;
    bool dry_run;
    struct item_csv *c;
    size_t parse_errors; /* the problems found before the database was asked */
    struct resolved *cache;
    size_t ncache;
    size_t imported;
};

/* The category a cell names: its id, or its Swedish name (exactly, else regardless of case). */
static enum store_status resolve_category(struct import *im, const char *text,
                                          const struct resolved **out)
{
    enum { FOUND_ID, FOUND_EXACTLY };
    static struct store_stmt find =
        STORE_STMT("SELECT id, (id::text = $1 OR name_sv = $1) FROM categories"
                   " WHERE id::text = $1 OR lower(name_sv) = lower($1)");
    for (size_t i = 0; i < im->ncache; i++)
        if (strcmp(im->cache[i].text, text) == 0) {
            *out = &im->cache[i];
            return STORE_OK;
        }
    PGresult *res;
    enum store_status st = store_exec(&find, 1, (const char *[]){ text }, &res);
    if (st < 0)
        return st;
    struct resolved r = { .text = xstrdup(text), .problem = "unknown" };
    int rows = PQntuples(res), exact = 0;
    for (int i = 0; i < rows; i++)
        if (store_get_bool(res, i, FOUND_EXACTLY)) {
            exact++;
            r.id = (int)store_get_ll(res, i, FOUND_ID);
        }
    if (exact == 0 && rows == 1)
        r.id = (int)store_get_ll(res, 0, FOUND_ID);
    if (exact > 1 || (exact == 0 && rows > 1)) {
        r.id = 0;
        r.problem = "ambiguous";
    }
    PQclear(res);
    im->cache = xrealloc(im->cache, (im->ncache + 1) * sizeof *im->cache);
    im->cache[im->ncache] = r;
    *out = &im->cache[im->ncache++];
    return STORE_OK;
}

static enum store_status insert(struct import *im, const struct item_csv_row *row)
{
    const struct resolved *cat;
    enum store_status st = resolve_category(im, row->category, &cat);
    if (st < 0)
        return st;
    if (!cat->id) {
        if (strcmp(cat->problem, "ambiguous") == 0)
            item_csv_error(im->c, row->line,
                           "category \"%s\" names more than one category: use its id",
                           row->category);
        else
            item_csv_error(im->c, row->line, "unknown category \"%s\"", row->category);
        return STORE_OK;
    }
    struct item_fields f = {
        .branch_id = im->branch_id,
        .category_id = cat->id,
        .name = row->name,
        .brand = row->brand,
        .condition = row->condition,
        .status = row->status,
        .retired_reason = row->retired_reason,
        .donated_on = row->donated_on,
        .notes = row->notes,
        .size = row->size,
    };
    long long id;
    char code[ITEM_CODE_MAX + 1];
    enum item_outcome outcome;
    st = store_item_insert(&f, row->code[0] ? row->code : NULL, &id, code, &outcome);
    if (st == STORE_OK && outcome == ITEM_CODE_TAKEN)
        item_csv_error(im->c, row->line, "code %s is already used by another item", row->code);
    else if (st == STORE_OK)
        im->imported++;
    return st;
}

/*
 * Numbers given with the branch's own prefix are taken: new codes of the branch continue after
 * the highest of them.
 */
static enum store_status skip_taken_numbers(struct import *im)
{
    static struct store_stmt prefix = STORE_STMT("SELECT code_prefix FROM branches WHERE id = $1");
    static struct store_stmt bump = STORE_STMT(
        "UPDATE branches SET next_item_no = greatest(next_item_no, $2::bigint + 1) WHERE id = $1");
    STORE_NUM(branch, im->branch_id);
    PGresult *res;
    enum store_status st = store_exec(&prefix, 1, (const char *[]){ branch }, &res);
    long long highest = 0;
    for (size_t i = 0; st == STORE_OK && i < im->c->nrows; i++) {
        long long n;
        if (item_code_number(store_get(res, 0, 0), im->c->rows[i].code, &n) && n > highest)
            highest = n;
    }
    PQclear(res);
    if (st != STORE_OK || highest == 0)
        return st;
    STORE_NUM(top, highest);
    return store_run(&bump, 2, (const char *[]){ branch, top });
}

/* Rolls back on purpose (problems found, or a dry run): store_tx commits only STORE_OK. */
#define ROLL_BACK STORE_NOT_FOUND

static enum store_status import_tx(void *ctx)
{
    struct import *im = ctx;
    /* A retried transaction starts over: forget what the database said last time. */
    for (size_t i = im->parse_errors; i < im->c->nerrors; i++)
        free(im->c->errors[i].message);
    im->c->nerrors = im->parse_errors;
    im->imported = 0;

    enum store_status st = store_actor_set(im->staff_id);
    /* Rows with their own codes first, so that new codes can step around them. */
    for (size_t i = 0; st >= 0 && i < im->c->nrows; i++)
        if (im->c->rows[i].code[0])
            st = insert(im, &im->c->rows[i]);
    if (st >= 0)
        st = skip_taken_numbers(im);
    for (size_t i = 0; st >= 0 && i < im->c->nrows; i++)
        if (!im->c->rows[i].code[0])
            st = insert(im, &im->c->rows[i]);
    if (st < 0)
        return st;
    if (im->c->nerrors > 0 || im->dry_run)
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
                         .parse_errors = c->nerrors };
    enum store_status st = c->nrows ? store_tx(STORE_READ_COMMITTED, import_tx, &im) : STORE_OK;
    if (st == ROLL_BACK)
        st = STORE_OK;
    for (size_t i = 0; i < im.ncache; i++)
        free(im.cache[i].text);
    free(im.cache);
    item_csv_sort_errors(c);
    if (st == STORE_OK && c->nerrors == 0)
        *imported = im.imported;
    return st;
}
