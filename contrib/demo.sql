-- contrib/demo.sql: demo data for the first `contrib/run`: two branches of a small network with
-- opening hours, a few hundred items with sizes, some borrowers, and two years of loan history
-- that respects the rules (an item is never on two loans at once; open loans have their item
-- on loan). Deterministic: the same data every time. Phone numbers are from the range PTS keeps
-- for fiction (070-174 06 05 to 070-174 06 99), so no real person is called by mistake.

SET TimeZone = 'Europe/Stockholm';
SELECT setseed(0.42);

INSERT INTO branches (slug, name, municipality, address, phone, email, latitude, longitude,
                      opening_hours, seasons, closed_periods, code_prefix, notice)
VALUES
    ('deje', 'Fritidsbanken Deje', 'Forshaga', 'Storgatan 12, 669 31 Deje',
     '+4654174060', 'deje@example.org', 59.6043, 13.4723,
     '{"tue": [["15:00", "18:00"]], "thu": [["15:00", "19:00"]], "sat": [["10:00", "13:00"]]}',
     '[{"name": "Sommar", "from": "06-15", "to": "08-15",
        "opening_hours": {"tue": [["16:00", "19:00"]], "thu": [["16:00", "19:00"]]}}]',
     '[{"from": "2026-12-23", "to": "2027-01-06", "reason": "Julstängt"}]',
     'DEJ', NULL),
    ('forshaga', 'Fritidsbanken Forshaga', 'Forshaga', 'Älvgatan 3, 667 30 Forshaga',
     '+4654174061', 'forshaga@example.org', 59.5284, 13.4797,
     '{"mon": [["14:00", "18:00"]], "wed": [["14:00", "18:00"]], "fri": [["12:00", "17:00"]], "sat": [["10:00", "14:00"]]}',
     '[]',
     '[{"from": "2026-12-24", "to": "2026-12-26", "reason": "Jul"},
       {"from": "2026-12-31", "to": "2027-01-01", "reason": "Nyår"}]',
     'FOR', 'Vi har fått in många längdskidor i barnstorlekar!');

CREATE TEMP TABLE demo_models (category int, name text, brand text, size_kind text,
                               sizes numeric[], size_texts text[], copies int);
