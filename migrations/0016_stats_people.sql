-- 0016_stats_people: loans and unique borrowers by age band and by gender, for the follow-up a
-- municipality asks for ("how many children and young people, girls and boys, borrowed"), per
-- period, branch and category, read from rollups as every other figure is.
--
-- A loan keeps its borrower's birth year and gender (borrower_birth_year, borrower_gender), set
-- when it is lent and again whenever the borrower's are corrected, and kept when the borrower is
-- erased: numbers without a name, so that an erased borrower's past loans stay in their bands and
-- every past period keeps its figures. Age is the age at the loan's date, counted from the birth
-- year alone (borrower_age: the age the borrower turns that year).
--
-- The groups (stats_people_groups) are the age bands 0-6, 7-12, 13-19, 20-64, 65+ and unknown,
-- and the genders kvinna, man, annat, ej_angivet and unknown, each with a code; code 0 is
-- everyone. Every loan counts in the groups of its band and its gender, at its branch and in the
-- network (branch_id 0), in its category and in every category (category_id 0). Loans per group
-- and day or month are plain counters (stats_people_day, stats_people_month). Unique borrowers of
-- any period are counted as stats_borrower_day and its gaps count them for a branch (see
-- 0006_stats.sql), here per (branch, category, group): stats_people_borrower_day holds the days a
-- borrower borrowed in a group, each a point (day, prev_day); a first day counts in firsts of the
-- day and month tables, any other in stats_people_gap and stats_people_gap_month with running
-- sums, so a period costs one probe per whole month and per day around them, per group.
--
-- The rollups are kept by stats_apply_loans, which now also calls stats_apply_people, and
-- recomputed by stats_rebuild, which now also calls stats_rebuild_people; whatever writes loans
-- (or corrects a borrower) keeps them exact.

ALTER TABLE loans
    ADD COLUMN borrower_birth_year smallint,
    ADD COLUMN borrower_gender text
        CHECK (borrower_gender IN ('kvinna', 'man', 'annat', 'ej_angivet'));

-- Loans lent before this migration take their borrower's as they are now (the loans of borrowers
-- erased before it stay unknown), before the statistics learn the new columns below.
UPDATE loans l SET borrower_birth_year = b.birth_year, borrower_gender = b.gender
  FROM borrowers b
 WHERE b.id = l.borrower_id AND (b.birth_year IS NOT NULL OR b.gender IS NOT NULL);

-- A loan is lent with its borrower's birth year and gender, whatever writes it.
CREATE FUNCTION loans_borrower_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.borrower_id IS NOT NULL THEN
        SELECT b.birth_year, b.gender INTO NEW.borrower_birth_year, NEW.borrower_gender
          FROM borrowers b WHERE b.id = NEW.borrower_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER loans_borrower_people BEFORE INSERT ON loans
    FOR EACH ROW EXECUTE FUNCTION loans_borrower_people();

-- A corrected birth year or gender applies to the borrower's loans, past ones too.
CREATE FUNCTION borrowers_people_corrected() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE loans SET borrower_birth_year = NEW.birth_year, borrower_gender = NEW.gender
     WHERE borrower_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER borrowers_people_corrected AFTER UPDATE OF birth_year, gender ON borrowers
    FOR EACH ROW
    WHEN (OLD.birth_year IS DISTINCT FROM NEW.birth_year OR OLD.gender IS DISTINCT FROM NEW.gender)
    EXECUTE FUNCTION borrowers_people_corrected();

-- The groups the report shows, in order: the API names them by key.
CREATE TABLE stats_people_groups (
    code      smallint PRIMARY KEY CHECK (code BETWEEN 1 AND 15),
    dimension text NOT NULL CHECK (dimension IN ('age_band', 'gender')),
    key       text NOT NULL,
    UNIQUE (dimension, key)
);
INSERT INTO stats_people_groups (code, dimension, key) VALUES
    (1, 'age_band', '0-6'), (2, 'age_band', '7-12'), (3, 'age_band', '13-19'),
    (4, 'age_band', '20-64'), (5, 'age_band', '65+'), (6, 'age_band', 'unknown'),
    (9, 'gender', 'kvinna'), (10, 'gender', 'man'), (11, 'gender', 'annat'),
    (12, 'gender', 'ej_angivet'), (13, 'gender', 'unknown');

