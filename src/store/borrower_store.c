/* borrower_store: borrowers in PostgreSQL (see borrower_store.h). */
#include "borrower_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The borrower object of every answer, over borrowers b joined to branches br and to their
 * guardian g (LEFT JOIN borrowers g ON g.id = b.guardian_id).
 */
#define BORROWER_FIELDS                                                                            \
    "'id', b.id, 'branch', br.slug, 'name', b.name, 'phone', b.phone, 'email', b.email,"           \
    " 'card', b.card, 'birth_year', b.birth_year, 'gender', b.gender,"                             \
    " 'guardian_id', b.guardian_id, 'guardian', CASE WHEN g.id IS NOT NULL"                        \
    "   THEN json_build_object('id', g.id, 'name', g.name, 'phone', g.phone) END,"                 \
    " 'guardian_consent', b.guardian_consent,"                                                     \
    " 'accepted_terms_at', b.accepted_terms_at, 'blocked', b.blocked,"                             \
    " 'blocked_reason', b.blocked_reason, 'notes', b.notes, 'created_at', b.created_at,"           \
    " 'last_activity_at', b.last_activity_at, 'language', b.language,"                             \
    " 'messages_opt_out', b.messages_opt_out"
#define BORROWER_FROM                                                                              \
    " FROM borrowers b JOIN branches br ON br.id = b.branch_id"                                    \
    " LEFT JOIN borrowers g ON g.id = b.guardian_id"

/* A borrower's open loans as a JSON list, soonest due first, over a borrower aliased who. */
#define OPEN_LOANS(who)                                                                            \
    "coalesce((SELECT json_agg(json_build_object("                                                 \
    "       'id', l.id, 'item', json_build_object('code', i.code, 'name', i.name),"                \
    "       'checked_out_at', l.checked_out_at, 'due_date', l.due_date,"                           \
    "       'renewals', l.renewals, 'overdue_days', greatest(0, current_date - l.due_date))"       \
    "       ORDER BY l.due_date, l.id)"                                                            \
    "     FROM loans l JOIN items i ON i.id = l.item_id"                                           \
    "    WHERE l.borrower_id = " who ".id AND l.returned_at IS NULL), '[]')"
#define OPEN_LOANS_OF_B OPEN_LOANS("b")
#define OPEN_LOANS_OF_K OPEN_LOANS("k")

/*
 * Which borrower of the branch other than except_id has the phone or card of result, a JSON
 * object as text with the "phone", "card" and "guardian_id" the borrower will have: the phone
 * only among adults, and only when the borrower will be an adult. STORE_NOT_FOUND when none does.
 */
static enum store_status find_conflict(int branch_id, long long except_id, const char *result,
                                       enum store_borrower_conflict *conflict,
                                       long long *existing_id)
{
    enum { CONFLICT_PHONE, CONFLICT_BORROWER };
    static struct store_stmt find =
        STORE_STMT("SELECT coalesce(b.phone = s.f->>'phone', false) AND b.guardian_id IS NULL, b.id"
                   "  FROM borrowers b, (SELECT $3::jsonb AS f) s"
                   " WHERE b.branch_id = $1 AND b.id <> $2"
                   "   AND ((b.phone = s.f->>'phone' AND b.guardian_id IS NULL"
                   "         AND s.f->>'guardian_id' IS NULL)"
                   "        OR b.card = s.f->>'card')"
                   " ORDER BY 1 DESC LIMIT 1");
    STORE_NUM(branch, branch_id);
    STORE_NUM(except, except_id);
    PGresult *res;
    enum store_status st = store_exec(&find, 3, (const char *[]){ branch, except, result }, &res);
    if (st == STORE_OK) {
        *conflict = store_get_bool(res, 0, CONFLICT_PHONE) ? STORE_BORROWER_PHONE_TAKEN
                                                           : STORE_BORROWER_CARD_TAKEN;
        *existing_id = store_get_ll(res, 0, CONFLICT_BORROWER);
    }
    PQclear(res);
    return st;
}

