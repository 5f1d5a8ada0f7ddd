/* message_store: the outbox and the branches' message settings (see message_store.h). */
#include "message_store.h"

#include "core/buf.h"
#include "store/actor_store.h"
#include "store/audit_store.h"
#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The advisory locks of the outbox, in the two-number form: (OUTBOX_LOCK, 0) while one process
 * plans, (OUTBOX_LOCK, message id) while one sends that message. No other key uses this class.
 */
#define OUTBOX_LOCK "22"

/* ---- planning ---- */

struct plan_ctx {
    int planned;
};

static enum store_status plan_tx(void *p)
{
    static struct store_stmt lock =
        STORE_STMT("SELECT 1 WHERE pg_try_advisory_xact_lock(" OUTBOX_LOCK ", 0)");
    static struct store_stmt expire =
        STORE_STMT("UPDATE messages SET status = 'expired', error = 'not sent in time'"
                   " WHERE status = 'pending' AND expires_at <= now()");
    /*
     * Both kinds the same way: the loans a reminder is due for (cand), one message per borrower,
     * due date and step (m), and the loans of each (message_loans, whose unique index is the
     * promise of once per loan, kind and due date).
     */
#define PLAN(kind, candidates)                                                                     \
    "WITH cand AS MATERIALIZED (" candidates "),"                                                  \
    " m AS (INSERT INTO messages (kind, step, due_date, branch_id, borrower_id)"                   \
    "       SELECT DISTINCT '" kind "', step, due_date, branch_id, borrower_id FROM cand"          \
    "       RETURNING id, step, due_date, branch_id, borrower_id),"                                \
    " ml AS (INSERT INTO message_loans (message_id, loan_id, kind, step, due_date)"                \
    "        SELECT m.id, c.id, '" kind "', c.step, c.due_date"                                    \
    "          FROM m JOIN cand c USING (step, due_date, branch_id, borrower_id))"                 \
    " SELECT count(*) FROM m"
    /* Loans that were due soon already when lent get none: their receipt said when. */
    static struct store_stmt due_soon = STORE_STMT(PLAN(
        "due_soon",
        "SELECT l.id, l.branch_id, l.borrower_id, l.due_date, s.due_soon_days AS step"
        "  FROM message_settings s"
        "  JOIN loans l ON l.branch_id = s.branch_id AND l.returned_at IS NULL"
        "              AND l.due_date BETWEEN current_date + 1 AND current_date + s.due_soon_days"
        "  JOIN borrowers b ON b.id = l.borrower_id"
        " CROSS JOIN LATERAL message_contact(b) c"
        " WHERE s.due_soon AND NOT c.opted_out"
        "   AND l.checked_out_at < (l.due_date - s.due_soon_days)::timestamptz"
        "   AND NOT EXISTS (SELECT 1 FROM message_loans ml WHERE ml.loan_id = l.id"
        "                      AND ml.kind = 'due_soon' AND ml.due_date = l.due_date)"));
    /* The latest of the branch's days a loan has reached, unless it had that one or a later. */
    static struct store_stmt overdue = STORE_STMT(PLAN(
        "overdue", "SELECT l.id, l.branch_id, l.borrower_id, l.due_date, d.step"
                   "  FROM message_settings s"
                   "  JOIN loans l ON l.branch_id = s.branch_id AND l.returned_at IS NULL"
                   "              AND l.due_date < current_date AND l.due_date >= current_date - 60"
                   "  JOIN borrowers b ON b.id = l.borrower_id"
                   " CROSS JOIN LATERAL message_contact(b) c"
                   " CROSS JOIN LATERAL (SELECT max(x) AS step FROM unnest(s.overdue_days) x"
                   "                      WHERE x <= current_date - l.due_date) d"
                   " WHERE s.overdue AND NOT c.opted_out AND d.step IS NOT NULL"
                   "   AND NOT EXISTS (SELECT 1 FROM message_loans ml WHERE ml.loan_id = l.id"
                   "                      AND ml.kind = 'overdue' AND ml.due_date = l.due_date"
                   "                      AND ml.step >= d.step)"));
#undef PLAN
    struct plan_ctx *c = p;
    c->planned = 0;
    enum store_status st = store_run(&lock, 0, NULL);
    if (st != STORE_OK)
        return st;
    if ((st = store_run(&expire, 0, NULL)) < 0)
        return st;
    struct store_stmt *plans[] = { &due_soon, &overdue };
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        PGresult *res;
        if ((st = store_exec(plans[i], 0, NULL, &res)) < 0)
            return st;
        c->planned += (int)store_get_ll(res, 0, 0);
        PQclear(res);
    }
    return STORE_OK;
}

