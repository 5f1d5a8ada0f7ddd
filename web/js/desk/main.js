// desk/main: the volunteer desk at /desk. One page with a screen per task (lend, return, intake,
// borrowers, one borrower, overdue loans, one item, the repair queue, printing labels), each with its own address
// below /desk so that the browser's back button and a reload work. Keyboard scheme (also shown on
// the start screen):
//   1-7       on the start screen: open an action (while focus is in the action list); on an
//             item's page: the changes its status allows
//   a code    typed or scanned on the start screen: opens the item
//   Esc       back: to the start screen, or from a borrower to the borrower list; closes forms
//   Enter     in a scan field: look the code up (lend) or return the item (return)
//   Ctrl+Enter  lend: lend the scanned items ("Klar")
//   Alt+A     lend: return the item recorded as on loan that is here, and add it
//   Alt+R     return: the last returned item goes to repair
//   P         intake, once the item is saved: print its label
//   Up/Down   move between the borrowers found
import { initI18n, onLangChange, t } from '../i18n.js';
import { get, logout, requireUser } from '../api.js';
import { drawTopBar, showForRole } from '../admin/page.js';
import { createLend } from './lend.js';
import { createReturn } from './return.js';
import { createIntake } from './intake.js';
import { createBorrowers, createBorrower } from './borrowers.js';
import { createOverdue } from './overdue.js';
import { createLabels } from './labels.js';
import { initCameras } from './camera.js';
import { createItem } from './item.js';
import { createRepair } from './repair.js';
import { itemCode } from './util.js';

const ROUTES = [
  [/^\/desk\/?$/, 'home'],
  [/^\/desk\/lend\/?$/, 'lend'],
  [/^\/desk\/return\/?$/, 'return'],
  [/^\/desk\/intake\/?$/, 'intake'],
  [/^\/desk\/borrowers\/?$/, 'borrowers'],
  [/^\/desk\/borrowers\/(\d+)\/?$/, 'borrower'],
  [/^\/desk\/overdue\/?$/, 'overdue'],
  [/^\/desk\/labels\/?$/, 'labels'],
  [/^\/desk\/items(?:\/([^/]+))?\/?$/, 'item'],
  [/^\/desk\/repair\/?$/, 'repair'],
];

/** What the screens share: the user, branch names, navigation. */
const ctx = {
  user: null,
  branches: [],
  branchName(slug) {
    return ctx.branches.find((b) => b.slug === slug)?.name || slug;
  },
  navigate(path, { replace = false } = {}) {
    if (path !== location.pathname + location.search) history[replace ? 'replaceState' : 'pushState'](null, '', path);
    route();
  },
};

let screens;
let current = null; // { name, screen }
let previous = null;

const HOME_LINK = { borrower: 'borrowers', item: 'items' };

function home() {
  const el = document.getElementById('screen-home');
  const actions = document.getElementById('desk-actions');
  const code = document.getElementById('home-code');
  actions.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-7]$/.test(event.key)) return;
    const link = actions.querySelector(`[data-key="${event.key}"]`);
    if (!link) return;
    event.preventDefault();
    ctx.navigate(link.getAttribute('href'));
  });
  // A scanner types a code anywhere on the start screen: its first letter moves the focus into the
  // code field, where the rest of it (and the scanner's Enter) lands.
  document.addEventListener('keydown', (event) => {
    if (el.hidden || event.altKey || event.ctrlKey || event.metaKey || !/^[A-Za-z0-9]$/.test(event.key)) return;
    if (event.target.closest?.('input, select, textarea')) return; // typing in a field already
    if (/^[1-7]$/.test(event.key) && actions.contains(event.target)) return; // an action's key
    code.focus();
  });
  document.getElementById('home-find').addEventListener('submit', (event) => {
    event.preventDefault();
    const c = itemCode(code.value);
    code.value = '';
    if (c) ctx.navigate(`/desk/items/${encodeURIComponent(c)}`);
  });
  return {
    el,
    title: 'desk.title',
    show() {
      // Back where the volunteer came from, so that Esc then Enter opens it again.
      const from = previous && actions.querySelector(`[href="/desk/${HOME_LINK[previous] || previous}"]`);
      (from || actions.querySelector('a')).focus();
    },
  };
}

function route() {
  const path = location.pathname;
  let name = 'home';
  let param = null;
  for (const [re, n] of ROUTES) {
    const m = re.exec(path);
    if (m) {
      name = n;
      param = m[1] ?? null;
      break;
    }
  }
  if (current && current.screen.hide) current.screen.hide();
  previous = current?.name ?? null;
  for (const [n, s] of Object.entries(screens)) s.el.hidden = n !== name;
  current = { name, screen: screens[name] };
  setTitle();
  return current.screen.show(param);
}

function setTitle() {
  document.title = t(current?.screen.title || 'desk.title');
}

function onKeydown(event) {
  if (event.key !== 'Escape' || event.defaultPrevented || !current) return;
  // A screen may use Esc itself first (to close a form); otherwise Esc goes back.
  if (current.screen.escape?.()) {
    event.preventDefault();
    return;
  }
  if (current.name === 'home') return;
  event.preventDefault();
  ctx.navigate(current.name === 'borrower' ? '/desk/borrowers' : '/desk');
}

function onClick(event) {
  const link = event.target.closest('a[href^="/desk"]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey ||
    event.altKey)
    return;
  event.preventDefault();
  ctx.navigate(link.getAttribute('href'));
}

async function start() {
  drawTopBar('desk');
  initI18n();
  document.title = t('desk.title');
  ctx.user = await requireUser();
  showForRole(ctx.user);
  try {
    ctx.branches = (await get('/api/branches')).branches;
  } catch {
    ctx.branches = []; // names then show as slugs
  }
  screens = {
    home: home(),
    lend: createLend(ctx),
    return: createReturn(),
    intake: createIntake(ctx),
    borrowers: createBorrowers(ctx),
    borrower: createBorrower(ctx),
    overdue: createOverdue(),
    labels: createLabels(ctx),
    item: createItem(ctx),
    repair: createRepair(ctx),
  };
  ctx.lend = screens.lend;
  initCameras();
  // Nothing of the lending in progress outlives the volunteer's session, not even in the history.
  document.getElementById('topbar-logout').addEventListener('click', () => {
    ctx.lend.clear();
    logout();
  });
  document.addEventListener('keydown', onKeydown);
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', route);
  onLangChange(() => {
    for (const s of Object.values(screens)) s.render?.();
    setTitle();
  });
  document.getElementById('desk-loading').hidden = true;
  await route();
  document.body.dataset.ready = 'true';
}

start();