/*
 * Lock the guardian a borrower is to have, so that they cannot become a child or be erased
 * before we commit, and check them: a borrower in scope, not a child, not the borrower itself
 * (self_id), of the branch *branch_id (0: any; set to the guardian's). STORE_NOT_FOUND with
 * *conflict set when the guardian will not do.
 */
static enum store_status lock_guardian(long long guardian_id, long long self_id, int scope,
                                       int *branch_id, enum store_borrower_conflict *conflict)
{
    enum { GUARDIAN_BRANCH, GUARDIAN_IS_CHILD };
    static struct store_stmt lock =
        STORE_STMT("SELECT branch_id, guardian_id IS NOT NULL FROM borrowers"
                   " WHERE id = $1 AND id <> $2 AND ($3::int = 0 OR branch_id = $3)"
                   "   AND ($4::int = 0 OR branch_id = $4)"
                   "   FOR UPDATE");
    STORE_NUM(id, guardian_id);
    STORE_NUM(self, self_id);
    STORE_NUM(sc, scope);
    STORE_NUM(branch, *branch_id);
    PGresult *res;
    enum store_status st = store_exec(&lock, 4, (const char *[]){ id, self, sc, branch }, &res);
    if (st == STORE_NOT_FOUND) {
        *conflict = STORE_BORROWER_GUARDIAN_UNKNOWN;
    } else if (st == STORE_OK && store_get_bool(res, 0, GUARDIAN_IS_CHILD)) {
        *conflict = STORE_BORROWER_GUARDIAN_IS_CHILD;
        st = STORE_NOT_FOUND;
    } else if (st == STORE_OK) {
        *branch_id = (int)store_get_ll(res, 0, GUARDIAN_BRANCH);
    }
    PQclear(res);
    return st;
}

struct write_ctx {
    long long staff_id;
    int scope, branch_id;
    long long id;
    const char *fields;
    enum store_borrower_conflict conflict;
    long long existing_id;
};

static enum store_status create_tx(void *p)
{
    static struct store_stmt guardian_of =
        STORE_STMT("SELECT (f->>'guardian_id')::bigint FROM (SELECT $1::jsonb AS f) s"
                   " WHERE f->>'guardian_id' IS NOT NULL");
    static struct store_stmt insert = STORE_STMT(
        "INSERT INTO borrowers (branch_id, name, phone, email, card, birth_year, gender,"
        "                       guardian_id, guardian_consent, notes, accepted_terms_at, language,"
        "                       messages_opt_out)"
        " SELECT $1, f->>'name', f->>'phone', f->>'email', f->>'card',"
        "        (f->>'birth_year')::smallint, f->>'gender', (f->>'guardian_id')::bigint,"
        "        coalesce((f->>'guardian_consent')::boolean, false), f->>'notes',"
        "        CASE WHEN (f->>'accepted_terms')::boolean THEN now() END,"
        "        coalesce(f->>'language', 'sv'), coalesce((f->>'messages_opt_out')::boolean, false)"
        "   FROM (SELECT $2::jsonb AS f) s"
        "     ON CONFLICT DO NOTHING"
        " RETURNING id");
    struct write_ctx *c = p;
    int branch_id = c->branch_id;
    c->id = c->existing_id = 0;
    c->conflict = STORE_BORROWER_NO_CONFLICT;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    PGresult *res;
    st = store_exec(&guardian_of, 1, (const char *[]){ c->fields }, &res);
    long long guardian_id = st == STORE_OK ? store_get_ll(res, 0, 0) : 0;
    PQclear(res);
    if (st < 0)
        return st;
    if (guardian_id &&
        (st = lock_guardian(guardian_id, 0, c->scope, &branch_id, &c->conflict)) != STORE_OK)
        return st;
    STORE_NUM(branch, branch_id);
    st = store_exec(&insert, 2, (const char *[]){ branch, c->fields }, &res);
    if (st == STORE_OK)
        c->id = store_get_ll(res, 0, 0);
    PQclear(res);
    if (st == STORE_NOT_FOUND) {
        /* ON CONFLICT waited for any rival to commit, so its row is visible now. */
        st = find_conflict(branch_id, 0, c->fields, &c->conflict, &c->existing_id);
        return st < 0 ? st : STORE_NOT_FOUND;
    }
    if (st < 0)
        return st;
    return store_audit(c->staff_id, "borrower_created", "borrower", c->id, branch_id, NULL);
}

