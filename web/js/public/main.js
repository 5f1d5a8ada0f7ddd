// main: the public site at / (no login). Without ?branch= it helps find a branch: the visitor's
// own ("min filial", remembered in this browser), a search by town or municipality, and "Närmast
// mig", which sorts by distance from where the browser says the visitor is (computed here; the
// position is never sent anywhere). Each branch says whether it is open now. With ?branch=SLUG
// it shows that branch (open now, the week's hours, address, contact, its notice) and a search
// of its things as a borrower asks ("skridskor 38"), grouped by name and size with their
// availability; when nothing asked for is in, it says which sizes nearest are and when lent ones
// come back. The address holds the whole view (?branch=&q=&category=&min=&max=&available=1), so
// any view can be shared. Everything comes from the open API (/api/public/).
import { formatNumber, onLangChange, t, locale } from '../i18n.js';
import { groupItems } from './items.js';
import { conditionText, sizeText } from '../item.js';
import { byDistance, matchesPlace, myBranch, setMyBranch } from './places.js';
import { contactList, hoursAhead, openNowLine, weekTable } from './branch.js';
import { el, getJson, itemPath, shortDate, startPublicPage, tNodes } from './page.js';

const $ = (id) => document.getElementById(id);
const PER_PAGE = 48;
const NUMERIC_KINDS = ['length_cm', 'shoe_eu', 'head_cm', 'wheel_in'];

// What is on show, kept as data so that a language switch can draw it again.
const state = {
  branches: null, stats: null, categories: null, branch: null, position: null, nearStatus: null,
  search: null, answer: null, items: [], page: 1,
};

function showError(key) {
  $('load-error').textContent = t(key);
  $('load-error').hidden = false;
}

// ---- Finding a branch ----

function branchCard(b, km) {
  return el('li', { className: 'card branch-card' },
    el('h3', {}, el('a', { href: `/?branch=${encodeURIComponent(b.slug)}`, textContent: b.name })),
    openNowLine(b),
    b.address || km !== null ? el('p', { textContent: [b.address, km !== null ? t('public.distance', { km: formatNumber(km, km < 10 ? 1 : 0) }) : null].filter(Boolean).join(' · ') }) : null,
    el('p', { className: 'muted', textContent: t('public.available_items', { n: formatNumber(b.available_items) }) }));
}

function renderBranches() {
  const mine = state.branches.find((b) => b.slug === myBranch());
  $('mine').replaceChildren(...(mine ? [el('h2', { textContent: t('public.my_branch') }), el('ul', { className: 'branch-list' }, branchCard(mine, null))] : []));
  $('mine').hidden = !mine;
  const query = $('place').value;
  const shown = state.branches.filter((b) => matchesPlace(b, query));
  const ordered = state.position ? byDistance(shown, state.position) : shown.map((branch) => ({ branch, km: null }));
  $('branch-list').replaceChildren(...ordered.map(({ branch, km }) => branchCard(branch, km)));
  $('place-none').textContent = shown.length ? '' : t('public.place_none', { place: query.trim() });
  $('place-none').hidden = shown.length > 0;
  $('near-status').textContent = state.nearStatus ? t(state.nearStatus) : '';
}

function findNearest() {
  if (!navigator.geolocation) {
    state.nearStatus = 'public.near_unavailable';
    renderBranches();
    return;
  }
  state.nearStatus = 'public.near_looking';
  renderBranches();
  navigator.geolocation.getCurrentPosition((pos) => {
    state.position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
    state.nearStatus = 'public.near_sorted';
    renderBranches();
  }, () => {
    state.nearStatus = 'public.near_denied';
    renderBranches();
  }, { timeout: 15000, maximumAge: 600000 });
}

// ---- One branch ----

function renderBranch() {
  const b = state.branch;
  $('heading').textContent = b.name;
  $('open-now').replaceChildren(openNowLine(b));
  const mine = myBranch() === b.slug;
  $('make-mine').textContent = mine ? t('public.is_my_branch') : t('public.make_my_branch');
  $('make-mine').setAttribute('aria-pressed', String(mine));
  $('week').replaceChildren(weekTable(b));
  const ahead = hoursAhead(b);
  $('hours-ahead').replaceChildren(...(ahead ? [el('h3', { textContent: t('public.hours_ahead') }), ahead] : []));
  $('contact').replaceChildren(...[contactList(b)].filter(Boolean));
  $('notice').textContent = b.notice || '';
  $('notice').hidden = !b.notice;
  $('borrow-link').href = `/lana?branch=${encodeURIComponent(b.slug)}`;
}