INSERT INTO demo_models VALUES
    (111, 'Längdskidor', 'Fischer', 'length_cm', '{120,130,140,150,160,170,180,190,200}', NULL, 4),
    (111, 'Längdskidor klassiska', 'Madshus', 'length_cm', '{150,160,170,185,195}', NULL, 2),
    (112, 'Slalomskidor', 'Atomic', 'length_cm', '{100,120,140,150,160,170}', NULL, 3),
    (113, 'Slalompjäxor', 'Salomon', 'shoe_eu', '{30,32,34,36,38,40,42,44}', NULL, 2),
    (114, 'Längdpjäxor', 'Alpina', 'shoe_eu', '{28,30,32,34,36,38,40,42,44,46}', NULL, 2),
    (115, 'Skidstavar', 'Swix', 'length_cm', '{80,90,100,110,120,130,140,150}', NULL, 2),
    (121, 'Hockeyskridskor', 'Bauer', 'shoe_eu', '{28,30,32,34,36,38,40,42,44,45}', NULL, 3),
    (122, 'Konståkningsskridskor', 'Graf', 'shoe_eu', '{28,30,32,34,36,38,40}', NULL, 2),
    (123, 'Långfärdsskridskor', 'Lundhags', 'shoe_eu', '{38,40,42,44}', NULL, 2),
    (13, 'Snowboard', 'Burton', 'length_cm', '{110,130,145,155}', NULL, 1),
    (14, 'Skidhjälm', 'POC', 'head_cm', '{48,52,54,56,58,60}', NULL, 3),
    (15, 'Pulka', 'Stiga', NULL, NULL, NULL, 6),
    (17, 'Hockeyhandskar', 'CCM', 'clothing', NULL, '{"Junior","Senior"}', 2),
    (21, 'Tält 2 personer', 'Fjällräven', 'other', NULL, '{"2 personer"}', 3),
    (21, 'Tält 4 personer', 'Hilleberg', 'other', NULL, '{"4 personer"}', 2),
    (22, 'Sovsäck', 'Haglöfs', 'length_cm', '{150,180,200}', NULL, 3),
    (23, 'Liggunderlag', 'Thermarest', 'length_cm', '{180}', NULL, 4),
    (24, 'Ryggsäck 40 l', 'Osprey', 'other', NULL, '{"40 l"}', 3),
    (25, 'Stormkök', 'Trangia', NULL, NULL, NULL, 4),
    (31, 'Flytväst', 'Baltic', 'clothing', NULL, '{"10–20 kg","20–30 kg","30–40 kg","40–50 kg","50+ kg"}', 3),
    (32, 'Kanot', 'Linder', 'length_cm', '{470}', NULL, 1),
    (33, 'Paddel', 'Lettmann', 'length_cm', '{140,210,220}', NULL, 2),
    (34, 'SUP-bräda', 'Red Paddle', 'length_cm', '{320}', NULL, 1),
    (41, 'Fotboll', 'Select', 'other', NULL, '{"storlek 4","storlek 5"}', 3),
    (42, 'Fotbollsskor', 'Adidas', 'shoe_eu', '{30,32,34,36,38,40,42}', NULL, 2),
    (43, 'Innebandyklubba', 'Unihoc', 'length_cm', '{75,87,96,100}', NULL, 3),
    (44, 'Badmintonracket', 'Yonex', NULL, NULL, NULL, 4),
    (51, 'Cykel', 'Crescent', 'wheel_in', '{26,28}', NULL, 2),
    (52, 'Barncykel', 'Skeppshult', 'wheel_in', '{16,20,24}', NULL, 2),
    (53, 'Cykelhjälm', 'Giro', 'head_cm', '{48,52,54,56,58}', NULL, 2),
    (61, 'Sparkcykel', 'Micro', NULL, NULL, NULL, 3),
    (62, 'Balanscykel', 'Puky', 'wheel_in', '{12}', NULL, 2),
    (71, 'Inlines', 'Rollerblade', 'shoe_eu', '{30,33,36,38,40,42,44}', NULL, 1),
    (72, 'Skateboard', 'Globe', NULL, NULL, NULL, 2),
    (74, 'Rullskidor', 'Swenor', 'length_cm', '{70}', NULL, 1);

-- Items: every model in every size, a few copies, at both branches; codes PREFIX-NNNNN.
WITH made AS (
    SELECT b.id AS branch_id, b.code_prefix, m.*, s.size_num, s.size_text,
           row_number() OVER (PARTITION BY b.id ORDER BY m.category, m.name, s.size_num,
                                                      s.size_text, c.copy) AS n
      FROM branches b
     CROSS JOIN demo_models m
     CROSS JOIN LATERAL (
            SELECT unnest(m.sizes) AS size_num, NULL::text AS size_text WHERE m.sizes IS NOT NULL
            UNION ALL
            SELECT NULL, unnest(m.size_texts) WHERE m.size_texts IS NOT NULL
            UNION ALL
            SELECT NULL, NULL WHERE m.sizes IS NULL AND m.size_texts IS NULL) s
     CROSS JOIN LATERAL generate_series(1, m.copies) c(copy)
     WHERE random() < 0.62
)
INSERT INTO items (code, branch_id, category_id, name, brand, size_kind, size_num, size_text,
                   condition, status, donated_on, created_at)
SELECT code_prefix || '-' || lpad(n::text, 5, '0'), branch_id, category, name, brand,
       size_kind, size_num, size_text,
       (ARRAY['new', 'good', 'good', 'good', 'worn', 'worn'])[1 + floor(random() * 6)::int],
       'available',
       current_date - 730 - floor(random() * 200)::int,
       now() - interval '930 days'
  FROM made;