enum store_status store_borrower_create(long long staff_id, int scope, int branch_id,
                                        const char *fields, long long *id,
                                        enum store_borrower_conflict *conflict,
                                        long long *existing_id)
{
    struct write_ctx c = {
        .staff_id = staff_id, .scope = scope, .branch_id = branch_id, .fields = fields
    };
    enum store_status st = store_tx(STORE_READ_COMMITTED, create_tx, &c);
    *id = c.id;
    *conflict = c.conflict;
    *existing_id = c.existing_id;
    return st;
}

static enum store_status update_tx(void *p)
{
    /* The row locked, with what the change would make of it (r) checked against the rules. */
    enum {
        LOCKED_BRANCH,
        LOCKED_BLOCKED,
        LOCKED_RESULT,
        LOCKED_NEW_GUARDIAN,
        LOCKED_NO_PHONE,
        LOCKED_NO_BIRTH_YEAR,
        LOCKED_HAS_CHILDREN,
    };
    static struct store_stmt lock = STORE_STMT(
        "SELECT b.branch_id, b.blocked,"
        "       json_build_object('phone', r.phone, 'card', r.card,"
        "                         'guardian_id', r.guardian_id)::text,"
        "       CASE WHEN r.guardian_id IS DISTINCT FROM b.guardian_id THEN r.guardian_id END,"
        "       r.phone IS NULL AND r.guardian_id IS NULL,"
        "       r.guardian_id IS NOT NULL AND r.birth_year IS NULL"
        "         AND (s.f ? 'guardian_id' OR s.f ? 'birth_year'),"
        "       r.guardian_id IS NOT NULL"
        "         AND EXISTS (SELECT 1 FROM borrowers c WHERE c.guardian_id = b.id)"
        "  FROM borrowers b, (SELECT $3::jsonb AS f) s,"
        "       LATERAL (SELECT"
        "         CASE WHEN s.f ? 'phone' THEN s.f->>'phone' ELSE b.phone END AS phone,"
        "         CASE WHEN s.f ? 'card' THEN s.f->>'card' ELSE b.card END AS card,"
        "         CASE WHEN s.f ? 'guardian_id' THEN (s.f->>'guardian_id')::bigint"
        "              ELSE b.guardian_id END AS guardian_id,"
        "         CASE WHEN s.f ? 'birth_year' THEN (s.f->>'birth_year')::smallint"
        "              ELSE b.birth_year END AS birth_year) r"
        " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2) FOR UPDATE OF b");
    /* Right-hand sides read the old row, so "unchanged" is the column itself. */
    enum { UPDATED_BLOCKED, UPDATED_AUDIT };
    static struct store_stmt update = STORE_STMT(
        "UPDATE borrowers b SET"
        "   name = CASE WHEN f ? 'name' THEN f->>'name' ELSE name END,"
        "   phone = CASE WHEN f ? 'phone' THEN f->>'phone' ELSE phone END,"
        "   email = CASE WHEN f ? 'email' THEN f->>'email' ELSE email END,"
        "   card = CASE WHEN f ? 'card' THEN f->>'card' ELSE card END,"
        "   birth_year = CASE WHEN f ? 'birth_year' THEN (f->>'birth_year')::smallint"
        "                ELSE birth_year END,"
        "   gender = CASE WHEN f ? 'gender' THEN f->>'gender' ELSE gender END,"
        "   guardian_id = CASE WHEN f ? 'guardian_id' THEN (f->>'guardian_id')::bigint"
        "                 ELSE guardian_id END,"
        "   guardian_consent = CASE WHEN f ? 'guardian_consent'"
        "                      THEN (f->>'guardian_consent')::boolean ELSE guardian_consent END,"
        "   notes = CASE WHEN f ? 'notes' THEN f->>'notes' ELSE notes END,"
        "   language = coalesce(f->>'language', language),"
        "   messages_opt_out = coalesce((f->>'messages_opt_out')::boolean, messages_opt_out),"
        "   accepted_terms_at = CASE WHEN NOT f ? 'accepted_terms' THEN accepted_terms_at"
        "                       WHEN (f->>'accepted_terms')::boolean"
        "                       THEN coalesce(accepted_terms_at, now()) END,"
        "   blocked = CASE WHEN f ? 'blocked' THEN (f->>'blocked')::boolean ELSE blocked END,"
        "   blocked_reason = CASE WHEN CASE WHEN f ? 'blocked' THEN (f->>'blocked')::boolean"
        "                                   ELSE blocked END"
        "                    THEN CASE WHEN f ? 'blocked_reason' THEN f->>'blocked_reason'"
        "                         ELSE blocked_reason END END"
        "  FROM (SELECT $2::jsonb AS f) s"
        " WHERE b.id = $1"
        " RETURNING b.blocked,"
        "   (SELECT json_build_object('fields', json_agg(k ORDER BY k))"
        "      FROM jsonb_object_keys(s.f) k)::text");
    struct write_ctx *c = p;
    c->conflict = STORE_BORROWER_NO_CONFLICT;
    c->existing_id = 0;
    PGresult *res = NULL;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        goto out;
    STORE_NUM(id, c->id);
    STORE_NUM(scope, c->scope);
    st = store_exec(&lock, 3, (const char *[]){ id, scope, c->fields }, &res);
    if (st != STORE_OK)
        goto out;
    int branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
    bool was_blocked = store_get_bool(res, 0, LOCKED_BLOCKED);
    long long new_guardian = store_get_ll(res, 0, LOCKED_NEW_GUARDIAN);
    if (store_get_bool(res, 0, LOCKED_HAS_CHILDREN)) {
        c->conflict = STORE_BORROWER_HAS_CHILDREN;
        st = STORE_NOT_FOUND; /* change nothing */
        goto out;
    }
    if (new_guardian &&
        (st = lock_guardian(new_guardian, c->id, c->scope, &branch_id, &c->conflict)) != STORE_OK)
        goto out;
    c->conflict = store_get_bool(res, 0, LOCKED_NO_PHONE) ? STORE_BORROWER_PHONE_REQUIRED
                  : store_get_bool(res, 0, LOCKED_NO_BIRTH_YEAR)
                      ? STORE_BORROWER_BIRTH_YEAR_REQUIRED
                      : STORE_BORROWER_NO_CONFLICT;
    if (c->conflict != STORE_BORROWER_NO_CONFLICT) {
        st = STORE_NOT_FOUND;
        goto out;
    }
    st = find_conflict(branch_id, c->id, store_get(res, 0, LOCKED_RESULT), &c->conflict,
                       &c->existing_id);
    if (st != STORE_NOT_FOUND) {
        st = st < 0 ? st : STORE_NOT_FOUND; /* a conflict: change nothing */
        goto out;
    }
    PQclear(res);
    res = NULL;
    st = store_exec(&update, 2, (const char *[]){ id, c->fields }, &res);
    if (st != STORE_OK)
        goto out;
    bool blocked = store_get_bool(res, 0, UPDATED_BLOCKED);
    const char *action = blocked == was_blocked ? "borrower_changed"
                         : blocked              ? "borrower_blocked"
                                                : "borrower_unblocked";
    st = store_audit(c->staff_id, action, "borrower", c->id, branch_id,
                     store_get(res, 0, UPDATED_AUDIT));
out:
    PQclear(res);
    return st;
}