enum store_status store_message_plan(int *planned)
{
    struct plan_ctx c = { 0 };
    enum store_status st = store_tx(STORE_READ_COMMITTED, plan_tx, &c);
    *planned = st == STORE_OK ? c.planned : 0;
    return st;
}

/* ---- sending ---- */

void store_outgoing_clear(struct store_outgoing *m)
{
    free(m->phone);
    free(m->email);
    free(m->branch_name);
    free(m->sender_name);
    free(m->text);
    for (size_t i = 0; i < m->nitems; i++) {
        free((char *)m->items[i].code);
        free((char *)m->items[i].name);
    }
    free(m->items);
    *m = (struct store_outgoing){ 0 };
}

/* Release every message lock this connection holds (after a failure left one behind). */
static void unlock_all(void)
{
    static struct store_stmt unlock = STORE_STMT("SELECT pg_advisory_unlock_all()");
    if (store_run(&unlock, 0, NULL) < 0)
        return; /* the connection is gone, and its locks with it */
}

/* Take the lock of the first message due now whose lock is free; *id is 0 when there is none. */
static enum store_status lock_next(const char *window_start, const char *window_end, long long *id)
{
    /*
     * SKIP LOCKED with a session's advisory lock in place of a row lock: FOR UPDATE would keep a
     * transaction open while the provider answers (up to 10 s, a connection held idle in
     * transaction), whereas this lock needs none and still goes with the connection when the
     * process dies. The inner query is the queue in order (its LIMIT keeps it from being
     * flattened), so the outer filter tries the locks one row at a time, skips the messages
     * another process holds, and stops at the first it gets. A message 'sending' whose lock is
     * free was left by a process that died: it is taken over.
     */
    static struct store_stmt next = STORE_STMT(
        "SELECT q.id FROM ("
        "  SELECT m.id FROM messages m JOIN message_settings s ON s.branch_id = m.branch_id"
        "   WHERE m.status IN ('pending', 'sending') AND m.next_attempt_at <= now()"
        "     AND m.expires_at > now()"
        "     AND localtime >= greatest($1::time, coalesce(s.window_start, $1::time))"
        "     AND localtime < least($2::time, coalesce(s.window_end, $2::time))"
        "   ORDER BY m.next_attempt_at, m.id LIMIT 100) q"
        " WHERE pg_try_advisory_lock(" OUTBOX_LOCK ", (q.id % 2147483647)::int)"
        " LIMIT 1");
    PGresult *res;
    *id = 0;
    enum store_status st = store_exec(&next, 2, (const char *[]){ window_start, window_end }, &res);
    if (st == STORE_OK)
        *id = store_get_ll(res, 0, 0);
    PQclear(res);
    return st;
}

static void read_items(const PGresult *res, struct store_outgoing *out)
{
    out->nitems = (size_t)PQntuples(res);
    out->items = xcalloc(out->nitems + 1, sizeof *out->items);
    for (size_t i = 0; i < out->nitems; i++) {
        out->items[i].code = store_get_dup(res, (int)i, 0);
        out->items[i].name = store_get_dup(res, (int)i, 1);
    }
}

