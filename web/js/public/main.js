// main: the public site at / (no login). Without ?branch= it lists the branches with today's
// hours; with ?branch=SLUG it shows that branch (hours in words, next opening, map link, loan
// totals) and a search of its items by words, category and size, grouped by name and size with
// their availability. The address holds the whole view (?branch=&q=&category=&min=&max=
// &available=1), so any view can be shared. Everything comes from the open API (/api/public/).
import { initI18n, onLangChange, t, locale } from '../i18n.js';
import { nextText, todayText } from './hours.js';
import { groupItems, parseSizeQuery } from './items.js';
import { conditionText, sizeText } from '../item.js';

const $ = (id) => document.getElementById(id);
const PER_PAGE = 48;

// What is on show, kept as data so that a language switch can draw it again.
const state = { branches: null, stats: null, categories: null, branch: null, search: null, items: [], total: 0, page: 1 };

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    const err = new Error(`HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

const number = (n) => new Intl.NumberFormat(locale()).format(n);

/** "12 dec" in Swedish, "12 Dec" in English, from an ISO date. */
function shortDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(Date.UTC(y, m - 1, d)).replace('.', '');
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) if (c !== null && c !== undefined && c !== '') node.append(c);
  return node;
}

function mapLink(address) {
  const a = el('a', {
    href: `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`,
    target: '_blank', rel: 'noopener', textContent: t('public.map'),
  });
  a.setAttribute('aria-label', t('public.map_label', { address }));
  return a;
}

function showError(key) {
  $('load-error').textContent = t(key);
  $('load-error').hidden = false;
}

// ---- The list of branches ----

function renderBranches() {
  const list = $('branch-list');
  list.replaceChildren();
  for (const b of state.branches) {
    list.append(el('li', { className: 'card branch-card' },
      el('h3', {}, el('a', { href: `/?branch=${encodeURIComponent(b.slug)}`, textContent: b.name })),
      el('p', { className: 'hours-today', textContent: todayText(b) }),
      nextText(b) ? el('p', { textContent: nextText(b) }) : null,
      b.address ? el('p', {}, `${b.address} `, mapLink(b.address)) : null,
      el('p', { className: 'muted', textContent: t('public.available_items', { n: number(b.available_items) }) })));
  }
}

// ---- One branch ----

function renderBranch() {
  const b = state.branch;
  $('heading').textContent = b.name;
  $('hours-today').textContent = todayText(b);
  $('hours-next').textContent = nextText(b);
  $('hours-next').hidden = !$('hours-next').textContent;
  const address = $('address');
  address.replaceChildren();
  if (b.address) address.append(`${b.address} `, mapLink(b.address));
  address.hidden = !b.address;
  $('notice').textContent = b.notice || '';
  $('notice').hidden = !b.notice;
}

function renderCategories() {
  const select = $('category');
  const keep = select.value || state.search?.category || '';
  select.replaceChildren(el('option', { value: '', textContent: t('public.any_category') }));
  const name = locale().startsWith('sv') ? 'name_sv' : 'name_en';
  for (const c of state.categories || []) {
    const indent = '\u00a0\u00a0'.repeat(Math.max(0, c.depth - 1));
    select.append(el('option', { value: String(c.id), textContent: indent + c[name] }));
  }
  select.value = keep;
}

function statusText(g) {
  if (g.total === 1) {
    const item = g.items[0];
    if (item.status === 'on_loan') return t('public.status.on_loan', { date: shortDate(item.due_date) });
    return t(`public.status.${item.status}`);
  }
  if (g.available > 0) return t('public.group_available', { n: g.available, total: g.total });
  return g.firstDue ? t('public.group_none', { date: shortDate(g.firstDue) }) : t('public.group_none_repair');
}

function renderItems() {
  const list = $('results');
  list.replaceChildren();
  for (const g of groupItems(state.items)) {
    const photo = g.photo
      ? el('img', { src: g.photo, alt: '', width: 96, height: 96, loading: 'lazy', decoding: 'async', className: 'photo' })
      : el('div', { className: 'photo photo-none' });
    const meta = [sizeText(g.size), ...g.conditions.map(conditionText)].filter(Boolean).join(' · ');
    list.append(el('li', { className: 'item' }, photo,
      el('div', {},
        el('h3', { textContent: g.name }),
        el('p', { className: 'meta', textContent: meta }),
        el('p', { className: `status ${g.available ? 'status-in' : 'status-out'}`, textContent: statusText(g) }))));
  }
  $('result-count').textContent = state.total ? t('public.results', { n: state.total }) : t('public.no_results');
  $('more').hidden = state.items.length >= state.total;
}

/** The search of the address bar, as the form shows it. */
function searchFromUrl() {
  const p = new URLSearchParams(location.search);
  return { q: p.get('q') || '', category: p.get('category') || '', min: p.get('min') || '', max: p.get('max') || '', available: p.get('available') === '1' };
}

function fillForm(s) {
  $('q').value = s.q;
  $('category').value = s.category;
  $('size-min').value = s.min;
  $('size-max').value = s.max;
  $('available').checked = s.available;
}

/** The API query of a search: a size typed into the text becomes bounds. */
function apiQuery(s, page) {
  const parsed = parseSizeQuery(s.q);
  const p = new URLSearchParams({ branch: state.branch.slug, page: String(page), per_page: String(PER_PAGE) });
  if (parsed.q) p.set('q', parsed.q);
  if (s.category) p.set('category', s.category);
  const min = s.min || (parsed.min ?? '');
  const max = s.max || (parsed.max ?? '');
  const category = (state.categories || []).find((c) => String(c.id) === s.category);
  const kind = category?.size_kind || (parsed.cm ? 'length_cm' : null);
  if (min !== '') p.set('size_min', String(min).replace(',', '.'));
  if (max !== '') p.set('size_max', String(max).replace(',', '.'));
  if ((min !== '' || max !== '') && kind) p.set('size_kind', kind);
  if (s.available) p.set('available', 'true');
  return `/api/public/items?${p}`;
}

async function runSearch(s, page = 1) {
  state.search = s;
  const answer = await getJson(apiQuery(s, page));
  state.items = page === 1 ? answer.items : state.items.concat(answer.items);
  state.total = answer.total;
  state.page = page;
  renderItems();
}

function setTitle() {
  document.title = state.branch ? t('public.title_branch', { branch: state.branch.name }) : t('public.title');
}

function renderAll() {
  setTitle();
  if (state.stats) {
    const network = number(state.stats.total_loans);
    $('totals').textContent = state.branch
      ? t('public.totals_both', { branch: number(state.branch.total_loans), network })
      : t('public.totals_network', { n: network });
  }
  if (!state.branch && state.branches) {
    $('heading').textContent = t('public.heading');
    renderBranches();
  }
  if (state.branch) {
    renderBranch();
    renderCategories();
    if (state.search) renderItems();
  }
}

async function start() {
  initI18n();
  onLangChange(renderAll);
  setTitle();
  const slug = new URLSearchParams(location.search).get('branch');
  const showList = async () => {
    [state.branches, state.stats] = await Promise.all([
      getJson('/api/public/branches').then((r) => r.branches), getJson('/api/public/stats')]);
    $('branches').hidden = false;
    renderAll();
  };
  try {
    if (!slug) {
      await showList();
      return;
    }
    const branch = getJson(`/api/public/branches/${encodeURIComponent(slug)}`);
    const stats = getJson('/api/public/stats');
    const categories = getJson('/api/public/categories');
    try {
      state.branch = await branch;
    } catch (err) {
      if (err.status !== 404) throw err;
      showError('public.branch_missing'); // and the branches there are
      await showList();
      return;
    }
    state.stats = await stats;
    state.categories = (await categories).categories;
    $('branch').hidden = false;
    const s = searchFromUrl();
    renderAll();
    fillForm(s);
    await runSearch(s);
  } catch {
    showError('public.load_failed');
  }
}

$('search').addEventListener('submit', async (event) => {
  event.preventDefault();
  const s = {
    q: $('q').value.trim(), category: $('category').value, min: $('size-min').value.trim(),
    max: $('size-max').value.trim(), available: $('available').checked,
  };
  const p = new URLSearchParams({ branch: state.branch.slug });
  for (const key of ['q', 'category', 'min', 'max']) if (s[key]) p.set(key, s[key]);
  if (s.available) p.set('available', '1');
  history.pushState(null, '', `/?${p}`);
  try {
    await runSearch(s);
  } catch {
    showError('public.load_failed');
  }
});

$('more').addEventListener('click', async () => {
  try {
    await runSearch(state.search, state.page + 1);
  } catch {
    showError('public.load_failed');
  }
});

window.addEventListener('popstate', async () => {
  if (!state.branch || new URLSearchParams(location.search).get('branch') !== state.branch.slug) {
    location.reload();
    return;
  }
  const s = searchFromUrl();
  fillForm(s);
  try {
    await runSearch(s);
  } catch {
    showError('public.load_failed');
  }
});

start();