enum store_status store_borrower_update(long long staff_id, int scope, long long id,
                                        const char *fields, enum store_borrower_conflict *conflict,
                                        long long *existing_id)
{
    struct write_ctx c = { .staff_id = staff_id, .scope = scope, .id = id, .fields = fields };
    enum store_status st = store_tx(STORE_READ_COMMITTED, update_tx, &c);
    if (st < 0 && store_error_is_unique_violation()) {
        /* A rival took the phone or card between our check and our change. */
        c.conflict = strstr(store_error_constraint(), "card") ? STORE_BORROWER_CARD_TAKEN
                                                              : STORE_BORROWER_PHONE_TAKEN;
        st = STORE_NOT_FOUND;
    }
    *conflict = c.conflict;
    *existing_id = c.existing_id;
    return st;
}

enum store_status store_borrower_get(long long id, int scope, char **json)
{
    static struct store_stmt get = STORE_STMT(
        "SELECT json_build_object(" BORROWER_FIELDS ","
        "  'open_loans', " OPEN_LOANS_OF_B ","
        "  'history', coalesce((SELECT json_agg(h.j ORDER BY h.returned_at DESC, h.id DESC)"
        "     FROM (SELECT l.id, l.returned_at, json_build_object("
        "             'id', l.id, 'item', json_build_object('code', i.code, 'name', i.name),"
        "             'checked_out_at', l.checked_out_at, 'due_date', l.due_date,"
        "             'returned_at', l.returned_at, 'lost', l.lost,"
        "             'overdue_days', greatest(0, l.returned_at::date - l.due_date)) AS j"
        "             FROM loans l JOIN items i ON i.id = l.item_id"
        "            WHERE l.borrower_id = b.id AND l.returned_at IS NOT NULL"
        "            ORDER BY l.returned_at DESC, l.id DESC LIMIT 100) h), '[]'),"
        "  'children', coalesce((SELECT json_agg(json_build_object("
        "       'id', k.id, 'name', k.name, 'birth_year', k.birth_year, 'gender', k.gender,"
        "       'guardian_consent', k.guardian_consent, 'blocked', k.blocked,"
        "       'open_loans', " OPEN_LOANS_OF_K ") ORDER BY k.name, k.id)"
        "     FROM borrowers k WHERE k.guardian_id = b.id), '[]'))::text" BORROWER_FROM
        " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2)");
    STORE_NUM(idtext, id);
    STORE_NUM(scopetext, scope);
    PGresult *res;
    *json = NULL;
    enum store_status st = store_exec(&get, 2, (const char *[]){ idtext, scopetext }, &res);
    if (st == STORE_OK)
        *json = store_get_json(res, 0, 0);
    PQclear(res);
    return st;
}

