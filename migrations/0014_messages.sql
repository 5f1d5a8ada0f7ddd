-- 0014_messages: the outbox of reminders and receipts (SMS and e-mail), the branches' settings for
-- them, and what a borrower says about being contacted.
--
-- A message is planned once (the scheduler for due-soon and overdue reminders, the trigger below
-- for a receipt in the checkout's own transaction, the desk for a free text or a noted phone call)
-- and sent by whichever hylla process claims it first. message_loans ties a message to the loans
-- it is about, and its unique index is the promise that a loan gets each reminder once per due
-- date, however many processes plan at the same time.
--
-- Personal data stays in borrowers: a message keeps no phone number or address (the sender reads
-- them when it sends), and erasing a borrower clears the text of their messages and cancels what
-- was not sent yet (the trigger messages_forget_borrower).

-- The language the borrower's messages are written in, and whether they want none at all.
ALTER TABLE borrowers
    ADD COLUMN language text NOT NULL DEFAULT 'sv' CHECK (language IN ('sv', 'en')),
    ADD COLUMN messages_opt_out boolean NOT NULL DEFAULT false;

-- What a branch sends. Every branch has a row (the trigger below adds it), so the defaults are
-- written here once. The time window narrows the network's (hylla's --reminder-window); NULL
-- keeps it.
CREATE TABLE message_settings (
    branch_id     integer PRIMARY KEY REFERENCES branches (id) ON DELETE CASCADE,
    due_soon      boolean NOT NULL DEFAULT true,
    due_soon_days integer NOT NULL DEFAULT 2 CHECK (due_soon_days BETWEEN 1 AND 14),
    overdue       boolean NOT NULL DEFAULT true,
    -- Days after the due date: one reminder each, ascending.
    overdue_days  integer[] NOT NULL DEFAULT '{1,7}'
                  CHECK (cardinality(overdue_days) BETWEEN 1 AND 5
                         AND 1 <= ALL (overdue_days) AND 60 >= ALL (overdue_days)),
    receipt       boolean NOT NULL DEFAULT false,
    window_start  time,
    window_end    time,
    -- An SMS sender name (alphanumeric sender id: at most 11 letters, digits or spaces).
    sender_name   text CHECK (sender_name ~ '^[A-Za-z0-9][A-Za-z0-9 ]{0,10}$'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    integer REFERENCES staff (id),
    CHECK ((window_start IS NULL) = (window_end IS NULL)),
    CHECK (window_start < window_end)
);
INSERT INTO message_settings (branch_id) SELECT id FROM branches;

CREATE FUNCTION message_settings_for_new_branch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_settings (branch_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER branches_message_settings AFTER INSERT ON branches
    FOR EACH ROW EXECUTE FUNCTION message_settings_for_new_branch();

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL
                    CHECK (kind IN ('receipt', 'due_soon', 'overdue', 'free_text', 'phone_call')),
    -- due_soon: days before the due date; overdue: days after it; otherwise 0.
    step            integer NOT NULL DEFAULT 0,
    -- The due date the message names (reminders and receipts).
    due_date        date,
    branch_id       integer NOT NULL REFERENCES branches (id),
    borrower_id     bigint REFERENCES borrowers (id) ON DELETE SET NULL,
    staff_id        integer REFERENCES staff (id),  -- who wrote it or noted the call
    -- How it went: chosen when it is sent (e-mail for a borrower with an address, else SMS).
    channel         text CHECK (channel IN ('sms', 'email', 'phone')),
    -- The text as sent; a free text as written until then. NULL once the borrower is erased.
    body            text,
    segments        integer CHECK (segments > 0),   -- SMS parts, what the gateway charges for
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled',
                                      'expired')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '1 day',
    -- Sent with every attempt (SMS Idempotency-Key, e-mail Message-ID), so that a message sent
    -- again after a crash is one the provider can recognise.
    idempotency_key uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    provider_id     text,
    error           text,   -- why the last attempt failed; never a phone number or a text
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- When it was sent, failed for good, or was cancelled or expired (messages_finish sets it).
    finished_at     timestamptz,
    CHECK (kind <> 'free_text' OR status NOT IN ('pending', 'sending') OR body IS NOT NULL)
);
-- The sender's queue.
CREATE INDEX messages_queue ON messages (next_attempt_at, id) WHERE status IN ('pending', 'sending');
CREATE INDEX messages_borrower ON messages (borrower_id, created_at) WHERE borrower_id IS NOT NULL;
-- The failures a manager reads, by the time they failed: the network's and a branch's.
CREATE INDEX messages_failed ON messages (finished_at) WHERE status = 'failed';
CREATE INDEX messages_branch_failed ON messages (branch_id, finished_at) WHERE status = 'failed';

-- Whom a message about a borrower goes to, in which language, and whether they want none: the
-- one place that decides it (the sender reads it as it claims a message). A child's messages are
-- to go to the guardian (issue 23); that rule belongs here, by CREATE OR REPLACE.
CREATE FUNCTION message_contact(b borrowers)
    RETURNS TABLE (phone text, email text, english boolean, opted_out boolean)
    LANGUAGE sql STABLE AS $$
    SELECT b.phone, b.email, b.language = 'en', b.messages_opt_out
