// desk/util: what every desk screen shares: building DOM, dates in words, phone
// numbers, what can be wrong with an item, lists that come a page at a time, and the scan sounds.
import { t, has, locale, lang } from '../i18n.js';
import { get } from '../api.js';

export { phoneText } from '../phone.js'; // the desk's pages take it from here with the rest

/** An element: h('li', { class: 'x', dataset: { code } }, 'text', child). Null children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Show text in an element, hiding it when there is none. */
export function say(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** A YYYY-MM-DD date as a Date at midnight UTC (dates here are days, not instants). */
function day(iso) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** "fredag 12 december" / "Friday 12 December"; the year only when it is not this year. */
export function longDate(iso) {
  const date = day(iso);
  const opts = { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' };
  if (date.getUTCFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(locale(), opts).format(date);
}

/** How many days ago a YYYY-MM-DD date was, today being the date in Stockholm (negative: to come). */
export function daysSince(iso) {
  // Today as the server counts it (loans are due on days in Stockholm), whatever the device's zone.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm' }).format(new Date());
  return Math.round((day(today).getTime() - day(iso).getTime()) / 86400000);
}

/** "12 dec. 2025" / "12 Dec 2025": a date or a timestamp, short. */
export function shortDate(value) {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? day(value) : new Date(value);
  const opts = { day: 'numeric', month: 'short', year: 'numeric' };
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) opts.timeZone = 'UTC';
  return new Intl.DateTimeFormat(locale(), opts).format(date);
}

/** "3 dec. 09:12" / "3 Dec 09:12": a moment, in Stockholm. */
export function dayTime(value) {
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm',
  }).format(new Date(value));
}

/**
 * What was sent to a borrower (or that staff phoned), in words: "SMS påminnelse 3 dec. 09:12,
 * skickat", "Ringt 4 dec. 10:02 (Anna)". A failure says why.
 */
export function messageText(m) {
  const when = dayTime(m.finished_at || m.created_at);
  if (m.kind === 'phone_call') return t('desk.messages.call_line', { when, staff: m.staff || '–' });
  const text = t('desk.messages.line', {
    channel: t(`desk.messages.channel.${m.channel || 'none'}`), kind: t(`desk.messages.kind.${m.kind}`),
    when, status: t(`desk.messages.status.${m.status}`),
  });
  return m.status === 'failed' && m.error ? `${text}: ${m.error}` : text;
}

/** "Åter senast fredag 12 december" / "Due back Friday 12 December". */
export function dueText(iso) {
  return t('desk.due', { date: longDate(iso) });
}

/** A category's name in the current language. */
export function categoryName(c) {
  return (lang() === 'en' ? c.name_en : c.name_sv) || c.name_sv || '';
}

/** Item codes as the server keeps them: trimmed and in upper case; null for what cannot be one. */
export function itemCode(text) {
  const code = text.trim().toUpperCase();
  return /^[A-Z0-9][A-Z0-9._-]{0,39}$/.test(code) ? code : null;
}

/**
 * Why an item cannot be lent to a borrower of branch `branch`, as a problem key and params, or
 * null when it can. branchName maps a slug to a branch's name.
 */
export function itemProblem(item, branch, branchName = (s) => s) {
  switch (item.status) {
    case 'on_loan':
      return item.due_date ? { key: 'desk.problem.on_loan_due', params: { date: longDate(item.due_date) } }
        : { key: 'item_error.item_on_loan' };
    case 'repair':
      return { key: 'desk.problem.repair' };
    case 'intake':
      return { key: 'desk.problem.intake' };
    case 'retired':
      return { key: 'desk.problem.retired' };
    case 'lost':
      return { key: 'desk.problem.lost' };
    default:
      break;
  }
  if (branch && item.branch !== branch)
    return { key: 'desk.problem.other_branch', params: { branch: branchName(item.branch) } };
  return null;
}

/**
 * A sentence for one entry of the per-item errors of a checkout or a return ("item_error.CODE",
 * with params such as { age } for guardian_consent_required), or else the string of the key
 * otherwise.
 */
export function itemErrorText(code, otherwise, params = {}) {
  return t(has(`item_error.${code}`) ? `item_error.${code}` : otherwise, params);
}

/**
 * A list the API answers a page at a time ({ [key]: [...], has_more }) from path: rows (null until
 * the first page came), error (the last ApiError, or null) and hasMore; load() fetches the first
 * page afresh, more() appends the next, and onChange() runs after each.
 */
export function pagedList(path, key, onChange) {
  const list = {
    rows: null,
    error: null,
    hasMore: false,
    page: 0,
    async load(next = 1) {
      try {
        const res = await get(`${path}${path.includes('?') ? '&' : '?'}page=${next}`);
        list.rows = next === 1 ? res[key] : [...list.rows, ...res[key]];
        list.page = next;
        list.hasMore = res.has_more;
        list.error = null;
      } catch (err) {
        list.error = err;
      }
      onChange();
    },
    more: () => list.load(list.page + 1),
  };
  return list;
}

// ---- Sound: a short tone for a good scan, a low double tone for a problem. ----

let audio = null;
const TONES = {
  ok: [[1046, 0, 0.09, 'sine']],
  notice: [[784, 0, 0.08, 'sine'], [1175, 0.11, 0.1, 'sine']],
  problem: [[220, 0, 0.16, 'square'], [165, 0.2, 0.26, 'square']],
};

/**
 * Play the tone of kind "ok", "notice" or "problem" with the Web Audio API (no sound files). The
 * last kind played is kept in <html data-desk-sound> and counted, so that tests can hear it.
 */
export function beep(kind) {
  const root = document.documentElement;
  root.dataset.deskSound = kind;
  root.dataset.deskSounds = String(Number(root.dataset.deskSounds || 0) + 1);
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const now = audio.currentTime;
    for (const [freq, at, len, type] of TONES[kind]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = type;
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + at);
      gain.gain.exponentialRampToValueAtTime(0.25, now + at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + at + len);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + at);
      osc.stop(now + at + len + 0.02);
    }
  } catch {
    // no audio on this device: the colour and the words still say it
  }
}