enum store_status store_borrower_search(const struct store_borrower_query *q, char **json)
{
    /*
     * Each condition is one index: the trigram indexes for name and phone digits, the card index,
     * the (branch, phone) key, the guardian and birth year indexes. With the parameters known,
     * PostgreSQL drops the NULL conditions. Four-digit words ($7) are each a birth year or the
     * end of the phone that reaches the borrower (their guardian's for a child).
     */
    static struct store_stmt search = STORE_STMT(
        "SELECT json_build_object(" BORROWER_FIELDS ","
        "  'open_loans_count', (SELECT count(*) FROM loans l"
        "                        WHERE l.borrower_id = b.id AND l.returned_at IS "
        "NULL))::text" BORROWER_FROM
        " WHERE ($1::int = 0 OR b.branch_id = $1) AND ($2::int = 0 OR b.branch_id = $2)"
        "   AND (($3::text IS NULL AND $4::text IS NULL AND $5::text IS NULL AND $6::text IS NULL"
        "         AND $7::text[] IS NULL)"
        "        OR b.name ILIKE $3 OR b.phone = $4 OR b.phone LIKE '%' || $5 || '%'"
        "        OR b.card = $6"
        "        OR b.guardian_id = ANY (ARRAY(SELECT a.id FROM borrowers a"
        "                                      WHERE a.phone = $4"
        "                                         OR a.phone LIKE '%' || $5 || '%'))"
        "        OR ($8::text IS NULL AND b.birth_year = ANY ($7::int[]))"
        "        OR (b.name ILIKE $8 AND NOT EXISTS ("
        "              SELECT 1 FROM unnest($7::text[]) n"
        "               WHERE b.birth_year IS DISTINCT FROM n::int"
        "                 AND right(coalesce(b.phone, g.phone), 4) <> n)))"
        "   AND ($8::text IS NULL OR b.name ILIKE $8)"
        " ORDER BY b.card = $6 IS TRUE DESC, b.name, b.id LIMIT $9 OFFSET $10");
    STORE_NUM(scope, q->scope);
    STORE_NUM(branch, q->branch_id);
    STORE_NUM(limit, q->per_page + 1);
    STORE_NUM(offset, (long long)(q->page - 1) * q->per_page);
    PGresult *res;
    *json = NULL;
    enum store_status st =
        store_exec(&search, 10,
                   (const char *[]){ scope, branch, q->name_like, q->phone, q->phone_digits,
                                     q->card, q->numbers, q->words_like, limit, offset },
                   &res);
    if (st < 0)
        return st;
    *json = store_page_json(res, "borrowers", q->page, q->per_page);
    PQclear(res);
    return STORE_OK;
}

