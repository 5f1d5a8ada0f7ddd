// borrow: /lana, "Så lånar du": the network's rules in plain words, as admins write them (GET
// /api/public/texts/how-to-borrow, in the page's language), then the branch's own notice and
// whether it is open now: the branch of ?branch=, else the visitor's own ("min filial").
import { onLangChange, lang, t } from '../i18n.js';
import { openNowLine } from './branch.js';
import { myBranch } from './places.js';
import { el, getJson, startPublicPage, textBlocks } from './page.js';

const $ = (id) => document.getElementById(id);
let text = null;
let branch = null;

/** Plain text as elements: its paragraphs, and its lists (see textBlocks). Nothing is markup. */
function textNodes(plain) {
  return textBlocks(plain).map((b) => (b.list
    ? el('ul', {}, ...b.list.map((line) => el('li', { textContent: line })))
    : el('p', { textContent: b.paragraph })));
}

function render() {
  document.title = t('public.borrow.title');
  if (text) $('rules').replaceChildren(...textNodes(lang() === 'sv' ? text.sv : text.en));
  if (branch) {
    $('branch-heading').textContent = branch.name;
    $('branch-open').replaceChildren(openNowLine(branch));
    $('branch-notice').textContent = branch.notice || '';
    $('branch-notice').hidden = !branch.notice;
    $('branch-link').textContent = t('public.borrow.see_branch', { branch: branch.name });
    $('branch-link').href = `/?branch=${encodeURIComponent(branch.slug)}`;
  }
  $('branch').hidden = !branch;
  $('find').hidden = Boolean(branch);
}

async function start() {
  startPublicPage();
  onLangChange(render);
  const slug = new URLSearchParams(location.search).get('branch') || myBranch();
  try {
    [text, branch] = await Promise.all([
      getJson('/api/public/texts/how-to-borrow'),
      slug ? getJson(`/api/public/branches/${encodeURIComponent(slug)}`).catch(() => null) : null,
    ]);
  } catch {
    $('load-error').textContent = t('public.load_failed');
    $('load-error').hidden = false;
  }
  render();
}

start();