enum store_status store_message_claim(const char *window_start, const char *window_end,
                                      struct store_outgoing *out)
{
    /*
     * Mark it ours and read what the text needs; the status is checked again under the row lock.
     * Whom the message goes to is the SQL function message_contact's to say (migration 0014; a
     * child's guardian since 0015).
     */
    enum {
        CLAIMED_ATTEMPTS,
        CLAIMED_KIND,
        CLAIMED_KEY,
        CLAIMED_CHANNEL,
        CLAIMED_STOP,
        CLAIMED_ENGLISH,
        CLAIMED_PHONE,
        CLAIMED_EMAIL,
        CLAIMED_BRANCH,
        CLAIMED_SENDER,
        CLAIMED_TEXT,
        CLAIMED_TODAY,
        CLAIMED_DUE_DATE,
        CLAIMED_BRANCH_ID,
    };
    static struct store_stmt claim = STORE_STMT(
        "WITH m AS (UPDATE messages SET status = 'sending', attempts = attempts + 1"
        "            WHERE id = $1 AND status IN ('pending', 'sending')"
        "              AND next_attempt_at <= now() AND expires_at > now()"
        "            RETURNING *)"
        " SELECT m.attempts, m.kind, m.idempotency_key::text, coalesce(m.channel, ''),"
        "        b.id IS NULL OR c.opted_out IS NOT false, c.english IS true, c.phone, c.email,"
        "        br.name, s.sender_name, m.body, current_date::text, m.due_date::text,"
        "        m.branch_id"
        "   FROM m JOIN branches br ON br.id = m.branch_id"
        "   JOIN message_settings s ON s.branch_id = m.branch_id"
        "   LEFT JOIN borrowers b ON b.id = m.borrower_id"
        "   LEFT JOIN LATERAL message_contact(b) c ON true");
    /* A reminder names the loans still open and still due that day; a receipt all of its own. */
    static struct store_stmt items =
        STORE_STMT("SELECT i.code, i.name FROM message_loans ml"
                   "  JOIN loans l ON l.id = ml.loan_id JOIN items i ON i.id = l.item_id"
                   " WHERE ml.message_id = $1"
                   "   AND (ml.kind = 'receipt'"
                   "        OR (l.returned_at IS NULL AND l.due_date = ml.due_date))"
                   " ORDER BY l.id");
    *out = (struct store_outgoing){ 0 };
    long long id;
    PGresult *res = NULL;
    enum store_status st;
    /* Another process may finish a message between our reading the queue and our lock. */
    for (int tries = 0;; tries++) {
        if (tries == 5 || (st = lock_next(window_start, window_end, &id)) != STORE_OK)
            return tries == 5 ? STORE_NOT_FOUND : st;
        STORE_NUM(idtext, id);
        st = store_exec(&claim, 1, (const char *[]){ idtext }, &res);
        if (st == STORE_OK)
            break;
        PQclear(res);
        res = NULL;
        unlock_all();
        if (st < 0)
            return st;
    }
    out->id = id;
    out->attempts = (int)store_get_ll(res, 0, CLAIMED_ATTEMPTS);
    if (!message_kind_from_name(store_get(res, 0, CLAIMED_KIND), &out->kind))
        out->stop = true; /* a phone call never waits to be sent */
    store_get_copy(res, 0, CLAIMED_KEY, out->key, sizeof out->key);
    store_get_copy(res, 0, CLAIMED_CHANNEL, out->channel, sizeof out->channel);
    out->stop = out->stop || store_get_bool(res, 0, CLAIMED_STOP);
    out->english = store_get_bool(res, 0, CLAIMED_ENGLISH);
    out->phone = store_get_dup(res, 0, CLAIMED_PHONE);
    out->email = store_get_dup(res, 0, CLAIMED_EMAIL);
    out->branch_name = store_get_dup(res, 0, CLAIMED_BRANCH);
    out->sender_name = store_get_dup(res, 0, CLAIMED_SENDER);
    out->text = store_get_dup(res, 0, CLAIMED_TEXT);
    store_get_copy(res, 0, CLAIMED_TODAY, out->today, sizeof out->today);
    store_get_copy(res, 0, CLAIMED_DUE_DATE, out->due_date, sizeof out->due_date);
    out->branch_id = (int)store_get_ll(res, 0, CLAIMED_BRANCH_ID);
    PQclear(res);

