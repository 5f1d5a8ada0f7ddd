// hours: a branch's opening hours as a borrower asks about them: is it open now, when does it
// close or open next, and what does the week look like. Pure functions over the public API's
// branch ({today, days, next_open, closed_periods}): the server's calendar has already resolved
// the weekly hours, seasons and closed periods into the spans of each day, so that the page, the
// tests and every other reader agree on them without working them out again; these functions
// only read the spans against the clock. Dates are ISO strings (YYYY-MM-DD) of Europe/Stockholm,
// times "HH:MM" of the wall clock there.

/** The ISO date n days after iso. */
export function addDays(iso, n) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The [open, close] pairs of a date among the branch's days: none when closed or not listed. */
export function spansOn(branch, iso) {
  return (branch.days || []).find((day) => day.date === iso)?.spans || [];
}

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A time in words, the Swedish way in both languages: "18", "17.30". */
export function clockText(hhmm) {
  return hhmm.endsWith(':00') ? String(Number(hhmm.slice(0, 2))) : `${Number(hhmm.slice(0, 2))}.${hhmm.slice(3)}`;
}

/** Spans in words: "15–18", "10.30–14, 17–19". */
export function spansText(spans) {
  return spans.map(([open, close]) => `${clockText(open)}–${clockText(close)}`).join(', ');
}

/** 01:00 UTC on the last Sunday of a month (0-based) of a year, as a time value. */
function lastSundayOneUtc(year, month) {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}

/**
 * The date and the minutes since midnight of an instant on the wall clocks of Stockholm: UTC+1,
 * and UTC+2 from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October,
 * the summer time of every EU country (directive 2000/84/EC). Worked out here rather than by
 * Intl's time zones, whose first formatter costs the page tens of milliseconds before it can
 * draw; public_site.test.mjs holds it to Intl's Europe/Stockholm across four decades.
 */
export function stockholmNow(now = new Date()) {
  const t = now.getTime();
  const year = now.getUTCFullYear();
  const summer = t >= lastSundayOneUtc(year, 2) && t < lastSundayOneUtc(year, 9);
  const wall = new Date(t + (summer ? 2 : 1) * 3600 * 1000);
  return { date: wall.toISOString().slice(0, 10), minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}

/**
 * Whether the branch is open at the instant now, by its days:
 *   { open: true, closes: { date, time } }: until when (a span that closes at 24:00 and one that
 *     opens at 00:00 the next day are one opening);
 *   { open: false, opens: { date, time } }: when it opens next, later today or on a later day
 *     (beyond the days listed: next_open, when it comes after now);
 *   { open: false, opens: null }: it opens on no day the answer knows of.
 * A span is open from its first minute up to, not including, its closing minute.
 */
export function openState(branch, now = new Date()) {
  const here = stockholmNow(now);
  const today = spansOn(branch, here.date);
  const current = today.find(([open, close]) => minutes(open) <= here.minutes && here.minutes < minutes(close));
  if (current) {
    let closes = { date: here.date, time: current[1] };
    while (closes.time === '24:00') {
      const next = addDays(closes.date, 1);
      const first = spansOn(branch, next)[0];
      if (!first || first[0] !== '00:00') break;
      closes = { date: next, time: first[1] };
    }
    return { open: true, closes };
  }
  const later = today.find(([open]) => minutes(open) > here.minutes);
  if (later) return { open: false, opens: { date: here.date, time: later[0] } };
  const day = (branch.days || []).find((d) => d.date > here.date && d.spans.length);
  const next = day || (branch.next_open?.date > here.date ? branch.next_open : null);
  return { open: false, opens: next ? { date: next.date, time: next.spans[0][0] } : null };
}

/**
 * The n days from the date of now on, as the answer lists them: [{ date, spans, closed }], where
 * closed is the closed period that covers a day without hours (its reason may be null), or null.
 * Days beyond the answer are left out.
 */
export function weekDays(branch, now = new Date(), n = 7) {
  const first = stockholmNow(now).date;
  const periods = branch.closed_periods || [];
  return (branch.days || [])
    .filter((d) => d.date >= first)
    .slice(0, n)
    .map((d) => ({
      ...d,
      closed: d.spans.length ? null : periods.find((p) => p.from <= d.date && d.date <= p.to) || null,
    }));
}