UPDATE branches b SET next_item_no = 1 + (SELECT count(*) FROM items i WHERE i.branch_id = b.id);

-- Borrowers with invented names and fiction-range phone numbers.
WITH first_names(i, name) AS (
    SELECT row_number() OVER (), n FROM unnest(ARRAY['Anna', 'Erik', 'Maja', 'Lars', 'Elsa',
        'Karl', 'Alva', 'Nils', 'Ebba', 'Oskar', 'Saga', 'Hugo', 'Wilma', 'Liam', 'Freja',
        'Olle', 'Tilde', 'Sixten', 'Ines', 'Melvin']) n),
     last_names(i, name) AS (
    SELECT row_number() OVER (), n FROM unnest(ARRAY['Andersson', 'Johansson', 'Karlsson',
        'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson', 'Gustafsson',
        'Lindqvist', 'Berg', 'Holm', 'Sandberg', 'Ek']) n)
INSERT INTO borrowers (branch_id, name, phone, accepted_terms_at, created_at)
SELECT CASE WHEN g % 3 = 0 THEN 2 ELSE 1 END,
       f.name || ' ' || l.name,
       '+467017406' || lpad((5 + g)::text, 2, '0'),
       now() - interval '800 days' + g * interval '3 days',
       now() - interval '800 days' + g * interval '3 days'
  FROM generate_series(0, 59) g
  JOIN first_names f ON f.i = 1 + g % 20
  JOIN last_names l ON l.i = 1 + (g * 7) % 15;

-- Birth years and genders, for the statistics (some not given).
UPDATE borrowers
   SET birth_year = CASE WHEN id % 9 = 0 THEN NULL ELSE 1942 + (id * 37) % 64 END,
       gender = (ARRAY['kvinna', 'man', 'kvinna', 'man', 'annat', 'ej_angivet', NULL])[1 + id % 7];

-- Children, registered by a guardian with a name and a birth year: two for every third adult,
-- no phone of their own; half of them with the guardian's consent for gear with an age limit.
WITH guardians AS (
    SELECT id, branch_id, name, accepted_terms_at, created_at, row_number() OVER (ORDER BY id) AS n
      FROM borrowers WHERE id % 3 = 1),
     child_names(i, name) AS (
    SELECT row_number() OVER (), n FROM unnest(ARRAY['Elsa', 'Olle', 'Vera', 'Ture', 'Stina',
        'Malte', 'Greta', 'Ivar', 'Siri', 'Folke']) n)
INSERT INTO borrowers (branch_id, name, birth_year, gender, guardian_id, guardian_consent,
                       accepted_terms_at, created_at)
SELECT g.branch_id, c.name || ' ' || split_part(g.name, ' ', 2),
       extract(year FROM now())::int - 2 - (g.n * 3 + k * 7) % 17,
       CASE WHEN (g.n + k) % 5 = 0 THEN NULL WHEN (g.n + k) % 2 = 0 THEN 'kvinna' ELSE 'man' END,
       g.id, (g.n + k) % 2 = 0, g.accepted_terms_at, g.created_at
  FROM guardians g CROSS JOIN generate_series(1, 2) k
  JOIN child_names c ON c.i = 1 + (g.n * 2 + k) % 10;

-- Paddling needs a guardian's consent under 15.
UPDATE categories SET consent_age = 15 WHERE id = 3;
UPDATE borrowers SET blocked = true, blocked_reason = 'Har inte lämnat tillbaka en kanot'
 WHERE id = 13;

-- Two years of loans: for each item a chain of loans and pauses, so loans never overlap. Loans
-- start at the branch's opening time on open days; the newest may still be out (some overdue).
-- The chains are planned in a temporary table and written in one statement each, so the
-- statistics triggers run once rather than once per loan.
CREATE TEMP TABLE demo_loans (seq serial, item_id bigint, branch_id int, category_id int,
                              borrower bigint, t timestamptz, due date, returned timestamptz);