function selectedCategory() {
  return (state.categories || []).find((c) => String(c.id) === $('category').value);
}

/** The size fields, for a category measured in numbers only, labelled with its unit. */
function renderSizeFields() {
  const kind = selectedCategory()?.size_kind;
  const numeric = NUMERIC_KINDS.includes(kind);
  $('size-fields').hidden = !numeric;
  if (!numeric) return;
  $('size-legend').textContent = t(`public.size_legend.${kind}`);
  $('size-min-label').textContent = t('public.size_min');
  $('size-max-label').textContent = t('public.size_max');
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
  renderSizeFields();
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

/** A size the search understood, in words with its unit: "stl 38", "150–160 cm", "stl L". */
function askedSizeText(size) {
  const fmt = (v) => formatNumber(v, 2);
  const value = size.text !== undefined ? size.text.toUpperCase()
    : size.value !== undefined ? fmt(size.value) : `${fmt(size.min)}–${fmt(size.max)}`;
  return size.kind ? sizeText({ kind: size.kind, value }) : value;
}

/** A link that searches again with another size in place of the one asked for. */
function sizeLink(value) {
  const a = el('a', { href: '#', textContent: formatNumber(value, 2) });
  a.addEventListener('click', (event) => {
    event.preventDefault();
    const size = state.answer.understood.size;
    const asked = size.value ?? size.min;
    const q = state.search.q.replace(new RegExp(`(^|\\s)${String(asked).replace('.', '[.,]')}(?=\\s|$|[^\\d.,])`), `$1${value}`);
    submitSearch({ ...state.search, q: q === state.search.q ? `${state.search.q} ${value}` : q });
  });
  return a;
}

/** What the search understood, and what is nearest when nothing asked for is in. */
function renderUnderstood() {
  const { understood, nearest } = state.answer;
  const words = (understood.corrected || []).map(([, meant]) => meant);
  const parts = [];
  if (words.length) parts.push(el('p', { textContent: t('public.corrected', { words: words.join(', ') }) }));
  if (understood.size) {
    parts.push(el('p', { textContent: t('public.understood_size', { what: understood.things.join(' '), size: askedSizeText(understood.size) }) }));
  }
  if (nearest && understood.size) {
    const size = askedSizeText(understood.size);
    const key = nearest.smaller !== undefined && nearest.larger !== undefined ? 'both'
      : nearest.smaller !== undefined ? 'smaller' : nearest.larger !== undefined ? 'larger' : 'none';
    const p = el('p', { className: 'nearest' },
      ...tNodes(`public.nearest.${key}`, { size, smaller: nearest.smaller !== undefined ? sizeLink(nearest.smaller) : '', larger: nearest.larger !== undefined ? sizeLink(nearest.larger) : '' }));
    if (nearest.due_back) p.append(' ', t('public.nearest.due_back', { date: shortDate(nearest.due_back) }));
    parts.push(p);
  }
  $('understood').replaceChildren(...parts);
  $('understood').hidden = parts.length === 0;
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
        el('h3', {}, el('a', { href: itemPath(g.items[0].code), textContent: g.name })),
        el('p', { className: 'meta', textContent: meta }),
        el('p', { className: `status ${g.available ? 'status-in' : 'status-out'}`, textContent: statusText(g) }))));
  }
  const total = state.answer.total;
  $('result-count').textContent = total ? t('public.results', { n: total }) : t('public.no_results');
  $('more').hidden = state.items.length >= total;
  renderUnderstood();
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
  renderSizeFields();
}

/**
 * The API query of a search of the branch: the words as typed (the server reads sizes in them),
 * and the fields; the size fields count for a category measured in numbers (of categories).
 */
function apiQuery(slug, s, page, categories) {
  const p = new URLSearchParams({ branch: slug, page: String(page), per_page: String(PER_PAGE) });
  if (s.q) p.set('q', s.q);
  if (s.category) p.set('category', s.category);
  const kind = (categories || []).find((c) => String(c.id) === s.category)?.size_kind;
  if (NUMERIC_KINDS.includes(kind) && (s.min || s.max)) {
    p.set('size_kind', kind);
    if (s.min) p.set('size_min', s.min.replace(',', '.'));
    if (s.max) p.set('size_max', s.max.replace(',', '.'));
  }
  if (s.available) p.set('available', 'true');
  return `/api/public/items?${p}`;
}