-- The code of the age band of a birth year on a day (6: unknown), and of a gender (13: unknown).
CREATE FUNCTION stats_age_band_code(birth_year integer, on_day date) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN birth_year IS NULL THEN 6
                 WHEN borrower_age(birth_year, on_day) <= 6 THEN 1
                 WHEN borrower_age(birth_year, on_day) <= 12 THEN 2
                 WHEN borrower_age(birth_year, on_day) <= 19 THEN 3
                 WHEN borrower_age(birth_year, on_day) <= 64 THEN 4
                 ELSE 5 END)::smallint
$$;

CREATE FUNCTION stats_gender_code(gender text) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE gender WHEN 'kvinna' THEN 9 WHEN 'man' THEN 10 WHEN 'annat' THEN 11
                        WHEN 'ej_angivet' THEN 12 ELSE 13 END)::smallint
$$;

-- What a loan contributes now carries its groups too (and, as since 0011, a loan closed as lost
-- is no return).
ALTER TYPE stats_loan_change ADD ATTRIBUTE band smallint, ADD ATTRIBUTE gender smallint;

CREATE OR REPLACE FUNCTION stats_loan_facts(sign integer, l loans) RETURNS stats_loan_change
LANGUAGE sql STABLE AS $$
    SELECT ROW(sign, l.item_id, l.branch_id, l.category_id, l.borrower_ref,
               (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date,
               CASE WHEN NOT l.lost THEN (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date END,
               CASE WHEN NOT l.lost
                    THEN (l.returned_at AT TIME ZONE 'Europe/Stockholm')::date > l.due_date END,
               CASE WHEN NOT l.lost
                    THEN round(extract(epoch FROM l.returned_at - l.checked_out_at))::bigint END,
               stats_age_band_code(l.borrower_birth_year,
                                   (l.checked_out_at AT TIME ZONE 'Europe/Stockholm')::date),
               stats_gender_code(l.borrower_gender)
              )::stats_loan_change
$$;

-- The scopes a loan counts in: its branch and the network, its category and all, everyone (code
-- 0), its band and its gender.
CREATE FUNCTION stats_people_scopes(c stats_loan_change)
RETURNS TABLE (branch_id integer, category_id integer, code smallint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT b, k, g
      FROM unnest(ARRAY[0, c.branch_id]) b, unnest(ARRAY[0, c.category_id]) k,
           unnest(ARRAY[0, c.band, c.gender]::smallint[]) g
$$;

CREATE TABLE stats_people_day (
    branch_id   integer NOT NULL,
    category_id integer NOT NULL,
    code        smallint NOT NULL,
    day         date NOT NULL,
    loans       integer NOT NULL DEFAULT 0,
    firsts      integer NOT NULL DEFAULT 0,    -- borrowing in the scope for the first time ever
    PRIMARY KEY (branch_id, category_id, code, day) INCLUDE (loans, firsts)
);

CREATE TABLE stats_people_month (
    branch_id   integer NOT NULL,
    category_id integer NOT NULL,
    code        smallint NOT NULL,
    month       date NOT NULL,                 -- the first day of the month
    loans       integer NOT NULL DEFAULT 0,
    firsts      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (branch_id, category_id, code, month) INCLUDE (loans, firsts)
);

CREATE TABLE stats_people_borrower_day (
    branch_id    integer NOT NULL,
    category_id  integer NOT NULL,
    code         smallint NOT NULL,
    borrower_ref bigint NOT NULL,
    day          date NOT NULL,
    loans        integer NOT NULL,             -- rows that reach 0 are deleted
    PRIMARY KEY (branch_id, category_id, code, borrower_ref, day)
);

CREATE TABLE stats_people_gap (
    branch_id   integer NOT NULL,
    category_id integer NOT NULL,
    code        smallint NOT NULL,
    day         date NOT NULL,
    prev_day    date NOT NULL,
    borrowers   integer NOT NULL,              -- rows that reach 0 are deleted
    running     integer NOT NULL,              -- sum of borrowers of this day's rows to prev_day
    PRIMARY KEY (branch_id, category_id, code, day, prev_day) INCLUDE (running)
);

CREATE TABLE stats_people_gap_month (
    branch_id   integer NOT NULL,
    category_id integer NOT NULL,
    code        smallint NOT NULL,
    month       date NOT NULL,
    prev_day    date NOT NULL,
    borrowers   integer NOT NULL,
    running     integer NOT NULL,
    PRIMARY KEY (branch_id, category_id, code, month, prev_day) INCLUDE (running)
);

-- Add delta points (d, prev) of a scope, as stats_gap_add does for a branch.
CREATE FUNCTION stats_people_gap_add(b integer, k integer, g smallint, d date, prev date,
                                     delta integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', d::timestamp)::date;
BEGIN
    IF prev = '-infinity' THEN
        INSERT INTO stats_people_day AS s (branch_id, category_id, code, day, firsts)
        VALUES (b, k, g, d, delta)
        ON CONFLICT (branch_id, category_id, code, day)
        DO UPDATE SET firsts = s.firsts + delta;
        INSERT INTO stats_people_month AS s (branch_id, category_id, code, month, firsts)
        VALUES (b, k, g, m, delta)
        ON CONFLICT (branch_id, category_id, code, month)
        DO UPDATE SET firsts = s.firsts + delta;
        RETURN;
    END IF;

    INSERT INTO stats_people_gap AS p (branch_id, category_id, code, day, prev_day, borrowers,
                                       running)
    VALUES (b, k, g, d, prev, delta,
            delta + coalesce((SELECT x.running FROM stats_people_gap x
                               WHERE (x.branch_id, x.category_id, x.code, x.day) = (b, k, g, d)
                                 AND x.prev_day < prev
                               ORDER BY x.prev_day DESC LIMIT 1), 0))
    ON CONFLICT (branch_id, category_id, code, day, prev_day)
    DO UPDATE SET borrowers = p.borrowers + delta, running = p.running + delta;
    UPDATE stats_people_gap SET running = running + delta
     WHERE (branch_id, category_id, code, day) = (b, k, g, d) AND prev_day > prev;
    DELETE FROM stats_people_gap
     WHERE (branch_id, category_id, code, day, prev_day) = (b, k, g, d, prev) AND borrowers = 0;

    INSERT INTO stats_people_gap_month AS p (branch_id, category_id, code, month, prev_day,
                                             borrowers, running)
    VALUES (b, k, g, m, prev, delta,
            delta + coalesce((SELECT x.running FROM stats_people_gap_month x
                               WHERE (x.branch_id, x.category_id, x.code, x.month) = (b, k, g, m)
                                 AND x.prev_day < prev
                               ORDER BY x.prev_day DESC LIMIT 1), 0))
    ON CONFLICT (branch_id, category_id, code, month, prev_day)
    DO UPDATE SET borrowers = p.borrowers + delta, running = p.running + delta;
    UPDATE stats_people_gap_month SET running = running + delta
     WHERE (branch_id, category_id, code, month) = (b, k, g, m) AND prev_day > prev;
    DELETE FROM stats_people_gap_month
     WHERE (branch_id, category_id, code, month, prev_day) = (b, k, g, m, prev)
       AND borrowers = 0;
END
$$;

-- Apply a set of loan changes to the people rollups. Runs inside stats_apply_loans, after it has
-- queued the changes' borrowers (their advisory locks, or the table lock for many), which keeps
-- each borrower's days here steady until commit as well.
CREATE FUNCTION stats_apply_people(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    now_loans integer;
    prev date;
    nxt date;
BEGIN
    IF coalesce(cardinality(ch), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO stats_people_day AS s (branch_id, category_id, code, day, loans)
    SELECT p.branch_id, p.category_id, p.code, c.out_day, sum(c.sign)
      FROM unnest(ch) c, LATERAL stats_people_scopes(c) p
     GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, day) DO UPDATE SET loans = s.loans + excluded.loans;

    INSERT INTO stats_people_month AS s (branch_id, category_id, code, month, loans)
    SELECT p.branch_id, p.category_id, p.code, date_trunc('month', c.out_day::timestamp)::date,
           sum(c.sign)
      FROM unnest(ch) c, LATERAL stats_people_scopes(c) p
     GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (branch_id, category_id, code, month)
    DO UPDATE SET loans = s.loans + excluded.loans;

    FOR r IN SELECT p.branch_id AS b, p.category_id AS k, p.code AS g, c.borrower_ref AS ref,
                    c.out_day AS day, sum(c.sign)::integer AS n
               FROM unnest(ch) c, LATERAL stats_people_scopes(c) p
              GROUP BY 1, 2, 3, 4, 5
             HAVING sum(c.sign) <> 0
              ORDER BY 1, 2, 3, 4, 5 LOOP
        INSERT INTO stats_people_borrower_day AS s (branch_id, category_id, code, borrower_ref,
                                                    day, loans)
        VALUES (r.b, r.k, r.g, r.ref, r.day, r.n)
        ON CONFLICT (branch_id, category_id, code, borrower_ref, day)
        DO UPDATE SET loans = s.loans + r.n
        RETURNING s.loans INTO now_loans;
        IF (now_loans - r.n = 0) <> (now_loans = 0) THEN
            SELECT max(day) INTO prev FROM stats_people_borrower_day
             WHERE (branch_id, category_id, code, borrower_ref) = (r.b, r.k, r.g, r.ref)
               AND day < r.day;
            SELECT min(day) INTO nxt FROM stats_people_borrower_day
             WHERE (branch_id, category_id, code, borrower_ref) = (r.b, r.k, r.g, r.ref)
               AND day > r.day;
            prev := coalesce(prev, '-infinity');
            IF now_loans > 0 THEN           -- the day became a borrowing day
                PERFORM stats_people_gap_add(r.b, r.k, r.g, r.day, prev, 1);
                IF nxt IS NOT NULL THEN
                    PERFORM stats_people_gap_add(r.b, r.k, r.g, nxt, prev, -1);
                    PERFORM stats_people_gap_add(r.b, r.k, r.g, nxt, r.day, 1);
                END IF;
            ELSE                            -- the day is one no more
                DELETE FROM stats_people_borrower_day
                 WHERE (branch_id, category_id, code, borrower_ref, day)
                       = (r.b, r.k, r.g, r.ref, r.day);
                PERFORM stats_people_gap_add(r.b, r.k, r.g, r.day, prev, -1);
                IF nxt IS NOT NULL THEN
                    PERFORM stats_people_gap_add(r.b, r.k, r.g, nxt, r.day, -1);
                    PERFORM stats_people_gap_add(r.b, r.k, r.g, nxt, prev, 1);
                END IF;
            END IF;
        END IF;
    END LOOP;
END
$$;

-- Recompute the people rollups from loans, as stats_apply_people would have left them.
CREATE FUNCTION stats_rebuild_people() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE loans IN SHARE MODE;
    TRUNCATE stats_people_day, stats_people_month, stats_people_borrower_day, stats_people_gap,
             stats_people_gap_month;

    INSERT INTO stats_people_borrower_day (branch_id, category_id, code, borrower_ref, day, loans)
    SELECT p.branch_id, p.category_id, p.code, f.borrower_ref, f.out_day, count(*)
      FROM loans l, LATERAL stats_loan_facts(1, l) f, LATERAL stats_people_scopes(f) p
     GROUP BY 1, 2, 3, 4, 5
     ORDER BY 1, 2, 3, 4, 5;

    CREATE TEMP TABLE stats_rebuild_people_points ON COMMIT DROP AS
    SELECT branch_id, category_id, code, day, loans,
           lag(day) OVER (PARTITION BY branch_id, category_id, code, borrower_ref ORDER BY day)
               AS prev_day
      FROM stats_people_borrower_day;

    INSERT INTO stats_people_day (branch_id, category_id, code, day, loans, firsts)
    SELECT branch_id, category_id, code, day, sum(loans), count(*) FILTER (WHERE prev_day IS NULL)
      FROM stats_rebuild_people_points GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

    INSERT INTO stats_people_month (branch_id, category_id, code, month, loans, firsts)
    SELECT branch_id, category_id, code, date_trunc('month', day::timestamp)::date, sum(loans),
           sum(firsts)
      FROM stats_people_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

    INSERT INTO stats_people_gap (branch_id, category_id, code, day, prev_day, borrowers, running)
    SELECT branch_id, category_id, code, day, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, category_id, code, day ORDER BY prev_day)
      FROM (SELECT branch_id, category_id, code, day, prev_day, count(*)::integer AS n
              FROM stats_rebuild_people_points WHERE prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) g
     ORDER BY 1, 2, 3, 4, 5;

    INSERT INTO stats_people_gap_month (branch_id, category_id, code, month, prev_day, borrowers,
                                        running)
    SELECT branch_id, category_id, code, month, prev_day, n,
           sum(n) OVER (PARTITION BY branch_id, category_id, code, month ORDER BY prev_day)
      FROM (SELECT branch_id, category_id, code, date_trunc('month', day::timestamp)::date AS month,
                   prev_day, count(*)::integer AS n
              FROM stats_rebuild_people_points WHERE prev_day IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) g
     ORDER BY 1, 2, 3, 4, 5;

    DROP TABLE stats_rebuild_people_points;
END
$$;

-- Both functions keep their names for whoever calls them (triggers, bulk loads, tests); what
-- they did before is what they do first.
ALTER FUNCTION stats_apply_loans(stats_loan_change[]) RENAME TO stats_apply_counts;
CREATE FUNCTION stats_apply_loans(ch stats_loan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply_counts(ch);
    PERFORM stats_apply_people(ch);
END
$$;

ALTER FUNCTION stats_rebuild() RENAME TO stats_rebuild_counts;
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_rebuild_counts();
    PERFORM stats_rebuild_people();
END
$$;

SELECT stats_rebuild_people();
