/*
 * api: what every handler shares, so that handlers never include each other: turning store
 * failures into answers, the one branch scope of the asking staff member, path and query
 * arguments, and the JSON of things several resources show (a staff member, an item, a size).
 */
#ifndef HYLLA_API_API_H
#define HYLLA_API_API_H

#include "api/input.h"
#include "core/buf.h"
#include "core/item.h"
#include "http/reply.h"
#include "http/req.h"
#include "store/category_store.h"
#include "store/item_store.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>

/* The largest id a path or query argument may name (ids are bigint; this keeps them exact). */
#define API_MAX_ID 999999999999999LL
/* The largest int id (categories, branches) and the largest page number of any list. */
#define API_MAX_INT_ID 2147483647LL
#define API_MAX_PAGE   100000LL

/* The cookie that carries a staff session's token (set by session.c, read by routes.c). */
#define API_SESSION_COOKIE "hylla_session"

/*
 * Answer for a store call that failed: 503 with Retry-After when the database cannot be reached
 * or stayed too busy to serialise, 500 otherwise. Never shows SQL or database messages.
 */
void api_store_failure(struct reply *rep, enum store_status st);

/*
 * Whether a store call found what it looked for (STORE_OK); otherwise answers: the problem
 * not_found with detail (may be NULL), or api_store_failure().
 */
bool api_store_found(struct reply *rep, enum store_status st, enum problem not_found,
                     const char *detail);

/*
 * The branch scope of the asking staff member: their branch's id, or 0 for staff of the whole
 * network. Every store call that limits what staff see takes it as its `scope` parameter.
 */
int api_scope(const struct req *req);

/* Whether branch_id lies in the asking staff member's scope (network-wide staff: any branch). */
bool api_scope_allows(const struct req *req, int branch_id);

/* Answer 403 branch_forbidden with detail: the branch is outside the asker's scope. */
void api_branch_forbidden(struct reply *rep, const char *detail);

/*
 * The positive whole number in path parameter i into *id; false (and nothing answered) when it
 * is not one, which callers answer with 404 as for an id that does not exist.
 */
bool api_path_id(const struct req *req, size_t i, long long *id);

/*
 * The item code of the request's path ({code}), normalised into code; answers 404 and returns
 * false when it cannot be a code.
 */
bool api_path_code(const struct req *req, struct reply *rep, char code[ITEM_CODE_MAX + 1]);

/*
 * A number from the query string into *out: absent gives fallback; not a number in [min, max]
 * answers 400 naming the argument and returns false.
 */
bool api_query_int(const struct req *req, struct reply *rep, const char *name, long long min,
                   long long max, long long fallback, long long *out);

/*
 * The branch the query argument branch names into *branch_id, 0 when it is absent; a slug that
 * names no branch answers 400. With scoped, staff bound to another branch get 403
 * branch_forbidden (not 404: branches are public, only their borrowers and loans are not).
 */
bool api_query_branch(const struct req *req, struct reply *rep, bool scoped, int *branch_id);

/*
 * A yes-or-no query argument into *out: absent or empty gives false; "true" or "false" their
 * value; anything else answers 400 naming the argument and returns false.
 */
bool api_query_bool(const struct req *req, struct reply *rep, const char *name, bool *out);

/* Answer 400 invalid_query with detail, the sentence that says what the argument must be. */
void api_bad_query(struct reply *rep, const char *detail);

/*
 * The item search of the query string (q, category, size_kind, size_min, size_max) into *m; a
 * bad argument answers 400 naming it and returns false. m->q points into the request.
 */
bool api_query_item_match(const struct req *req, struct reply *rep, struct item_match *m);

/*
 * The period of the query string, from and to (YYYY-MM-DD, both included, at most max_days long),
 * into *from and *to (NULL when bad), with each problem recorded in in.
 */
void api_query_period(const struct req *req, struct input *in, long max_days, const char **from,
                      const char **to);

/* A JSON string of s, or null for NULL and "". */
json_t *api_text_or_null(const char *s);