function showAnswer(s, answer, page) {
  state.search = s;
  state.answer = answer;
  state.items = page === 1 ? answer.items : state.items.concat(answer.items);
  state.page = page;
  renderItems();
}

async function runSearch(s, page = 1) {
  showAnswer(s, await getJson(apiQuery(state.branch.slug, s, page, state.categories)), page);
}

async function submitSearch(s) {
  const p = new URLSearchParams({ branch: state.branch.slug });
  for (const key of ['q', 'category', 'min', 'max']) if (s[key]) p.set(key, s[key]);
  if (s.available) p.set('available', '1');
  history.pushState(null, '', `/?${p}`);
  fillForm(s);
  try {
    await runSearch(s);
  } catch {
    showError('public.load_failed');
  }
}

function setTitle() {
  document.title = state.branch ? t('public.title_branch', { branch: state.branch.name }) : t('public.title');
}

function renderTotals() {
  if (!state.stats) return;
  const network = formatNumber(state.stats.total_loans);
  $('totals').textContent = state.branch
    ? t('public.totals_both', { branch: formatNumber(state.branch.total_loans), network })
    : t('public.totals_network', { n: network });
}

function renderAll() {
  setTitle();
  renderTotals();
  if (!state.branch && state.branches) {
    $('heading').textContent = t('public.heading');
    renderBranches();
  }
  if (state.branch) {
    renderBranch();
    renderCategories();
    if (state.answer) renderItems();
  }
}

async function showList() {
  [state.branches, state.stats] = await Promise.all([
    getJson('/api/public/branches').then((r) => r.branches), getJson('/api/public/stats')]);
  $('branches').hidden = false;
  renderAll();
}

/**
 * A branch page asks for everything at once (the search's words need no other answer first) and
 * draws each part as its answer comes, so that no one piece of work keeps a slow phone busy long.
 */
async function showBranch(slug) {
  const s = searchFromUrl();
  const branch = getJson(`/api/public/branches/${encodeURIComponent(slug)}`);
  const categories = getJson('/api/public/categories').then((r) => r.categories);
  const stats = getJson('/api/public/stats');
  const answer = (s.category && (s.min || s.max) ? categories : Promise.resolve(null))
    .then((cats) => getJson(apiQuery(slug, s, 1, cats)));
  // Handled now, so that one failing while the branch is still awaited is not an unhandled
  // rejection (an unknown branch's search answers 404, maybe before the branch does).
  for (const p of [answer, stats, categories]) p.catch(() => null);
  try {
    state.branch = await branch;
  } catch (err) {
    if (err.status !== 404) throw err;
    showError('public.branch_missing'); // and the branches there are
    await showList();
    return;
  }
  // The totals stand above the branch: drawn after it, they would push the whole page down (a
  // layout shift that depended on which answer came first), so the branch waits for them.
  state.stats = await stats.catch(() => null);
  setTitle();
  $('branch').hidden = false;
  renderBranch();
  renderTotals();
  fillForm(s);
  await Promise.all([
    categories.then((list) => {
      state.categories = list;
      renderCategories();
      fillForm(s);
    }),
    answer.then((a) => showAnswer(s, a, 1)),
  ]);
}

async function start() {
  startPublicPage();
  onLangChange(renderAll);
  setTitle();
  const slug = new URLSearchParams(location.search).get('branch');
  try {
    await (slug ? showBranch(slug) : showList());
  } catch {
    showError('public.load_failed');
  }
}

$('place').addEventListener('input', () => renderBranches());
$('near').addEventListener('click', findNearest);

$('make-mine').addEventListener('click', () => {
  setMyBranch(myBranch() === state.branch.slug ? null : state.branch.slug);
  renderBranch();
});

$('category').addEventListener('change', renderSizeFields);

$('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const numeric = !$('size-fields').hidden;
  submitSearch({
    q: $('q').value.trim(), category: $('category').value, min: numeric ? $('size-min').value.trim() : '',
    max: numeric ? $('size-max').value.trim() : '', available: $('available').checked,
  });
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
