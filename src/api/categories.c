/*
 * categories: the shared category tree (see categories.h). Statistics count a loan in the
 * category its item had when it was lent, so the tree changes without changing any total: a
 * category that ever had an item or a loan is not deleted (409 category_in_use with the counts)
 * but hidden, or merged into another, which takes over its items and loans.
 */
#include "categories.h"

#include "api/api.h"
#include "api/input.h"

#include <stdlib.h>
#include <string.h>

/* The largest impact factor per loan (kg CO2e or SEK), and the widest sort number. */
#define FACTOR_MAX 99999999
#define SORT_MAX   100000

/* The age rules a category may have: consent needed under 1 to 25 years. */
#define CONSENT_AGE_MAX 25

/*
 * A category as every staff answer shows it: id, parent_id, depth, name_sv, name_en, size_kind,
 * co2e_kg, sek, factor_source (Swedish), factor_source_en, consent_age (its own rule, or null),
 * sort, hidden (itself), shown (neither it nor a category above it is hidden). Caller owns it.
 */
static json_t *categories_json(const struct category *c)
{
    json_t *j = api_category_json(c);
    json_object_update_new(j,
                           json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:b}", "co2e_kg",
                                     c->has_co2e_kg ? json_real(c->co2e_kg) : json_null(), "sek",
                                     c->has_sek ? json_real(c->sek) : json_null(), "factor_source",
                                     api_text_or_null(c->factor_source), "factor_source_en",
                                     api_text_or_null(c->factor_source_en), "consent_age",
                                     c->consent_age ? json_integer(c->consent_age) : json_null(),
                                     "sort", c->sort, "hidden", c->hidden, "shown", c->shown));
    return j;
}

void categories_list(struct req *req, struct reply *rep)
{
    json_t *list = api_category_list(rep, categories_json, true);
    if (list)
        reply_json(rep, 200, json_pack("{s:o}", "categories", list));
}

/* Read the fields of a create (names required) or an update into f. */
static void read_fields(struct input *in, bool creating, struct category_fields *f)
{
    *f = (struct category_fields){ 0 };
    long long n;
    double d;
    if (input_has(in, "parent_id")) {
        f->set |= CATEGORY_SET_PARENT;
        if (input_int(in, "parent_id", false, 1, API_MAX_INT_ID, &n))
            f->parent_id = (int)n;
    }
    if (creating || input_has(in, "name_sv")) {
        f->set |= CATEGORY_SET_NAME_SV;
        f->name_sv = input_string(in, "name_sv", true, 100);
    }
    if (creating || input_has(in, "name_en")) {
        f->set |= CATEGORY_SET_NAME_EN;
        f->name_en = input_string(in, "name_en", true, 100);
    }
    if (input_has(in, "size_kind")) {
        f->set |= CATEGORY_SET_SIZE_KIND;
        f->size_kind = size_kind_from_name(input_enum(in, "size_kind", false, size_kind_names));
    }
    if (input_has(in, "co2e_kg")) {
        f->set |= CATEGORY_SET_CO2E;
        f->has_co2e_kg = input_number(in, "co2e_kg", false, 0, FACTOR_MAX, &d);
        f->co2e_kg = f->has_co2e_kg ? d : 0;
    }
    if (input_has(in, "sek")) {
        f->set |= CATEGORY_SET_SEK;
        f->has_sek = input_number(in, "sek", false, 0, FACTOR_MAX, &d);
        f->sek = f->has_sek ? d : 0;
    }
    if (input_has(in, "factor_source")) {
        f->set |= CATEGORY_SET_SOURCE;
        f->factor_source = input_string(in, "factor_source", false, 300);
    }
    if (input_has(in, "factor_source_en")) {
        f->set |= CATEGORY_SET_SOURCE_EN;
        f->factor_source_en = input_string(in, "factor_source_en", false, 300);
    }
    if (input_has(in, "consent_age")) {
        f->set |= CATEGORY_SET_CONSENT_AGE;
        if (input_int(in, "consent_age", false, 1, CONSENT_AGE_MAX, &n))
            f->consent_age = (int)n;
    }
    if (input_has(in, "sort")) {
        f->set |= CATEGORY_SET_SORT;
        if (input_int(in, "sort", true, -SORT_MAX, SORT_MAX, &n))
            f->sort = (int)n;
    }
    if (input_has(in, "hidden")) {
        f->set |= CATEGORY_SET_HIDDEN;
        input_bool(in, "hidden", true, &f->hidden);
    }
}