    STORE_NUM(idtext, id);
    st = store_exec(&items, 1, (const char *[]){ idtext }, &res);
    if (st >= 0)
        read_items(res, out);
    PQclear(res);
    if (st < 0) {
        unlock_all();
        store_outgoing_clear(out);
        return st;
    }
    return STORE_OK;
}

enum store_status store_message_backlog(long long *due, double *oldest_s)
{
    /* The sender's queue index answers this, however long the history. */
    static struct store_stmt backlog = STORE_STMT(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8"
        "  FROM messages WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()");
    PGresult *res = NULL;
    enum store_status st = store_exec(&backlog, 0, NULL, &res);
    if (st == STORE_OK) {
        *due = store_get_ll(res, 0, 0);
        *oldest_s = store_get_double(res, 0, 1);
    }
    PQclear(res);
    return st;
}

enum store_status store_message_finish(long long id, const struct store_message_result *r)
{
    /* The lock goes only once the row says how it ended; an erased borrower's text stays gone. */
    static struct store_stmt finish = STORE_STMT(
        "WITH u AS (UPDATE messages m SET status = $2, channel = coalesce($3, channel),"
        "             body = CASE WHEN m.borrower_id IS NULL THEN NULL"
        "                         ELSE coalesce($4, body) END,"
        "             segments = nullif($5::int, 0), provider_id = coalesce($6, provider_id),"
        "             error = $7,"
        "             next_attempt_at = CASE WHEN $2 = 'pending'"
        "                                    THEN now() + make_interval(secs => $8::int)"
        "                                    ELSE next_attempt_at END"
        "            WHERE m.id = $1 AND m.status = 'sending' RETURNING m.id)"
        " SELECT pg_advisory_unlock(" OUTBOX_LOCK ", ($1::bigint % 2147483647)::int)"
        "   FROM (SELECT count(*) FROM u) x");
    STORE_NUM(idtext, id);
    STORE_NUM(segments, r->segments);
    STORE_NUM(retry, r->retry_in_s);
    enum store_status st = store_run(&finish, 8,
                                     (const char *[]){ idtext, r->status, r->channel, r->body,
                                                       segments, r->provider_id, r->error, retry });
    if (st < 0)
        unlock_all();
    return st;
}

/* ---- the desk ---- */

struct desk_ctx {
    long long staff_id, borrower_id, id;
    int scope;
    const char *text;
    const char *loan_ids; /* array literal */
    bool opted_out;
};

static enum store_status free_text_tx(void *p)
{
    enum { BORROWER_BRANCH, BORROWER_OPTED_OUT };
    static struct store_stmt borrower =
        STORE_STMT("SELECT b.branch_id, c.opted_out FROM borrowers b"
                   " CROSS JOIN LATERAL message_contact(b) c"
                   " WHERE b.id = $1 AND ($2::int = 0 OR b.branch_id = $2)");
    static struct store_stmt insert =
        STORE_STMT("INSERT INTO messages (kind, channel, branch_id, borrower_id, staff_id, body)"
                   " VALUES ('free_text', 'sms', $1, $2, nullif($3::int, 0), $4) RETURNING id");
    struct desk_ctx *c = p;
    c->opted_out = false;
    STORE_NUM(id, c->borrower_id);
    STORE_NUM(scope, c->scope);
    PGresult *res;
    enum store_status st = store_exec(&borrower, 2, (const char *[]){ id, scope }, &res);
    if (st != STORE_OK) {
        PQclear(res);
        return st;
    }
    int branch_id = (int)store_get_ll(res, 0, BORROWER_BRANCH);
    c->opted_out = store_get_bool(res, 0, BORROWER_OPTED_OUT);
    PQclear(res);
    if (c->opted_out)
        return STORE_NOT_FOUND;
    STORE_NUM(branch, branch_id);
    STORE_NUM(staff, c->staff_id);
    st = store_exec(&insert, 4, (const char *[]){ branch, id, staff, c->text }, &res);
    if (st == STORE_OK)
        c->id = store_get_ll(res, 0, 0);
    PQclear(res);
    if (st != STORE_OK)
        return st;
    return store_audit(c->staff_id, "message_written", "message", c->id, branch_id, NULL);
}

