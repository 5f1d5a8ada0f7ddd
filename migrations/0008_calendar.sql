-- 0007_calendar: when a branch is open. Besides its weekly opening_hours a branch has seasons
-- (named spans of the year with weekly hours of their own: "Sommar 15 jun – 15 aug: tis, tor
-- 16–19") and closed periods (dates it is shut, with a reason: "Julstängt 23 dec – 6 jan"). The
-- closed_dates of 0001 become closed periods of one day each, so every branch is closed on the
-- same days as before.
--
-- The rules live in one function, calendar_spans; everything that asks whether a branch is open
-- on a day (due dates at checkout and renewal, the public site's days ahead, the next opening a
-- reminder names) calls it or the functions below that are built on it. They take the calendar
-- as values, a branch's three columns, so that a query that has the branch row at hand reads
-- nothing more, and a caller may also ask what a calendar not yet saved would say:
--
--     SELECT day, spans FROM branches b,
--            calendar_days(b.opening_hours, b.seasons, b.closed_periods, current_date, current_date + 6)
--      WHERE b.id = $1;
--
-- Days are calendar days of Europe/Stockholm; spans are a day's [["HH:MM", "HH:MM"], ...], [] when
-- the branch is closed. The API (src/api/branches.c) checks the shapes before they are written.

ALTER TABLE branches
    -- [{"name": "Sommar", "from": "06-15", "to": "08-15", "opening_hours": {"tue": [["16:00", "19:00"]]}}]:
    -- from and to are month-days, both included; a season whose from comes after its to wraps the
    -- new year. Where seasons overlap the first listed wins; outside every season opening_hours apply.
    ADD COLUMN seasons jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(seasons) = 'array'),
    -- [{"from": "2026-12-23", "to": "2027-01-06", "reason": "Julstängt"}]: dates, both included,
    -- in order of from; reason may be null. A closed period closes whatever the hours say.
    ADD COLUMN closed_periods jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(closed_periods) = 'array');

UPDATE branches
   SET closed_periods = (SELECT coalesce(jsonb_agg(jsonb_build_object('from', d, 'to', d, 'reason', NULL)
                                                   ORDER BY d), '[]')
                           FROM (SELECT DISTINCT d FROM unnest(closed_dates) d) x);

ALTER TABLE branches DROP COLUMN closed_dates;

-- The [open, close] pairs of a branch on day d: none in a closed period; else the weekday's hours
-- of the first season that covers d, or of the regular week when none does. A weekday that is
-- missing (or not a list) has no hours. One expression, so that PostgreSQL inlines it into the
-- queries that call it: jsonpath walks the lists, comparing ISO dates and month-days as text
-- (and is not asked about an empty list, the usual case).
CREATE FUNCTION calendar_spans(hours jsonb, seasons jsonb, closed jsonb, d date)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN closed <> '[]' AND jsonb_path_exists(closed, '$[*] ? (@.from <= $d && $d <= @.to)',
                                                  jsonb_build_object('d', to_jsonb(d)))
        THEN '[]'::jsonb
        ELSE coalesce(jsonb_path_query_first(
                 coalesce(CASE WHEN seasons <> '[]' THEN jsonb_path_query_first(seasons,
                              '$[*] ? (@.from <= @.to && @.from <= $md && $md <= @.to'
                              '        || @.from > @.to && (@.from <= $md || $md <= @.to))'
                              '.opening_hours',
                              jsonb_build_object('md', to_char(d, 'MM-DD'))) END,
                          hours)
                     -> (ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])[extract(isodow FROM d)::int],
                 'strict $ ? (@.type() == "array")'),
             '[]')
    END
$$;

-- The closed periods of a list that end on or after first and begin on or before last: only
-- those can close a day between, and a branch gathers past ones year by year.
CREATE FUNCTION calendar_closed_between(closed jsonb, first date, last date)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_path_query_array(closed, '$[*] ? (@.to >= $first && @.from <= $last)',
                                  jsonb_build_object('first', to_jsonb(first), 'last', to_jsonb(last)))
$$;

-- The days first to last, each with its spans, in order.
CREATE FUNCTION calendar_days(hours jsonb, seasons jsonb, closed jsonb, first date, last date)
RETURNS TABLE (day date, spans jsonb) LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT first + i, calendar_spans(hours, seasons, c.relevant, first + i)
      FROM (SELECT calendar_closed_between(closed, first, last) AS relevant OFFSET 0) c,
           generate_series(0, last - first) i
     ORDER BY i
$$;

-- The first day on or after d on which the branch is open, looking two years ahead (longer than
-- any year of seasons plus a closed period of a year); NULL when there is none, as for a branch
-- without hours on any weekday of its week or its seasons (which a look at the hours tells once
-- two weeks have found nothing).
CREATE FUNCTION calendar_open_day(hours jsonb, seasons jsonb, closed jsonb, d date)
RETURNS date LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    closed := calendar_closed_between(closed, d, d + 730);
    FOR i IN 0..730 LOOP
        IF calendar_spans(hours, seasons, closed, d + i) <> '[]' THEN
            RETURN d + i;
        END IF;
        IF i = 13 AND NOT jsonb_path_exists(
                jsonb_build_array(hours) || jsonb_path_query_array(seasons, '$[*].opening_hours'),
                'strict $[*].* ? (@.type() == "array" && @.size() > 0)', '{}', true) THEN
            RETURN NULL;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- When the branch opens next as seen at a moment: the moment's day (in Stockholm) while one of
-- its spans has yet to close, else the first open day after it; no row when there is none.
CREATE FUNCTION calendar_next_opening(hours jsonb, seasons jsonb, closed jsonb, after timestamptz)
RETURNS TABLE (day date, spans jsonb) LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.day, calendar_spans(hours, seasons, closed, o.day)
      FROM (SELECT (after AT TIME ZONE 'Europe/Stockholm') AS local) here,
           LATERAL (SELECT CASE
                        WHEN EXISTS (SELECT 1
                                       FROM jsonb_array_elements(calendar_spans(hours, seasons,
                                                                 closed, here.local::date)) s
                                      WHERE (s->>1)::time > here.local::time)
                        THEN here.local::date
                        ELSE calendar_open_day(hours, seasons, closed, here.local::date + 1)
                    END AS day) o
     WHERE o.day IS NOT NULL
$$;
