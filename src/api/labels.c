/* labels: item labels, borrower cards and the record of printed labels (see labels.h). */
#include "labels.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/label.h"
#include "store/borrower_store.h"
#include "store/branch_store.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 1000

/* The format the query names, else the branch's own; a bad name answers 400. */
static bool read_format(const struct req *req, struct reply *rep, const char *own,
                        enum label_format *f)
{
    const char *name = req_query(req, "format");
    if (label_format_from_name(name && *name ? name : own, f))
        return true;
    api_bad_query(rep, "format is one of a4-3x8, a4-3x7, roll-62, roll-29x90.");
    return false;
}

/* Answer an SVG label, or 500 when it could not be drawn. */
static void reply_svg(struct reply *rep, char *svg, size_t len)
{
    if (!svg) {
        reply_problem(rep, PROBLEM_internal_error, "The barcode could not be drawn.");
        return;
    }
    reply_bytes(rep, 200, "image/svg+xml", svg, len);
    reply_header(rep, "Cache-Control", "private, no-cache");
}

void labels_item(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct item it;
    struct branch b = { 0 };
    enum store_status st = store_item_get(code, &it);
    if (st != STORE_OK) {
        api_item_refused(rep, st, ITEM_DONE);
        return;
    }
    if ((st = store_branch_get(it.branch_slug, &b)) != STORE_OK) {
        api_store_failure(rep, st < 0 ? st : STORE_HARD_ERROR);
        goto out;
    }
    enum label_format f;
    if (!read_format(req, rep, b.label_format, &f))
        goto out;
    char size[sizeof it.size.text + 48];
    label_size_text(&it.size, size, sizeof size);
    char *url = api_item_page_url(req, it.code);
    struct label_item label = {
        .code = it.code, .url = url, .name = it.name, .size = size, .branch = b.name
    };
    size_t len = 0;
    char *svg = label_item_svg(f, &label, &len);
    reply_svg(rep, svg, len);
    free(url);
out:
    store_branch_clear(&b);
    store_item_clear(&it);
}

void labels_card(struct req *req, struct reply *rep)
{
    long long id;
    if (!api_path_id(req, 0, &id)) {
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
        return;
    }
    struct store_borrower_card c;
    enum store_status st = store_borrower_card(id, api_scope(req), &c);
    enum label_format f;
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_borrower_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else if (!c.card)
        reply_problem(rep, PROBLEM_borrower_has_no_card,
                      "Give the borrower a card code first (POST /api/borrowers/ID/card).");
    else if (read_format(req, rep, c.label_format, &f)) {
        size_t len = 0;
        char *svg = label_card_svg(f, c.card, c.branch_name, &len);
        if (svg)
            reply_svg(rep, svg, len);
        else
            reply_problem(rep, PROBLEM_card_not_printable,
                          "A card code on a barcode has only letters A-Z, digits and signs.");
    }
    store_borrower_card_clear(&c);
}

void labels_printed(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "items", NULL });
    size_t n = 0;
    char **codes = api_input_codes(&in, MAX_LABELS, &n);
    if (!input_ok(&in, rep)) {
        api_free_codes(codes, n);
        return;
    }
    enum item_label_problem *problems = xcalloc(n, sizeof *problems);
    bool all_ok = false;
    enum store_status st =
        store_item_labels_printed((const char *const *)codes, n, api_scope(req), problems, &all_ok);
    if (st < 0) {
        api_store_failure(rep, st);
    } else if (!all_ok) {
        /*
         * Nothing was recorded: say what is wrong with each code. Another branch's item is 403,
         * as an edit of it would be; a code nobody has is a mistake in the input.
         */
        bool other = false;
        for (size_t i = 0; i < n; i++)
            other = other || problems[i] == ITEM_LABEL_OTHER_BRANCH;
        enum item_label_problem shown = other ? ITEM_LABEL_OTHER_BRANCH : ITEM_LABEL_UNKNOWN;
        json_t *errors = json_array();
        for (size_t i = 0; i < n; i++)
            if (problems[i] == shown)
                api_append(&errors,
                           json_pack("{s:s, s:s, s:s, s:s}", "field", "items", "item", codes[i],
                                     "code", other ? "other_branch" : "unknown_item", "message",
                                     other ? "the item belongs to another branch"
                                           : "no item has this code"));
        reply_problem_errors(rep, other ? PROBLEM_other_branch : PROBLEM_validation_failed, errors);
    } else {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
            api_append(&list, json_string(codes[i]));
        reply_json(rep, 200, json_pack("{s:o}", "printed", list));
    }
    free(problems);
    api_free_codes(codes, n);
}

void labels_set_printing(struct req *req, struct reply *rep)
{
    const char *slug = req->params[0];
    int branch_id = 0;
    enum store_status st = store_branch_id(slug, &branch_id);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_branch_not_found, NULL);
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "label_format", "receipt_format", NULL });
    const char *label = input_enum(&in, "label_format", false, label_format_names);
    const char *receipt = input_enum(&in, "receipt_format", false, label_receipt_formats);
    if (!input_has(&in, "label_format") && !input_has(&in, "receipt_format"))
        input_error(&in, "label_format", "required", "name label_format, receipt_format or both");
    if (!input_ok(&in, rep))
        return;
    if (!api_scope_allows(req, branch_id)) {
        api_branch_forbidden(rep, "Staff of a branch choose their own branch's printers.");
        return;
    }
    struct branch b;
    st = store_branch_set_printing(req->who->id, slug, label, receipt, &b);
    if (st == STORE_NOT_FOUND)
        reply_problem(rep, PROBLEM_branch_not_found, NULL);
    else if (st < 0)
        api_store_failure(rep, st);
    else
        reply_json(rep, 200,
                   json_pack("{s:s, s:s, s:s}", "branch", b.slug, "label_format", b.label_format,
                             "receipt_format", b.receipt_format));
    if (st == STORE_OK)
        store_branch_clear(&b);
}