enum store_status store_borrower_card(long long id, int scope, struct store_borrower_card *out)
{
    enum { CARD_CODE, CARD_BRANCH, CARD_FORMAT };
    static struct store_stmt get =
        STORE_STMT("SELECT b.card, br.name, br.label_format"
                   "  FROM borrowers b JOIN branches br ON br.id = b.branch_id"
                   " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2)");
    STORE_NUM(idtext, id);
    STORE_NUM(scopetext, scope);
    *out = (struct store_borrower_card){ 0 };
    PGresult *res;
    enum store_status st = store_exec(&get, 2, (const char *[]){ idtext, scopetext }, &res);
    if (st == STORE_OK) {
        out->card = store_get_dup(res, 0, CARD_CODE);
        out->branch_name = store_get_dup(res, 0, CARD_BRANCH);
        store_get_copy(res, 0, CARD_FORMAT, out->label_format, sizeof out->label_format);
    }
    PQclear(res);
    return st;
}

void store_borrower_card_clear(struct store_borrower_card *c)
{
    free(c->card);
    free(c->branch_name);
    *c = (struct store_borrower_card){ 0 };
}

struct erase_ctx {
    long long staff_id;
    int scope, months;
    long long id;
    const char *via;
    enum store_erase_refusal refusal;
};

static enum store_status erase_tx(void *p)
{
    enum { LOCKED_BRANCH, LOCKED_OPEN_LOANS, LOCKED_CHILDREN };
    /* Children are linked under the guardian's lock (lock_guardian), so none can appear. */
    static struct store_stmt lock = STORE_STMT(
        "SELECT branch_id,"
        "       EXISTS (SELECT 1 FROM loans WHERE borrower_id = $1 AND returned_at IS NULL),"
        "       EXISTS (SELECT 1 FROM borrowers WHERE guardian_id = $1)"
        "  FROM borrowers"
        " WHERE id = $1 AND ($2::int = 0 OR branch_id = $2)"
        "   AND ($3::int = 0 OR last_activity_at < now() - make_interval(months => $3::int))"
        "   FOR UPDATE");
    /*
     * A return note may name the borrower ("Kalle's strap broke"): it goes with them, and so does
     * its copy in the item's status history (the fault of a return to repair).
     */
    static struct store_stmt notes = STORE_STMT(
        "WITH h AS (UPDATE item_status_history h SET note = NULL FROM loans l"
        "            WHERE l.borrower_id = $1 AND l.return_note IS NOT NULL"
        "              AND h.item_id = l.item_id AND h.note = l.return_note)"
        " UPDATE loans SET return_note = NULL WHERE borrower_id = $1 AND return_note IS NOT NULL");
    /* Loans and checkouts keep their rows; ON DELETE SET NULL unlinks them. */
    static struct store_stmt erase = STORE_STMT("DELETE FROM borrowers WHERE id = $1");
    struct erase_ctx *c = p;
    c->refusal = STORE_ERASE_ALLOWED;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    STORE_NUM(id, c->id);
    STORE_NUM(scope, c->scope);
    STORE_NUM(months, c->months);
    PGresult *res;
    st = store_exec(&lock, 3, (const char *[]){ id, scope, months }, &res);
    int branch_id = 0;
    if (st == STORE_OK) {
        branch_id = (int)store_get_ll(res, 0, LOCKED_BRANCH);
        c->refusal = store_get_bool(res, 0, LOCKED_OPEN_LOANS) ? STORE_ERASE_OPEN_LOANS
                     : store_get_bool(res, 0, LOCKED_CHILDREN) ? STORE_ERASE_HAS_CHILDREN
                                                               : STORE_ERASE_ALLOWED;
    }
    PQclear(res);
    if (st != STORE_OK)
        return st;
    if (c->refusal != STORE_ERASE_ALLOWED)
        return STORE_NOT_FOUND;
    if ((st = store_run(&notes, 1, (const char *[]){ id })) < 0 ||
        (st = store_run(&erase, 1, (const char *[]){ id })) < 0)
        return st;
    char details[64];
    snprintf(details, sizeof details, "{\"via\":\"%s\"}", c->via);
    return store_audit(c->staff_id, "borrower_erased", "borrower", c->id, branch_id, details);
}