enum store_status store_message_free_text(long long staff_id, int scope, long long borrower_id,
                                          const char *text, long long *id, bool *opted_out)
{
    struct desk_ctx c = {
        .staff_id = staff_id, .scope = scope, .borrower_id = borrower_id, .text = text
    };
    enum store_status st = store_tx(STORE_READ_COMMITTED, free_text_tx, &c);
    *id = st == STORE_OK ? c.id : 0;
    *opted_out = c.opted_out;
    return st;
}

static enum store_status phone_call_tx(void *p)
{
    enum { NOTED_ID, NOTED_BRANCH, NOTED_AUDIT };
    static struct store_stmt note = STORE_STMT(
        "WITH b AS (SELECT id, branch_id FROM borrowers"
        "            WHERE id = $1 AND ($2::int = 0 OR branch_id = $2)),"
        " m AS (INSERT INTO messages (kind, channel, status, attempts, branch_id, borrower_id,"
        "                             staff_id)"
        "       SELECT 'phone_call', 'phone', 'sent', 1, b.branch_id, b.id, nullif($3::int, 0)"
        "         FROM b"
        "       RETURNING id, branch_id),"
        " ml AS (INSERT INTO message_loans (message_id, loan_id, kind, step, due_date)"
        "        SELECT m.id, l.id, 'phone_call', 0, l.due_date FROM m, loans l"
        "         WHERE l.id = ANY($4::bigint[]) AND l.borrower_id = $1"
        "           AND l.returned_at IS NULL"
        "        RETURNING loan_id)"
        " SELECT m.id, m.branch_id,"
        "        json_build_object('loans', (SELECT coalesce(json_agg(loan_id ORDER BY loan_id),"
        "                                                    '[]') FROM ml))::text"
        "   FROM m");
    struct desk_ctx *c = p;
    STORE_NUM(id, c->borrower_id);
    STORE_NUM(scope, c->scope);
    STORE_NUM(staff, c->staff_id);
    PGresult *res;
    enum store_status st =
        store_exec(&note, 4, (const char *[]){ id, scope, staff, c->loan_ids }, &res);
    if (st == STORE_OK) {
        c->id = store_get_ll(res, 0, NOTED_ID);
        st = store_audit(c->staff_id, "borrower_phoned", "message", c->id,
                         (int)store_get_ll(res, 0, NOTED_BRANCH), store_get(res, 0, NOTED_AUDIT));
    }
    PQclear(res);
    return st;
}

enum store_status store_message_phone_call(long long staff_id, int scope, long long borrower_id,
                                           const long long *loan_ids, size_t n, long long *id)
{
    char *list = store_id_array(loan_ids, n);
    struct desk_ctx c = {
        .staff_id = staff_id, .scope = scope, .borrower_id = borrower_id, .loan_ids = list
    };
    enum store_status st = store_tx(STORE_READ_COMMITTED, phone_call_tx, &c);
    free(list);
    *id = st == STORE_OK ? c.id : 0;
    return st;
}

/* ---- lists ---- */

