// itempage: /i/CODE, the page the QR code on an item's label opens, and an address anyone may
// share: the item's photo, name, size and condition, whether it is in (or when it is due back),
// its branch with whether it is open now, the week's hours, address and contact. Nothing about
// who borrowed it. From GET /api/public/items/{code}.
import { onLangChange, t, locale } from '../i18n.js';
import { conditionText, sizeText } from '../item.js';
import { contactList, openNowLine, weekTable } from './branch.js';
import { el, getJson, itemPath, shortDate, startPublicPage } from './page.js';

const $ = (id) => document.getElementById(id);
const code = decodeURIComponent(location.pathname.replace(/^\/i\/?/, '').replace(/\/$/, ''));
let item = null;
let missing = false;

function statusText(it) {
  if (it.status === 'on_loan') return t('public.item.on_loan', { date: shortDate(it.due_date) });
  return t(`public.item.${it.status}`);
}

function render() {
  if (missing) {
    document.title = t('public.item.missing_title');
    $('heading').textContent = t('public.item.missing_title');
    $('load-error').textContent = t('public.item.missing', { code });
    $('load-error').hidden = false;
    $('back').replaceChildren(el('a', { href: '/', textContent: t('public.all_branches') }));
    return;
  }
  if (!item) return;
  const b = item.branch;
  document.title = t('public.item.title', { name: item.name, branch: b.name });
  $('heading').textContent = item.name;
  $('back').replaceChildren(el('a', { href: `/?branch=${encodeURIComponent(b.slug)}`, textContent: t('public.item.back', { branch: b.name }) }));
  $('photo').replaceChildren(...(item.photo_url
    ? [el('img', { src: item.photo_url, alt: t('public.item.photo', { name: item.name }), width: 320, height: 320, className: 'item-photo' })]
    : []));
  $('item').classList.toggle('no-photo', !item.photo_url);
  $('item-status').textContent = statusText(item);
  $('item-status').className = `item-status ${item.status === 'available' ? 'status-in' : 'status-out'}`;
  const category = locale().startsWith('sv') ? item.category.name_sv : item.category.name_en;
  const facts = [
    ['public.item.category', category],
    ['public.item.size', sizeText(item.size)],
    ['public.item.condition', conditionText(item.condition)],
    ['public.item.code', item.code],
  ].filter(([, v]) => v);
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { textContent: t(k) }), el('dd', { textContent: v })]));
  $('branch-heading').textContent = b.name;
  $('branch-open').replaceChildren(openNowLine(b));
  $('branch-week').replaceChildren(weekTable(b));
  $('branch-contact').replaceChildren(...[contactList(b)].filter(Boolean));
  $('borrow-link').href = `/lana?branch=${encodeURIComponent(b.slug)}`;
  $('item').hidden = false;
  $('item-branch').hidden = false;
}

/** Share the page's address: the phone's share sheet where there is one, else the clipboard. */
async function share() {
  const url = `${location.origin}${itemPath(item.code)}`;
  try {
    if (navigator.share) {
      await navigator.share({ title: document.title, url });
      return;
    }
    await navigator.clipboard.writeText(url);
    $('share-status').textContent = t('public.item.copied');
  } catch (err) {
    if (err?.name !== 'AbortError') $('share-status').textContent = t('public.item.share_failed', { url });
  }
}

async function start() {
  startPublicPage();
  onLangChange(render);
  $('share').addEventListener('click', share);
  try {
    item = await getJson(`/api/public/items/${encodeURIComponent(code)}`);
  } catch (err) {
    if (err.status === 404) missing = true;
    else {
      $('load-error').textContent = t('public.load_failed');
      $('load-error').hidden = false;
    }
  }
  render();
}

start();