enum store_status store_borrower_erase(long long staff_id, int scope, long long id,
                                       int older_than_months, const char *via,
                                       enum store_erase_refusal *refusal)
{
    struct erase_ctx c = {
        .staff_id = staff_id, .scope = scope, .id = id, .months = older_than_months, .via = via
    };
    enum store_status st = store_tx(STORE_READ_COMMITTED, erase_tx, &c);
    *refusal = c.refusal;
    return st;
}

enum store_status store_borrower_stale(int months, long long **ids, size_t *n)
{
    static struct store_stmt stale = STORE_STMT(
        "WITH s AS ("
        "  SELECT b.id, b.guardian_id, b.last_activity_at FROM borrowers b"
        "   WHERE b.last_activity_at < now() - make_interval(months => $1::int)"
        "     AND NOT EXISTS (SELECT 1 FROM loans l"
        "                      WHERE l.borrower_id = b.id AND l.returned_at IS NULL))"
        " SELECT s.id FROM s"
        "  WHERE NOT EXISTS (SELECT 1 FROM borrowers c"
        "                     WHERE c.guardian_id = s.id AND c.id NOT IN (SELECT id FROM s))"
        "  ORDER BY s.guardian_id IS NULL, s.last_activity_at, s.id");
    STORE_NUM(m, months);
    PGresult *res;
    *ids = NULL;
    *n = 0;
    enum store_status st = store_exec(&stale, 1, (const char *[]){ m }, &res);
    if (st < 0)
        return st;
    *n = (size_t)PQntuples(res);
    *ids = xcalloc(*n + 1, sizeof **ids);
    for (size_t i = 0; i < *n; i++)
        (*ids)[i] = store_get_ll(res, (int)i, 0);
    PQclear(res);
    return st;
}

struct export_ctx {
    long long staff_id, id;
    int scope;
    char *json;
};

static enum store_status export_tx(void *p)
{
    enum { EXPORT_DOCUMENT, EXPORT_BRANCH };
    static struct store_stmt get =
        STORE_STMT("SELECT borrower_export(b.id)::text, b.branch_id FROM borrowers b"
                   " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2)");
    struct export_ctx *c = p;
    free(c->json);
    c->json = NULL;
    STORE_NUM(id, c->id);
    STORE_NUM(scope, c->scope);
    PGresult *res;
    enum store_status st = store_exec(&get, 2, (const char *[]){ id, scope }, &res);
    int branch_id = 0;
    if (st == STORE_OK) {
        c->json = store_get_json(res, 0, EXPORT_DOCUMENT);
        branch_id = (int)store_get_ll(res, 0, EXPORT_BRANCH);
    }
    PQclear(res);
    if (st != STORE_OK)
        return st;
    return store_audit(c->staff_id, "borrower_exported", "borrower", c->id, branch_id, NULL);
}

enum store_status store_borrower_export(long long staff_id, int scope, long long id, char **json)
{
    struct export_ctx c = { .staff_id = staff_id, .id = id, .scope = scope };
    enum store_status st = store_tx(STORE_READ_COMMITTED, export_tx, &c);
    if (st != STORE_OK) {
        free(c.json);
        c.json = NULL;
    }
    *json = c.json;
    return st;
}