enum store_status store_message_list(const struct store_message_query *q, char **json)
{
    static struct store_stmt borrower =
        STORE_STMT("SELECT 1 FROM borrowers WHERE id = $1 AND ($2::int = 0 OR branch_id = $2)");
    static struct store_stmt list = STORE_STMT(
        "SELECT json_build_object('id', m.id, 'kind', m.kind, 'step', m.step,"
        "   'channel', m.channel, 'status', m.status, 'attempts', m.attempts,"
        "   'created_at', m.created_at, 'finished_at', m.finished_at, 'due_date', m.due_date,"
        "   'error', m.error, 'segments', m.segments, 'body', m.body,"
        "   'borrower_id', m.borrower_id, 'staff', st.display_name,"
        "   'loans', coalesce((SELECT json_agg(ml.loan_id ORDER BY ml.loan_id)"
        "                        FROM message_loans ml WHERE ml.message_id = m.id), '[]'))::text"
        "  FROM messages m LEFT JOIN staff st ON st.id = m.staff_id"
        " WHERE ($1::int = 0 OR m.branch_id = $1) AND ($2::bigint = 0 OR m.borrower_id = $2)"
        "   AND ($3::bigint = 0 OR m.id = $3)"
        "   AND ($4::bigint[] IS NULL OR m.id IN (SELECT message_id FROM message_loans"
        "                                          WHERE loan_id = ANY($4::bigint[])))"
        " ORDER BY m.created_at DESC, m.id DESC LIMIT $5 OFFSET $6");
    STORE_NUM(scope, q->scope);
    STORE_NUM(borrower_id, q->borrower_id);
    STORE_NUM(message, q->message_id);
    STORE_NUM(limit, q->per_page + 1);
    STORE_NUM(offset, (long long)(q->page - 1) * q->per_page);
    *json = NULL;
    enum store_status st;
    if (q->borrower_id &&
        (st = store_run(&borrower, 2, (const char *[]){ borrower_id, scope })) != STORE_OK)
        return st;
    char *loans = q->loan_ids ? store_id_array(q->loan_ids, q->nloans) : NULL;
    PGresult *res;
    st = store_exec(&list, 6, (const char *[]){ scope, borrower_id, message, loans, limit, offset },
                    &res);
    free(loans);
    if (st < 0)
        return st;
    *json = store_page_json(res, "messages", q->page, q->per_page);
    PQclear(res);
    return STORE_OK;
}

enum store_status store_message_stats(int scope, int branch_id, const char *from, const char *to,
                                      char **json)
{
    /* The rollup's days of the period, the queue as it is now, and the period's failures. */
    static struct store_stmt stats = STORE_STMT(
        "WITH d AS (SELECT d.*, br.slug, br.name FROM message_days d"
        "            JOIN branches br ON br.id = d.branch_id"
        "           WHERE d.day BETWEEN $3::date AND $4::date"
        "             AND ($1::int = 0 OR d.branch_id = $1) AND ($2::int = 0 OR d.branch_id = $2))"
        " SELECT json_build_object("
        "  'days', coalesce((SELECT json_agg(x ORDER BY x.day) FROM ("
        "     SELECT day, sum(sent) AS sent, sum(failed) AS failed, sum(cancelled) AS cancelled,"
        "            sum(calls) AS calls FROM d GROUP BY day) x), '[]'),"
        "  'months', coalesce((SELECT json_agg(x ORDER BY x.month, x.name) FROM ("
        "     SELECT date_trunc('month', day)::date AS month, slug AS branch, name,"
        "            sum(sms) AS sms, sum(segments) AS segments, sum(emails) AS emails"
        "       FROM d GROUP BY 1, 2, 3 HAVING sum(sms) + sum(emails) > 0) x), '[]'),"
        "  'waiting', (SELECT count(*) FROM messages m WHERE m.status IN ('pending', 'sending')"
        "                AND ($1::int = 0 OR m.branch_id = $1) AND ($2::int = 0 OR m.branch_id = "
        "$2)),"
        "  'failures', coalesce((SELECT json_agg(f ORDER BY f.finished_at DESC, f.id DESC) FROM ("
        "     SELECT m.id, m.created_at, m.finished_at, m.kind, m.channel, br.slug AS branch,"
        "            m.attempts, m.error"
        "       FROM messages m JOIN branches br ON br.id = m.branch_id"
        "      WHERE m.status = 'failed' AND m.finished_at >= $3::date::timestamptz"
        "        AND m.finished_at < ($4::date + 1)::timestamptz"
        "        AND ($1::int = 0 OR m.branch_id = $1) AND ($2::int = 0 OR m.branch_id = $2)"
        "      ORDER BY m.finished_at DESC, m.id DESC LIMIT 100) f), '[]'))::text");
    STORE_NUM(sc, scope);
    STORE_NUM(branch, branch_id);
    PGresult *res;
    *json = NULL;
    enum store_status st = store_exec(&stats, 4, (const char *[]){ sc, branch, from, to }, &res);
    if (st == STORE_OK)
        *json = store_get_json(res, 0, 0);
    PQclear(res);
    return st;
}

