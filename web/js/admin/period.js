// period: dates and periods of the statistics page, in words of the current language. Dates are
// ISO strings "YYYY-MM-DD" throughout (what the API takes and answers) and are handled as UTC
// midnights, so no local clock or summer time can move them by a day. "Today" is today in
// Stockholm, as the server counts days.
import { locale, t } from '../i18n.js';

export const PRESETS = ['this-year', 'last-year', 'last-12-months', 'this-month', 'custom'];
export const UNITS = ['day', 'week', 'month', 'year'];

/** The server's limits on a period's length in days (src/api/stats.c), per chart unit. */
export const MAX_DAYS = { day: 732, week: 20 * 366, month: 50 * 366, year: 50 * 366 };

const DAY_MS = 86400000;

/** Whether text is a real date written YYYY-MM-DD. */
export function isIsoDate(text) {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

export const toDate = (iso) => new Date(`${iso}T00:00:00Z`);
export const toIso = (d) => d.toISOString().slice(0, 10);

/** Today in Stockholm, YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date());
}

/** day plus n days (n may be negative). */
export function addDays(day, n) {
  return toIso(new Date(toDate(day).getTime() + n * DAY_MS));
}

/** The number of days from..to, both included. */
export function daysIn(from, to) {
  return Math.round((toDate(to) - toDate(from)) / DAY_MS) + 1;
}

/** The period of a preset as [from, to] on the day now (custom has none: null). */
export function presetRange(preset, now = today()) {
  const [y, m] = now.split('-').map(Number);
  const pad = (n) => String(n).padStart(2, '0');
  switch (preset) {
  case 'this-year':
    return [`${y}-01-01`, now];
  case 'last-year':
    return [`${y - 1}-01-01`, `${y - 1}-12-31`];
  case 'this-month':
    return [`${y}-${pad(m)}-01`, now];
  case 'last-12-months': {
    // A year back and a day on: 2025-11-27 gives 2024-11-28 (a 29 February steps to 1 March).
    const d = toDate(now);
    const back = new Date(Date.UTC(y - 1, m - 1, 1));
    back.setUTCDate(Math.min(d.getUTCDate(), new Date(Date.UTC(y - 1, m, 0)).getUTCDate()));
    return [addDays(toIso(back), 1), now];
  }
  default:
    return null;
  }
}

/** The chart unit that suits a period: days up to two months, months up to five years, else years. */
export function defaultUnit(from, to) {
  const n = daysIn(from, to);
  if (n <= 62) return 'day';
  if (n <= 5 * 366) return 'month';
  return 'year';
}

/** The ISO 8601 week of a date: { year, week } (the week's Thursday decides the year). */
export function isoWeek(day) {
  const d = toDate(day);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return { year, week };
}

function dateFormat(options) {
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', ...options });
}

/**
 * A period of the chart in words: "2025", "mars 2026", "v. 12 2026", "12 mars 2026"; short
 * forms for the chart's axis ("mars", "v. 12", "12 mars").
 */
export function periodLabel(key, unit, { short = false } = {}) {
  const d = toDate(key);
  switch (unit) {
  case 'year':
    return String(d.getUTCFullYear());
  case 'month':
    return dateFormat(short ? { month: 'short' } : { month: 'long', year: 'numeric' }).format(d);
  case 'week': {
    const w = isoWeek(key);
    return t(short ? 'stats.week_short' : 'stats.week', w);
  }
  default:
    return dateFormat(short ? { day: 'numeric', month: 'short' }
      : { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
  }
}

/** A whole period in words: "2025", "mars 2026", or "1 januari–15 mars 2026". */
export function rangeLabel(from, to) {
  const [fy, fm, fd] = from.split('-');
  const next = addDays(to, 1);
  if (fm === '01' && fd === '01' && to === `${fy}-12-31`) return fy;
  if (fd === '01' && next.slice(8) === '01' && addDays(next, -1).slice(0, 7) === from.slice(0, 7))
    return periodLabel(from, 'month');
  const f = dateFormat({ day: 'numeric', month: 'long', year: 'numeric' });
  return from === to ? f.format(toDate(from)) : f.formatRange(toDate(from), toDate(to));
}
