-- 0015_families: households, and what the statistics need to know about a borrower.
--
-- A child is a borrower linked to a guardian, another borrower of the same branch who is not a
-- child. A child needs no phone of their own: messages about a child's loans go to the guardian
-- (the view borrower_contact says whom to contact). Phone numbers are unique among the adults of
-- a branch; a child may have the guardian's number, or a number of their own, or none.
-- Birth year and gender are for the statistics only. The guardian's consent lets a child borrow
-- from categories with an age rule ("kräver målsmans medgivande under 15 år").

ALTER TABLE borrowers
    ADD COLUMN guardian_id bigint,
    ADD COLUMN birth_year smallint CHECK (birth_year BETWEEN 1900 AND 2100),
    ADD COLUMN gender text CHECK (gender IN ('kvinna', 'man', 'annat', 'ej_angivet')),
    ADD COLUMN guardian_consent boolean NOT NULL DEFAULT false,
    ALTER COLUMN phone DROP NOT NULL,
    ADD CONSTRAINT borrowers_adult_has_phone CHECK (phone IS NOT NULL OR guardian_id IS NOT NULL),
    ADD CONSTRAINT borrowers_not_own_guardian CHECK (guardian_id <> id),
    -- The key the guardian link points at, so that a guardian is always of the child's branch.
    ADD CONSTRAINT borrowers_id_branch UNIQUE (id, branch_id),
    -- No action on delete: a guardian is erased only after their children are erased or moved.
    ADD CONSTRAINT borrowers_guardian FOREIGN KEY (guardian_id, branch_id)
        REFERENCES borrowers (id, branch_id);
CREATE INDEX borrowers_guardian_id ON borrowers (guardian_id) WHERE guardian_id IS NOT NULL;
-- The desk finds "Elsa 2015" by name and birth year, or a birth year alone.
CREATE INDEX borrowers_birth_year ON borrowers (birth_year);

-- Guardians written on a child's row (a name and a number) become borrowers of their own, linked
-- to their children, so that the branch can reach them and the desk can show the family; a
-- number an adult of the branch already has is that adult. What cannot be linked (a guardian
-- without a number, or with the child's own number) is kept in the child's notes.
INSERT INTO borrowers (branch_id, name, phone, created_at, last_activity_at)
SELECT DISTINCT ON (c.branch_id, c.guardian_phone)
       c.branch_id, coalesce(c.guardian_name, 'Vårdnadshavare'), c.guardian_phone, c.created_at,
       c.last_activity_at
  FROM borrowers c
 WHERE c.guardian_phone IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM borrowers a
                    WHERE a.branch_id = c.branch_id AND a.phone = c.guardian_phone)
 ORDER BY c.branch_id, c.guardian_phone, c.last_activity_at DESC, c.id;

UPDATE borrowers c SET guardian_id = a.id
  FROM borrowers a
 WHERE a.branch_id = c.branch_id AND a.phone = c.guardian_phone AND a.id <> c.id
   AND a.guardian_phone IS NULL;

UPDATE borrowers
   SET notes = concat_ws(E'\n', notes, 'Vårdnadshavare: ' || concat_ws(', ', guardian_name, guardian_phone))
 WHERE guardian_id IS NULL AND (guardian_name IS NOT NULL OR guardian_phone IS NOT NULL);

ALTER TABLE borrowers DROP COLUMN guardian_name, DROP COLUMN guardian_phone;

-- Unique among adults only: siblings share their guardian's number.
ALTER TABLE borrowers DROP CONSTRAINT borrowers_branch_id_phone_key;
CREATE UNIQUE INDEX borrowers_adult_phone ON borrowers (branch_id, phone) WHERE guardian_id IS NULL;

-- Whom to contact about a borrower: a child's guardian, anyone else themselves. Every part of
-- hylla that reaches a borrower (reminders, receipts, the desk's lists of whom to call) reads the
-- phone number and address of contact_id, never of borrower_id directly.
CREATE VIEW borrower_contact AS
SELECT b.id AS borrower_id, coalesce(b.guardian_id, b.id) AS contact_id FROM borrowers b;

-- A borrower's age in a year, counted from the birth year alone: the age they turn that year.
CREATE FUNCTION borrower_age(birth_year integer, on_day date) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(year FROM on_day)::integer - birth_year
$$;

-- An age rule per category: borrowers younger than consent_age need their guardian's consent.
-- A category without a rule of its own follows its nearest ancestor's (category_rules).
ALTER TABLE categories
    ADD COLUMN consent_age smallint CHECK (consent_age BETWEEN 1 AND 25),
    -- The source of the impact factors in English; factor_source is the Swedish text.
    ADD COLUMN factor_source_en text;

CREATE VIEW category_rules AS
WITH RECURSIVE line AS (
    SELECT id, parent_id, consent_age, 0 AS depth FROM categories
    UNION ALL
    SELECT l.id, p.parent_id, p.consent_age, l.depth + 1
      FROM line l JOIN categories p ON p.id = l.parent_id
     WHERE l.depth < 32
)
SELECT c.id AS category_id,
       (SELECT l.consent_age FROM line l WHERE l.id = c.id AND l.consent_age IS NOT NULL
         ORDER BY l.depth LIMIT 1) AS consent_age
  FROM categories c;

UPDATE categories
   SET factor_source = 'RISE 2020, utvärdering av Fritidsbanken: ett par utförsskidor för vuxna',
       factor_source_en = 'RISE 2020 evaluation of Fritidsbanken: adult pair of downhill skis'
 WHERE id = 112
   AND factor_source = 'RISE 2020 evaluation of Fritidsbanken: adult pair of downhill skis';

-- Messages about a child's loans go to the guardian: 0014's message_contact, which the reminder
-- planner, the sender and the desk's free text read, now follows borrower_contact. The language
-- is the guardian's; a child opted out (or a guardian opted out) gets nothing.
CREATE OR REPLACE FUNCTION message_contact(b borrowers)
    RETURNS TABLE (phone text, email text, english boolean, opted_out boolean)
    LANGUAGE sql STABLE AS $$
    SELECT c.phone, c.email, c.language = 'en', c.messages_opt_out OR b.messages_opt_out
      FROM borrower_contact bc JOIN borrowers c ON c.id = bc.contact_id
     WHERE bc.borrower_id = b.id
$$;
