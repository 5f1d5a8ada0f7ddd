// period: dates and periods of the statistics page, in words of the current language. Dates are
// ISO strings "YYYY-MM-DD" throughout (what the API takes and answers) and are handled as UTC
// midnights, so no local clock or summer time can move them by a day. "Today" is today in
// Stockholm, as the server counts days.
import { locale, t } from '../i18n.js';

// The presets, in the groups the period chooser shows them in (custom dates last).
export const PRESET_GROUPS = {
  periods: ['this-year', 'last-year', 'last-12-months', 'this-month'],
  seasons: ['winter', 'spring', 'summer', 'autumn'],
  holidays: ['sportlov-7', 'sportlov-8', 'sportlov-9', 'sportlov-10', 'easter', 'summer-holiday', 'autumn-holiday',
    'christmas'],
};
export const PRESETS = [...Object.values(PRESET_GROUPS).flat(), 'custom'];
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

const pad = (n) => String(n).padStart(2, '0');

/** The Monday of ISO week `week` of `year`, YYYY-MM-DD (week 1 holds 4 January). */
export function isoWeekMonday(year, week) {
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  return toIso(new Date(monday1 + (week - 1) * 7 * DAY_MS));
}

/** Easter Sunday of a year (the Gregorian computus of Meeus, Jones and Butcher), YYYY-MM-DD. */
export function easterSunday(year) {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The last day of a month (1-12) of a year. */
const lastDay = (year, month) => toIso(new Date(Date.UTC(year, month, 0)));

/**
 * A season or a school holiday as it falls in a year, [first, last] day. Seasons are the
 * meteorological ones (winter is December of the year and January and February of the next).
 * School holidays are the usual Swedish dates; each municipality decides its own (see
 * stats.holidays_note): sportlov in ISO week 7, 8, 9 or 10, påsklov the week after Easter Sunday
 * (Easter Monday to Sunday), sommarlov from the Saturday of week 24 to the Sunday before week 34,
 * höstlov week 44, jullov from 21 December to 6 January.
 */
function yearly(preset, year) {
  const week = (w) => [isoWeekMonday(year, w), addDays(isoWeekMonday(year, w), 6)];
  switch (preset) {
  case 'winter': return [`${year}-12-01`, lastDay(year + 1, 2)];
  case 'spring': return [`${year}-03-01`, `${year}-05-31`];
  case 'summer': return [`${year}-06-01`, `${year}-08-31`];
  case 'autumn': return [`${year}-09-01`, `${year}-11-30`];
  case 'easter': return [addDays(easterSunday(year), 1), addDays(easterSunday(year), 7)];
  case 'summer-holiday': return [addDays(isoWeekMonday(year, 24), 5), addDays(isoWeekMonday(year, 34), -1)];
  case 'autumn-holiday': return week(44);
  case 'christmas': return [`${year}-12-21`, `${year + 1}-01-06`];
  default: return week(Number(preset.slice('sportlov-'.length)));
  }
}

/** The period of a preset as [from, to] on the day now (custom has none: null). */
export function presetRange(preset, now = today()) {
  const [y, m] = now.split('-').map(Number);
  if (PRESET_GROUPS.seasons.includes(preset) || PRESET_GROUPS.holidays.includes(preset)) {
    // The latest one that has begun, up to today if it is still going on.
    let range = yearly(preset, y);
    if (range[0] > now) range = yearly(preset, y - 1);
    return [range[0], range[1] < now ? range[1] : now];
  }
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

/** The same day a year earlier (29 February becomes 28 February). */
export function yearEarlier(day) {
  const [y, m, d] = day.split('-').map(Number);
  return `${y - 1}-${pad(m)}-${pad(Math.min(d, Number(lastDay(y - 1, m).slice(8))))}`;
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