DO $$
DECLARE
    it record;
    t timestamptz;
    length_days int;
    due date;
    borrower bigint;
    returned timestamptz;
    opens jsonb;
BEGIN
    FOR it IN SELECT i.id, i.branch_id, i.category_id, b.opening_hours, b.seasons, b.closed_periods
                FROM items i JOIN branches b ON b.id = i.branch_id ORDER BY i.id LOOP
        t := date_trunc('day', now() - interval '730 days') + floor(random() * 60) * interval '1 day';
        WHILE t < now() - interval '1 day' LOOP
            -- Move to an open day of the branch (by its calendar) and to its opening hour.
            t := calendar_open_day(it.opening_hours, it.seasons, it.closed_periods, t::date);
            opens := calendar_spans(it.opening_hours, it.seasons, it.closed_periods, t::date) -> 0;
            t := date_trunc('day', t) + (opens ->> 0)::time
                 + floor(random() * 150) * interval '1 minute';
            EXIT WHEN t > now() - interval '2 hours';

            length_days := 3 + floor(random() * 14)::int + CASE WHEN random() < 0.08 THEN 10 ELSE 0 END;
            due := calendar_open_day(it.opening_hours, it.seasons, it.closed_periods,
                                     (t + interval '14 days')::date);
            SELECT id INTO borrower FROM borrowers
             WHERE branch_id = it.branch_id AND created_at < t AND NOT blocked
             ORDER BY random() LIMIT 1;
            EXIT WHEN borrower IS NULL;
            returned := t + length_days * interval '1 day' + floor(random() * 180) * interval '1 minute';

            INSERT INTO demo_loans (item_id, branch_id, category_id, borrower, t, due, returned)
            VALUES (it.id, it.branch_id, it.category_id, borrower, t, due, returned);
            EXIT WHEN returned >= now();
            t := returned + (1 + floor(random() * 45)) * interval '1 day';
        END LOOP;
    END LOOP;
END
$$;

-- Two years of loans at once are a bulk load: the triggers on loans rest, the loans are written
-- with what they would have filled in (the borrower's birth year and gender), and
-- stats_rebuild() makes the statistics once, as README says a bulk load should.
INSERT INTO checkouts (id, branch_id, borrower_id, created_at) OVERRIDING SYSTEM VALUE
SELECT seq, branch_id, borrower, t FROM demo_loans ORDER BY seq;
SELECT setval(pg_get_serial_sequence('checkouts', 'id'), (SELECT max(id) FROM checkouts));
ALTER TABLE loans DISABLE TRIGGER USER;
INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id, borrower_ref,
                   checked_out_at, due_date, returned_at, borrower_birth_year, borrower_gender)
SELECT d.seq, d.item_id, d.branch_id, d.category_id, d.borrower, d.borrower, d.t, d.due,
       CASE WHEN d.returned < now() THEN d.returned END, b.birth_year, b.gender
  FROM demo_loans d JOIN borrowers b ON b.id = d.borrower ORDER BY d.seq;
ALTER TABLE loans ENABLE TRIGGER USER;
UPDATE items SET status = 'on_loan'
 WHERE id IN (SELECT item_id FROM loans WHERE returned_at IS NULL);
SELECT stats_rebuild();

-- A few items in repair and a few fresh donations not yet on the shelf.
UPDATE items SET status = 'repair', condition = 'needs_repair'
 WHERE status = 'available' AND id % 41 = 0;
UPDATE items SET status = 'intake', donated_on = current_date - (id % 5)::int
 WHERE status = 'available' AND id % 53 = 0;

UPDATE borrowers br SET last_activity_at = coalesce(
    (SELECT max(coalesce(returned_at, checked_out_at)) FROM loans l WHERE l.borrower_id = br.id),
    br.created_at);

DROP TABLE demo_models, demo_loans;
ANALYZE;
