// i18n: the language of every hylla page. Swedish first, English one click away; the choice is
// remembered in localStorage and shown in <html lang>. Every visible string of every page comes
// from one dictionary per language, lang/sv.js and lang/en.js, keyed "area.name" (login.*,
// public.*, desk.*, admin.*, stats.*, ...). A problem the API answers is said by its code as
// "problem.CODE" (errorMessage in api.js), an item of a refused checkout or return as
// "item_error.CODE".
//
// In HTML:   <h1 data-i18n="login.heading"></h1>
//            <input data-i18n-attr="placeholder:search.hint; aria-label:search.label">
//            <button type="button" data-lang-switch></button>   (names the other language)
// In JS:     t('problem.other', { status: 500 }), t('desk.lend.count', { n: 3 })
//            onLangChange(() => render())   to redraw what JS wrote itself
import sv from './lang/sv.js';
import en from './lang/en.js';

export const LANGUAGES = ['sv', 'en'];
const LOCALES = { sv: 'sv-SE', en: 'en-GB' };
const STORAGE_KEY = 'hylla.lang';
const EVENT = 'hylla:lang';

const dictionaries = { sv, en };
const pluralRules = {}; // by language, made once
let current = stored() || 'sv';

function stored() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(value) ? value : null;
  } catch {
    return null; // storage may be off; Swedish then
  }
}

/** The current language: "sv" or "en". */
export function lang() {
  return current;
}

/** The BCP 47 locale of the current language, for Intl and toLocale*String ("sv-SE"). */
export function locale() {
  return LOCALES[current];
}

/**
 * A number in the current language with at most digits decimals, as Intl.NumberFormat writes it
 * ("12 345", "38,5", "−2" in Swedish; "12,345", "38.5", "-2" in English), but without Intl: a
 * page's first Intl number or date formatter took 33-89 ms of its main thread in Debian's Chromium
 * on our 2-core machine (ICU's data), before a public page could draw. In language l, the current
 * one unless said.
 */
export function formatNumber(n, digits = 0, l = current) {
  const [group, point, minus] = l === 'sv' ? ['\u00a0', ',', '\u2212'] : [',', '.', '-'];
  if (n < 0) return minus + formatNumber(-n, digits, l);
  // Rounded as Intl rounds the decimal it prints (1.005 to 1.01), not the binary number.
  const scaled = Math.round(Number(`${n}e${digits}`));
  if (!Number.isFinite(scaled)) return String(n);
  const text = String(scaled).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+$)/g, group);
  const fraction = text.slice(text.length - digits).replace(/0+$/, '');
  return fraction ? `${whole}${point}${fraction}` : whole;
}

/** Whether a key has a string in the current language. */
export function has(key) {
  return key in dictionaries[current];
}

/**
 * The string for key in the current language with {name} placeholders filled from params. A
 * value of the form { one, other } picks the plural form for params.n. A missing key shows
 * itself (and warns), so it is found rather than hidden.
 */
export function t(key, params = {}) {
  let value = dictionaries[current][key];
  if (value === undefined) {
    console.warn(`i18n: no ${current} string for ${key}`);
    return key;
  }
  if (typeof value === 'object') {
    if (!pluralRules[current]) pluralRules[current] = new Intl.PluralRules(LOCALES[current]);
    const form = pluralRules[current].select(Number(params.n));
    value = value[form] ?? value.other;
  }
  return value.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Fill every data-i18n and data-i18n-attr element below root, and the language switches. */
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  const other = LANGUAGES.find((l) => l !== current);
  for (const el of root.querySelectorAll('[data-lang-switch]')) {
    // The other language's name, in that language, marked so that screen readers say it right.
    el.textContent = t('lang.other');
    el.lang = other;
  }
}

/** Switch the page to a language, remember it, and tell onLangChange listeners. */
export function setLang(l) {
  if (!LANGUAGES.includes(l)) return;
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // the choice then lasts for this page only
  }
  translate();
  document.dispatchEvent(new CustomEvent(EVENT, { detail: { lang: l } }));
}

/** Call fn after every language switch (to redraw strings that JS put on the page). */
export function onLangChange(fn) {
  document.addEventListener(EVENT, fn);
}

/** Translate the page and make its [data-lang-switch] buttons work. Call once, at start. */
export function initI18n() {
  translate();
  for (const el of document.querySelectorAll('[data-lang-switch]'))
    el.addEventListener('click', () => setLang(LANGUAGES.find((l) => l !== current)));
}