$$;

CREATE TABLE message_loans (
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    loan_id    bigint NOT NULL REFERENCES loans (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    step       integer NOT NULL,
    due_date   date NOT NULL,
    PRIMARY KEY (message_id, loan_id)
);
-- Each reminder and receipt once per loan and due date (a renewal makes a new due date);
-- phone calls may be noted any number of times.
CREATE UNIQUE INDEX message_loans_once ON message_loans (loan_id, kind, step, due_date)
    WHERE kind <> 'phone_call';

-- What a manager's statistics read: the messages that ended each day (Stockholm) per branch, kept
-- by the triggers below whatever code ends a message, so that a year of a whole network is a few
-- thousand rows. calls are noted phone calls; sms, segments and emails count what was sent.
CREATE TABLE message_days (
    branch_id integer NOT NULL,
    day       date NOT NULL,
    sent      integer NOT NULL DEFAULT 0,
    failed    integer NOT NULL DEFAULT 0,
    cancelled integer NOT NULL DEFAULT 0,   -- cancelled or expired
    calls     integer NOT NULL DEFAULT 0,
    sms       integer NOT NULL DEFAULT 0,
    segments  integer NOT NULL DEFAULT 0,
    emails    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, day)
);

CREATE FUNCTION messages_finish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('sent', 'failed', 'cancelled', 'expired')
       AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('sent', 'failed', 'cancelled', 'expired')) THEN
        NEW.finished_at := now();
    END IF;
    RETURN NEW;
END
$$;
-- Named to run after messages_borrower_erased, which may end a message too.
CREATE TRIGGER messages_set_finished_at BEFORE INSERT OR UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_finish();

CREATE FUNCTION messages_count_day() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sent boolean := NEW.status = 'sent' AND NEW.kind <> 'phone_call';
BEGIN
    IF NEW.finished_at IS NULL OR (TG_OP = 'UPDATE' AND OLD.finished_at IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    INSERT INTO message_days AS d (branch_id, day, sent, failed, cancelled, calls, sms, segments,
                                   emails)
    VALUES (NEW.branch_id, (NEW.finished_at AT TIME ZONE 'Europe/Stockholm')::date,
            sent::int, (NEW.status = 'failed')::int,
            (NEW.status IN ('cancelled', 'expired'))::int, (NEW.kind = 'phone_call')::int,
            (sent AND NEW.channel = 'sms')::int,
            CASE WHEN sent AND NEW.channel = 'sms' THEN coalesce(NEW.segments, 0) ELSE 0 END,
            (sent AND NEW.channel = 'email')::int)
        ON CONFLICT (branch_id, day) DO UPDATE
       SET sent = d.sent + EXCLUDED.sent, failed = d.failed + EXCLUDED.failed,
           cancelled = d.cancelled + EXCLUDED.cancelled, calls = d.calls + EXCLUDED.calls,
           sms = d.sms + EXCLUDED.sms, segments = d.segments + EXCLUDED.segments,
           emails = d.emails + EXCLUDED.emails;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_day_counts AFTER INSERT OR UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_count_day();

-- Erasing a borrower sets borrower_id to NULL here: forget the texts, and send nothing more.
CREATE FUNCTION messages_forget_borrower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.body := NULL;
    IF NEW.status IN ('pending', 'sending') THEN
        NEW.status := 'cancelled';
        NEW.error := 'borrower erased';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER messages_borrower_erased BEFORE UPDATE OF borrower_id ON messages
    FOR EACH ROW WHEN (OLD.borrower_id IS NOT NULL AND NEW.borrower_id IS NULL)
    EXECUTE FUNCTION messages_forget_borrower();

-- The receipt of a checkout, in the checkout's transaction, when the branch sends receipts: one
-- message for the loans of one checkout, however many statements insert them. Its text is
-- written when it is sent.
CREATE FUNCTION messages_receipt() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
    mid bigint;
BEGIN
    FOR c IN
        SELECT l.checkout_id, l.branch_id, l.borrower_id, min(l.due_date) AS due_date
          FROM lent l
          JOIN message_settings s ON s.branch_id = l.branch_id AND s.receipt
          JOIN borrowers b ON b.id = l.borrower_id AND NOT b.messages_opt_out
         GROUP BY l.checkout_id, l.branch_id, l.borrower_id
    LOOP
        SELECT ml.message_id INTO mid
          FROM loans o JOIN message_loans ml ON ml.loan_id = o.id AND ml.kind = 'receipt'
         WHERE o.checkout_id = c.checkout_id
         LIMIT 1;
        IF mid IS NULL THEN
            INSERT INTO messages (kind, branch_id, borrower_id, due_date)
            VALUES ('receipt', c.branch_id, c.borrower_id, c.due_date)
            RETURNING id INTO mid;
        END IF;
        INSERT INTO message_loans (message_id, loan_id, kind, step, due_date)
        SELECT mid, l.id, 'receipt', 0, l.due_date FROM lent l WHERE l.checkout_id = c.checkout_id
            ON CONFLICT DO NOTHING;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER loans_receipt AFTER INSERT ON loans
    REFERENCING NEW TABLE AS lent
    FOR EACH STATEMENT EXECUTE FUNCTION messages_receipt();