/* ---- settings ---- */

enum store_status store_message_settings_list(int scope, int branch_id, char **json)
{
    static struct store_stmt list = STORE_STMT(
        "SELECT json_build_object('branches', coalesce(json_agg(json_build_object("
        "   'branch', br.slug, 'name', br.name, 'due_soon', s.due_soon,"
        "   'due_soon_days', s.due_soon_days, 'overdue', s.overdue,"
        "   'overdue_days', s.overdue_days, 'receipt', s.receipt,"
        "   'window_start', to_char(s.window_start, 'HH24:MI'),"
        "   'window_end', CASE WHEN s.window_end = '24:00' THEN '24:00'"
        "                      ELSE to_char(s.window_end, 'HH24:MI') END,"
        "   'sender_name', s.sender_name, 'updated_at', s.updated_at)"
        "   ORDER BY br.name, br.id), '[]'))::text"
        "  FROM message_settings s JOIN branches br ON br.id = s.branch_id"
        " WHERE ($1::int = 0 OR s.branch_id = $1) AND ($2::int = 0 OR s.branch_id = $2)");
    STORE_NUM(sc, scope);
    STORE_NUM(branch, branch_id);
    PGresult *res;
    *json = NULL;
    enum store_status st = store_exec(&list, 2, (const char *[]){ sc, branch }, &res);
    if (st == STORE_OK)
        *json = store_get_json(res, 0, 0);
    PQclear(res);
    return st;
}

struct settings_ctx {
    long long staff_id;
    int branch_id;
    const struct store_message_settings *s;
};

static enum store_status settings_tx(void *p)
{
    static struct store_stmt set = STORE_STMT(
        "UPDATE message_settings SET due_soon = $2, due_soon_days = $3, overdue = $4,"
        "       overdue_days = $5::int[], receipt = $6, window_start = $7::time,"
        "       window_end = $8::time, sender_name = $9, updated_at = now(), updated_by = $10"
        " WHERE branch_id = $1");
    struct settings_ctx *c = p;
    const struct store_message_settings *s = c->s;
    enum store_status st = store_actor_set(c->staff_id);
    if (st < 0)
        return st;
    long long days[5];
    for (size_t i = 0; i < s->noverdue_days && i < 5; i++)
        days[i] = s->overdue_days[i];
    char *day_list = store_id_array(days, s->noverdue_days);
    STORE_NUM(branch, c->branch_id);
    STORE_NUM(soon_days, s->due_soon_days);
    STORE_NUM(staff, c->staff_id);
    st = store_run(&set, 10,
                   (const char *[]){ branch, s->due_soon ? "true" : "false", soon_days,
                                     s->overdue ? "true" : "false", day_list,
                                     s->receipt ? "true" : "false", s->window_start, s->window_end,
                                     s->sender_name, staff });
    free(day_list);
    if (st != STORE_OK)
        return st;
    return store_audit(c->staff_id, "message_settings_changed", "branch", c->branch_id,
                       c->branch_id, NULL);
}

enum store_status store_message_settings_set(long long staff_id, int branch_id,
                                             const struct store_message_settings *s)
{
    struct settings_ctx c = { .staff_id = staff_id, .branch_id = branch_id, .s = s };
    return store_tx(STORE_READ_COMMITTED, settings_tx, &c);
}