static const char *const category_fields_allowed[] = {
    "parent_id",     "name_sv",          "name_en",     "size_kind", "co2e_kg", "sek",
    "factor_source", "factor_source_en", "consent_age", "sort",      "hidden",  NULL,
};

/* 409 category_in_use with what refers to the category. */
static void in_use(struct reply *rep, const struct category_usage *u, const char *detail)
{
    reply_problem_extra(rep, PROBLEM_category_in_use, detail,
                        json_pack("{s:I, s:I, s:I}", "items", (json_int_t)u->items, "loans",
                                  (json_int_t)u->loans, "children", (json_int_t)u->children));
}

/* The category id of the path into *id; answers 404 and returns false when it cannot be one. */
static bool path_category(const struct req *req, struct reply *rep, int *id)
{
    long long v;
    if (!api_path_id(req, 0, &v) || v > API_MAX_INT_ID) {
        reply_problem(rep, PROBLEM_category_not_found, NULL);
        return false;
    }
    *id = (int)v;
    return true;
}

static void write_category(struct req *req, struct reply *rep, bool creating)
{
    int id = 0;
    if (!creating && !path_category(req, rep, &id))
        return;
    struct input in;
    input_begin(&in, req->json, category_fields_allowed);
    struct category_fields f;
    read_fields(&in, creating, &f);
    if (input_failed(&in)) {
        input_reply(&in, rep);
        return;
    }

    enum category_outcome outcome;
    struct category_usage usage = { 0 };
    enum store_status st = creating ? store_category_create(req->who->id, &f, &id, &outcome)
                                    : store_category_update(req->who->id, id, &f, &outcome, &usage);
    if (st == STORE_OK && outcome == CATEGORY_IN_USE) {
        input_end(&in);
        in_use(rep, &usage, "Items that are not retired are in it or below it: move them first.");
        return;
    }
    if (st == STORE_OK && outcome == CATEGORY_NO_PARENT)
        input_error(&in, "parent_id", "not_found", "there is no such category");
    if (st == STORE_OK && outcome == CATEGORY_CYCLE)
        input_error(&in, "parent_id", "cycle", "a category cannot be placed below itself");
    if (!input_ok(&in, rep))
        return;
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_category_not_found, NULL);
        return;
    }
    struct category c;
    if (st == STORE_OK)
        st = store_category_get(id, &c);
    if (st != STORE_OK) {
        api_store_failure(rep, st);
        return;
    }
    if (creating)
        reply_headerf(rep, "Location", "/api/categories/%d", id);
    reply_json(rep, creating ? 201 : 200, categories_json(&c));
    store_category_clear(&c);
}

void categories_create(struct req *req, struct reply *rep)
{
    write_category(req, rep, true);
}

void categories_update(struct req *req, struct reply *rep)
{
    write_category(req, rep, false);
}

void categories_delete(struct req *req, struct reply *rep)
{
    int id;
    if (!path_category(req, rep, &id))
        return;
    bool deleted;
    struct category_usage usage;
    enum store_status st = store_category_delete(req->who->id, id, &deleted, &usage);
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_category_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else if (!deleted)
        in_use(rep, &usage,
               "Items, loans or categories refer to it: merge it into another, or hide it.");
    else
        reply_empty(rep, 204);
}

void categories_merge(struct req *req, struct reply *rep)
{
    int id;
    if (!path_category(req, rep, &id))
        return;
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "into", NULL });
    long long into = 0;
    input_int(&in, "into", true, 1, API_MAX_INT_ID, &into);
    if (!input_ok(&in, rep))
        return;
    enum category_outcome outcome;
    char *moved = NULL;
    enum store_status st = store_category_merge(req->who->id, id, (int)into, &outcome, &moved);
    struct category c;
    if (st == STORE_OK && outcome != CATEGORY_DONE) {
        reply_problem_errors(rep, PROBLEM_validation_failed,
                             json_pack("[{s:s, s:s, s:s}]", "field", "into", "code",
                                       outcome == CATEGORY_CYCLE ? "cycle" : "not_found", "message",
                                       outcome == CATEGORY_CYCLE
                                           ? "a category cannot be merged into itself or a "
                                             "category below it"
                                           : "there is no such category"));
    } else if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_category_not_found, NULL);
    } else if (st < 0 || (st = store_category_get((int)into, &c)) != STORE_OK) {
        api_store_failure(rep, st < 0 ? st : STORE_HARD_ERROR);
    } else {
        reply_json(rep, 200,
                   json_pack("{s:o, s:o}", "category", categories_json(&c), "moved",
                             api_stored_json(moved)));
        store_category_clear(&c);
    }
    free(moved);
}
