// branch: a branch's hours and contact in words, the same on the branch page, the list of
// branches and an item's page: "Öppet nu, stänger 18", "Stängt nu, öppnar tisdag 16", the week
// ahead as a table (with the reason of a closed period), the seasons and closures to come, the
// address with a map link, and the phone, e-mail and other contact as links (tel:, mailto:).
import { t } from '../i18n.js';
import { addDays, clockText, openState, spansText, stockholmNow, weekDays } from './hours.js';
import { phoneText } from '../phone.js';
import { contactParts, mapHref } from './places.js';
import { el, shortDate, weekdayName } from './page.js';

/** A day said from today: "idag", "i morgon", "tisdag", or "tisdag 12 jan" a week or more ahead. */
export function dayWord(iso, today) {
  if (iso === today) return t('public.today');
  if (iso === addDays(today, 1)) return t('public.tomorrow');
  if (iso < addDays(today, 7)) return weekdayName(iso);
  return `${weekdayName(iso)} ${shortDate(iso)}`;
}

/** "Öppet nu, stänger 18", "Stängt nu, öppnar i morgon 16", or "Stängt nu" when it never opens. */
export function openNowText(branch, now = new Date()) {
  const state = openState(branch, now);
  const today = stockholmNow(now).date;
  if (state.open) {
    return state.closes.date === today
      ? t('public.open_now', { time: clockText(state.closes.time) })
      : t('public.open_now_until', { day: dayWord(state.closes.date, today), time: clockText(state.closes.time) });
  }
  if (!state.opens) return t('public.closed_now');
  return state.opens.date === today
    ? t('public.closed_opens_today', { time: clockText(state.opens.time) })
    : t('public.closed_opens', { day: dayWord(state.opens.date, today), time: clockText(state.opens.time) });
}

/** The open-now line as an element: a status that says open or closed by colour and words. */
export function openNowLine(branch, now = new Date()) {
  const open = openState(branch, now).open;
  return el('p', { className: `open-now ${open ? 'is-open' : 'is-closed'}`, textContent: openNowText(branch, now) });
}

/** The week ahead, a day a row: "Idag 1 dec  15–18", "Lördag 5 dec  Stängt: Inventering". */
export function weekTable(branch, now = new Date()) {
  const today = stockholmNow(now).date;
  const rows = weekDays(branch, now).map((d) => {
    const hours = d.spans.length
      ? spansText(d.spans)
      : d.closed?.reason ? t('public.closed_because', { reason: d.closed.reason }) : t('public.closed');
    const day = d.date <= addDays(today, 1) ? dayWord(d.date, today) : weekdayName(d.date);
    const row = el('tr', {},
      el('th', { scope: 'row', textContent: `${day.charAt(0).toUpperCase()}${day.slice(1)} ${shortDate(d.date)}` }),
      el('td', { textContent: hours }));
    if (d.date === today) row.className = 'is-today';
    return row;
  });
  return el('table', { className: 'week' },
    el('caption', { textContent: t('public.week_heading') }), el('tbody', {}, ...rows));
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A week of hours as the settings write it, in words: "tis 16–19, tor 16–19". */
function weeklyText(hours) {
  const days = WEEKDAYS.filter((d) => hours?.[d]?.length);
  return days.length ? days.map((d) => `${t(`public.weekday_short.${d}`)} ${spansText(hours[d])}`).join(', ') : t('public.closed');
}

/** "15 jun" from a season's month-day "06-15". */
const monthDay = (md) => shortDate(`2000-${md}`);

/**
 * What the settings say beyond this week: each season with its dates and weekly hours, and the
 * closed periods to come (at most three): a list, or null when there is nothing to say.
 */
export function hoursAhead(branch, now = new Date()) {
  const lastShown = addDays(stockholmNow(now).date, 6);
  const items = (branch.seasons || []).map((s) =>
    el('li', { textContent: t('public.season', { name: s.name, from: monthDay(s.from), to: monthDay(s.to), hours: weeklyText(s.opening_hours) }) }));
  for (const p of (branch.closed_periods || []).filter((c) => c.to > lastShown).slice(0, 3)) {
    const dates = p.from === p.to ? shortDate(p.from) : `${shortDate(p.from)} – ${shortDate(p.to)}`;
    items.push(el('li', { textContent: p.reason ? t('public.closed_period_reason', { dates, reason: p.reason }) : t('public.closed_period', { dates }) }));
  }
  return items.length ? el('ul', { className: 'hours-ahead' }, ...items) : null;
}

/** A link to the branch on the map (its position, or its address), or null without either. */
export function mapLink(branch) {
  const href = mapHref(branch);
  if (!href) return null;
  const a = el('a', { href, target: '_blank', rel: 'noopener', textContent: t('public.map') });
  a.setAttribute('aria-label', t('public.map_label', { address: branch.address || branch.name }));
  return a;
}

/** The contact text with its e-mail addresses and phone numbers as links. */
export function contactNodes(contact) {
  return contactParts(contact).map((p) => (p.kind === 'text' ? p.text : el('a', { href: p.href, textContent: p.text })));
}

/**
 * Address (with the map link), phone (tel:), e-mail (mailto:) and any other contact text, as the
 * branch's settings give them, as a definition list; null without any.
 */
export function contactList(branch) {
  const rows = [];
  const row = (key, ...nodes) => rows.push(el('dt', { textContent: t(key) }), el('dd', {}, ...nodes));
  const map = mapLink(branch);
  if (branch.address || map) row('public.address', ...(branch.address ? [`${branch.address} `] : []), map);
  if (branch.phone) row('public.phone', el('a', { href: `tel:${branch.phone}`, textContent: phoneText(branch.phone) }));
  if (branch.email) row('public.email', el('a', { href: `mailto:${branch.email}`, textContent: branch.email }));
  if (branch.contact) row('public.contact', ...contactNodes(branch.contact));
  return rows.length ? el('dl', { className: 'contact' }, ...rows) : null;
}
