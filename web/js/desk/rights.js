// desk/rights: a borrower's rights (GDPR) on their page, for managers and up. "Registerutdrag"
// fetches everything stored about them (GET /api/borrowers/{id}/export, audit-logged by the
// server) and offers it as a printable page and as the JSON file itself; "Radera" says what
// erasing removes and what stays (anonymous counts), and erases only when confirmed.
import { has, lang, t } from '../i18n.js';
import { del, errorMessage, get } from '../api.js';
import { atLeast } from '../roles.js';
import { h, phoneText, say, shortDate } from './util.js';
import { printDocument } from './print.js';

/** The fields of the borrower's row, in the order the page lists them. */
const FIELDS = ['name', 'phone', 'email', 'birth_year', 'gender', 'guardian_id', 'guardian_consent', 'card', 'notes',
  'blocked', 'blocked_reason', 'accepted_terms_at', 'created_at', 'last_activity_at', 'id'];

function value(key, v) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'boolean') return t(v ? 'desk.rights.yes' : 'desk.rights.no');
  if (/phone$/.test(key)) return phoneText(v);
  if (key === 'gender') return t(`borrower.gender.${v}`);
  if (/_at$/.test(key) || /^\d{4}-\d{2}-\d{2}/.test(String(v))) return shortDate(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A table of rows (objects), with the columns named by keys ('desk.rights.col.KEY'). */
function table(caption, rows, keys) {
  if (!rows.length) return h('p', { text: t('desk.rights.none') });
  return h('table', { class: 'export-table' }, h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, ...keys.map((k) => h('th', { scope: 'col', text: t(`desk.rights.col.${k}`) })))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...keys.map((k) => h('td', { text: value(k, r[k]) }))))));
}

/** The printable page of an export, in the page's language (Swedish unless English is chosen). */
export function exportPage(doc) {
  const b = doc.borrower;
  const known = new Set(['borrower', 'branch', 'loans', 'item_status_changes', 'record_events']);
  const others = Object.keys(doc).filter((k) => !known.has(k));
  const section = (key, ...content) => h('section', {}, h('h2', { text: t(key) }), ...content);
  const loans = doc.loans.map((l) => ({ ...l, item: `${l.item.code} ${l.item.name}`, category: l.item.category }));
  return h('article', { class: 'export-page', lang: lang() },
    h('h1', { text: t('desk.rights.doc_heading', { name: b.name }) }),
    h('p', { text: t('desk.rights.doc_intro', { branch: doc.branch.name, date: shortDate(new Date().toISOString()) }) }),
    section('desk.rights.doc_person', h('dl', {}, ...FIELDS.flatMap((k) => [h('dt', { text: t(`desk.rights.field.${k}`) }),
      h('dd', { text: value(k, b[k]) })]), ...Object.keys(b).filter((k) => !FIELDS.includes(k) && k !== 'branch_id')
      .flatMap((k) => [h('dt', { text: k }), h('dd', { text: value(k, b[k]) })]))),
    section('desk.rights.doc_loans', table(t('desk.rights.doc_loans'), loans,
      ['item', 'category', 'checked_out_at', 'due_date', 'returned_at', 'renewals', 'return_note'])),
    section('desk.rights.doc_changes', table(t('desk.rights.doc_changes'), doc.item_status_changes, ['item', 'from', 'to', 'at'])),
    section('desk.rights.doc_events', table(t('desk.rights.doc_events'), doc.record_events.map((e) => ({
      ...e, action: has(`desk.rights.action.${e.action}`) ? t(`desk.rights.action.${e.action}`) : e.action,
    })), ['action', 'at'])),
    ...others.map((k) => section('desk.rights.doc_other', h('h3', { text: k }),
      h('pre', { class: 'export-json', text: JSON.stringify(doc[k], null, 2) }))),
    section('desk.rights.doc_why', h('p', { text: t('desk.rights.doc_why_text') })));
}

/**
 * Wire the rights section of the borrower screen: borrower() is the borrower on show (or null),
 * onErased(name) is called after an erasure. Returns { render } to call when the screen draws.
 */
export function createRights(ctx, borrower, onErased) {
  const $ = (id) => document.getElementById(id);
  let exported = null; // { id, doc, url } of the last export
  let message = null; // { key, params } | { text }
  let confirming = false;

  function render() {
    const b = borrower();
    $('rights').hidden = !b || !atLeast(ctx.user, 'manager');
    if (exported && exported.id !== b?.id) forget();
    $('rights-export-box').hidden = !exported;
    if (exported) {
      $('rights-export-summary').textContent = t('desk.rights.summary', { loans: exported.doc.loans.length });
      $('rights-json').href = exported.url;
      $('rights-json').download = `registerutdrag-${exported.id}.json`;
    }
    $('rights-erase-box').hidden = !confirming;
    $('rights-erase').setAttribute('aria-expanded', String(confirming));
    say($('rights-message'), !message ? '' : message.text ?? t(message.key, message.params));
  }

  function forget() {
    if (exported) URL.revokeObjectURL(exported.url);
    exported = null;
  }

  $('rights-export').addEventListener('click', async () => {
    const b = borrower();
    message = null;
    try {
      const doc = await get(`/api/borrowers/${b.id}/export`);
      forget();
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
      exported = { id: b.id, doc, url: URL.createObjectURL(blob) };
      message = { key: 'desk.rights.exported' };
    } catch (err) {
      message = { text: errorMessage(err) };
    }
    render();
    if (exported) $('rights-print').focus();
  });
  $('rights-print').addEventListener('click', () => printDocument(exportPage(exported.doc)));
  $('rights-erase').addEventListener('click', () => {
    confirming = !confirming;
    message = null;
    render();
    if (confirming) $('rights-erase-confirm').focus();
  });
  $('rights-erase-cancel').addEventListener('click', () => {
    confirming = false;
    render();
    $('rights-erase').focus();
  });
  $('rights-erase-confirm').addEventListener('click', async () => {
    const b = borrower();
    try {
      await del(`/api/borrowers/${b.id}`);
      confirming = false;
      forget();
      message = null;
      onErased(b.name);
    } catch (err) {
      message = { text: errorMessage(err) };
      render();
    }
  });
  return {
    render,
    reset() {
      confirming = false;
      message = null;
    },
  };
}