/*
 * Append item (stolen) to *list. A NULL item, from a json_pack that failed, spoils the list: it
 * becomes NULL, so that the answer built from it is a 500 rather than a list with a row missing.
 */
void api_append(json_t **list, json_t *item);

/* JSON text the store's SQL wrote, parsed; null if it does not parse, rather than invented data. */
json_t *api_stored_json(const char *text);

/*
 * The view of a staff member every answer shows: {"id", "username", "display_name", "role",
 * "branch", "must_change_password"}.
 */
json_t *api_staff_json(const struct staff_identity *who);

/* A category as the public sees it: {"id","parent_id","depth","name_sv","name_en","size_kind"}. */
json_t *api_category_json(const struct category *c);

/*
 * Every category, depth first, each made JSON by one, with_hidden or only those shown (neither
 * they nor a category above them hidden); NULL (answered) when the store failed. The caller owns
 * the list.
 */
json_t *api_category_list(struct reply *rep, json_t *(*one)(const struct category *c),
                          bool with_hidden);

/* An item's size as {"kind": ..., "value": number or text}, or null. */
json_t *api_size_json(const struct size *size);

/*
 * Where an item's photo is served, "/api/items/DEJ-00042/photo?v=ETAG", or NULL without a photo
 * (the caller frees it). The etag in the address lets browsers keep the photo for good.
 */
char *api_photo_url(const char *code, const char *photo_etag);

/*
 * An item as every staff answer shows it (list, get, intake, edit, photo): code, branch (slug),
 * category {id, name_sv, name_en}, name, brand, size {kind, value} or null, condition, status,
 * retired_reason, donated_on, notes, photo_url, due_date (null unless on loan), created_at,
 * updated_at, label_printed_at (null until a printed label was confirmed). Never a borrower
 * field. Caller owns it.
 */
json_t *api_item_json(const struct item *it);

/*
 * The members of api_item_json as JSON text, without the braces, appended to b: byte for byte
 * what jansson writes of it (JSON_COMPACT), for answers written straight into a buffer.
 */
void api_item_json_members(struct buf *b, const struct item *it);

/* s as a JSON string appended to b, escaped as jansson escapes it; s is valid UTF-8. */
void api_json_string(struct buf *b, const char *s);

/*
 * An item code as it was scanned or typed, in its stored form (core/item.h); text that cannot be
 * a code is kept as it came, so that an answer names it as an unknown item. The caller frees it.
 */
char *api_item_code(const char *text);

/*
 * The "items" field of a body: 1 to max codes (api_item_code), none twice. Records problems in in
 * and returns NULL when they are not that; the caller frees the list with api_free_codes.
 */
char **api_input_codes(struct input *in, size_t max, size_t *n);
void api_free_codes(char **codes, size_t n);

/*
 * Where the public reaches hylla, without a trailing slash: --public-url, else the address this
 * request was sent to (http:// and its Host header, or the listen address). The caller frees it.
 */
char *api_public_url(const struct req *req);

/*
 * The address of an item's public page, <public URL>/i/CODE: what its label's QR code holds and
 * what web/i.html answers (the public site links and shares the same path). The caller frees it.
 */
char *api_item_page_url(const struct req *req, const char *code);

/* Whether text could be an e-mail address: something@something.tld, without spaces. */
bool api_email_plausible(const char *text);

/*
 * A new password from the body's field: checked as core/password.h says (a problem "too_short",
 * "too_long" or "common" otherwise, in words that never repeat it). NULL when absent or bad.
 */
const char *api_input_password(struct input *in, const char *field, bool required);

/*
 * Hash a new password into hash (PASSWORD_HASH_SIZE bytes); answers 503 busy or 500 and returns
 * false when that cannot be done now.
 */
bool api_hash_password(const char *password, char *hash, struct reply *rep);

/* The answer for an item a write refused (outcome not ITEM_DONE) or did not find. */
void api_item_refused(struct reply *rep, enum store_status st, enum item_outcome outcome);

#endif
