// desk/main: the volunteer desk at /desk. One page with a screen per task (lend, return, intake,
// borrowers, one borrower, overdue loans, printing labels), each with its own address below /desk so that the
// browser's back button and a reload work. Keyboard scheme (also shown on the start screen):
//   1-5       on the start screen: open an action (while focus is in the action list)
//   Esc       back: to the start screen, or from a borrower to the borrower list; closes forms
//   Enter     in a scan field: look the code up (lend) or return the item (return)
//   Ctrl+Enter  lend: lend the scanned items ("Klar")
//   Alt+R     return: the last returned item goes to repair
//   P         intake, once the item is saved: print its label
//   Up/Down   move between the borrowers found
import { initI18n, onLangChange, t } from '../i18n.js';
import { get, logout, requireUser } from '../api.js';
import { createLend } from './lend.js';
import { createReturn } from './return.js';
import { createIntake } from './intake.js';
import { createBorrowers, createBorrower } from './borrowers.js';
import { createOverdue } from './overdue.js';
import { createLabels } from './labels.js';
import { initCameras } from './camera.js';

const ROUTES = [
  [/^\/desk\/?$/, 'home'],
  [/^\/desk\/lend\/?$/, 'lend'],
  [/^\/desk\/return\/?$/, 'return'],
  [/^\/desk\/intake\/?$/, 'intake'],
  [/^\/desk\/borrowers\/?$/, 'borrowers'],
  [/^\/desk\/borrowers\/(\d+)\/?$/, 'borrower'],
  [/^\/desk\/overdue\/?$/, 'overdue'],
  [/^\/desk\/labels\/?$/, 'labels'],
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

function home() {
  const el = document.getElementById('screen-home');
  const actions = document.getElementById('desk-actions');
  actions.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-5]$/.test(event.key)) return;
    const link = actions.querySelector(`[data-key="${event.key}"]`);
    if (!link) return;
    event.preventDefault();
    ctx.navigate(link.getAttribute('href'));
  });
  return {
    el,
    title: 'desk.title',
    show() {
      // Back where the volunteer came from, so that Esc then Enter opens it again.
      const from = previous && actions.querySelector(`[href="/desk/${previous === 'borrower' ? 'borrowers' : previous}"]`);
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
  initI18n();
  document.title = t('desk.title');
  ctx.user = await requireUser();
  document.getElementById('desk-who').textContent = ctx.user.display_name || ctx.user.username;
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
  };
  ctx.lend = screens.lend;
  initCameras();
  document.getElementById('desk-logout').addEventListener('click', () => logout());
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
