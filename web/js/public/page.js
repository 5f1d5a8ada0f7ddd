// page: what every page of the public site shares: the top bar (the name, "Så lånar du", the
// language switch), the footer ("Så lånar du", "Om tjänsten"), the API's answers, and small
// helpers to build the page in words of the current language. A page's HTML holds only its
// <main id="main">; startPublicPage() draws the rest and translates the page.
import { initI18n, t } from '../i18n.js';

/** Draw the skip link, top bar and footer, and translate the page. */
export function startPublicPage() {
  document.body.insertAdjacentHTML('afterbegin', `
  <a class="skip-link" href="#main" data-i18n="common.skip"></a>
  <header class="topbar">
    <a class="brand" href="/">hylla</a>
    <nav class="public-nav" data-i18n-attr="aria-label:public.nav">
      <a href="/lana" data-i18n="public.borrow.link"></a>
      <button type="button" class="button button-quiet" data-lang-switch></button>
    </nav>
  </header>`);
  document.body.insertAdjacentHTML('beforeend', `
  <footer class="page footer">
    <a href="/lana" data-i18n="public.borrow.link"></a>
    <a href="/om" data-i18n="public.about.link"></a>
  </footer>`);
  for (const a of document.querySelectorAll('.public-nav a, .footer a'))
    if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
  initI18n();
}

/** The path of an item's own page, /i/CODE: what its label's QR code holds (api_item_page_url). */
export function itemPath(code) {
  return `/i/${encodeURIComponent(code)}`;
}

/** GET a JSON answer of the open API; throws an Error with .status on anything but 2xx. */
export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    const err = new Error(`HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

/** An element with properties and children (strings or nodes; null and '' are left out). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) if (c !== null && c !== undefined && c !== '') node.append(c);
  return node;
}

/**
 * A string of the dictionary as nodes, with {name} placeholders filled by params that may be
 * nodes (a link inside a sentence) as well as text.
 */
export function tNodes(key, params) {
  const text = t(key, Object.fromEntries(Object.keys(params).map((k) => [k, `\u0000${k}\u0000`])));
  return text.split('\u0000').map((part, i) => (i % 2 ? params[part] : part)).filter((x) => x !== '');
}

// Dates in words come from the dictionaries, not from Intl, whose first formatter costs a page
// tens of milliseconds before it can draw (numbers: i18n.js, formatNumber).

/** "12 dec" in Swedish, "12 Dec" in English, from an ISO date. */
export function shortDate(iso) {
  const [, m, d] = iso.split('-').map(Number);
  return `${d} ${t(`date.month_short.${m}`)}`;
}

/** "tisdag" or "Tuesday". */
export function weekdayName(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return t(`date.weekday.${new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7}`);
}

/**
 * The blocks of a plain text as admins write it: paragraphs apart by an empty line, and a block
 * whose every line begins with "- " a list: [{ paragraph }] or [{ list: [lines] }].
 */
export function textBlocks(plain) {
  return String(plain).replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean)
    .map((block) => {
      const lines = block.split('\n');
      return lines.every((line) => /^\s*-\s+/.test(line))
        ? { list: lines.map((line) => line.replace(/^\s*-\s+/, '').trim()) }
        : { paragraph: lines.map((line) => line.trim()).join(' ') };
    });
}
