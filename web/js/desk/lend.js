// desk/lend: lending. Find the borrower (name, phone or card, typed or scanned; several matches
// wait for an explicit choice, see borrower-picker.js) or register one on the spot, scan the
// items one after another (each is looked up at once and shown with its name, size and status, or
// its problem in words, colour and sound), then "Klar" lends them all in one request and says the
// due date in words, with "Ångra" until the answer's undo_until and "Skriv ut kvitto" for a receipt. An item recorded as on loan (or
// lost) that is in fact at the desk is returned and added with one key, Alt+A. A blocked borrower
// is said above the scan list, no item is shown as lendable and Klar is disabled with the reason.
// What was scanned stays while the borrower is found or registered, and while the volunteer looks
// at another screen, until it is lent or cancelled, or the desk has been idle for two minutes, or
// the volunteer logs out: the next person at the desk never lends to the previous borrower.
import { t } from '../i18n.js';
import { ApiError, errorMessage, get, post } from '../api.js';
import { borrowerForm } from './borrower-form.js';
import { borrowerTells, createBorrowerPicker, findBorrowers } from './borrower-picker.js';
import { beep, daysSince, dueText, h, itemCode, itemErrorText, itemProblem, say } from './util.js';
import { sizeText } from '../item.js';
import { printReceipt, receiptOf } from './print.js';

/** How long the desk may stand idle before a half-finished lending is cleared. */
export const LEND_IDLE_MS = 2 * 60 * 1000;

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; this does not). */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Which field a search text that found nobody most likely was: a phone, a card, or a name. */
function guessField(text) {
  if ((text.match(/\d/g) || []).length >= 6 && /^\+?[\d\s()-]+$/.test(text)) return 'phone';
  if (/^[A-Za-z0-9._-]+$/.test(text) && /\d/.test(text)) return 'card';
  return 'name';
}

export function createLend(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-lend');
  const who = $('lend-who');
  const code = $('lend-code');
  const list = $('lend-list');
  const matchesEl = $('lend-matches');
  const message = $('lend-message');
  const done = $('lend-done');
  const registerSlot = $('lend-register-slot');

  const state = {
    borrower: null,
    rows: [], // { code, state: pending|found|unknown|error, item, err, refused, lookup, returning }
    searched: null, // the search text whose several matches wait for a choice
    refusals: [], // borrower-level reasons of a refused checkout (borrower_blocked, item_limit)
    receipt: null, // { checkout_id, due_date, borrower, loans, until, items: { code: item } }
    idem: null, // { sig, key }: the key of the checkout being tried, reused for its retries
    message: null, // { key, params } or { text }
    register: null, // the open register form
    busy: false,
  };
  let undoTimer = null;
  let idleTimer = null;
  const picker = createBorrowerPicker(ctx, { input: who, list: matchesEl, onPick: (b) => pick(b) });

  const setMessage = (m) => {
    state.message = m;
    renderMessage();
  };

  function renderMessage() {
    const m = state.message;
    message.textContent = !m ? '' : m.text ?? t(m.key, m.params);
    message.dataset.kind = m?.kind || '';
  }

  function borrowerBranch() {
    return state.borrower?.branch || ctx.user.branch || null;
  }

  function rowProblem(row) {
    if (row.state === 'unknown') return t('item_error.unknown_item');
    if (row.state === 'error') return errorMessage(row.err);
    if (row.state !== 'found') return null;
    if (row.refused) return itemErrorText(row.refused, 'problem.checkout_refused', { age: row.consentAge });
    const item = row.item;
    const late = item.status === 'on_loan' && item.due_date ? daysSince(item.due_date) : 0;
    if (late > 0) return t('desk.lend.on_loan_late', { n: late });
    const p = itemProblem(item, borrowerBranch(), ctx.branchName);
    return p ? t(p.key, p.params) : null;
  }

  /** Whether a row is an item recorded as on loan (or lost) that could be returned here and lent. */
  function offersReturn(row) {
    return row.state === 'found' && !row.returning && ['on_loan', 'lost'].includes(row.item.status)
      && (!borrowerBranch() || row.item.branch === borrowerBranch());
  }

  /** A row that would go out, but the borrower is blocked: held back, not lendable. */
  const held = (row) => Boolean(state.borrower?.blocked) && row.state === 'found' && !rowProblem(row);

  function renderRow(row) {
    const problem = rowProblem(row);
    const kind = row.state === 'pending' ? 'pending' : problem ? 'problem' : held(row) ? 'held' : 'ok';
    const item = row.item;
    const size = item ? sizeText(item.size) : '';
    const status = kind === 'pending' ? t('desk.looking_up') : kind === 'held' ? t('desk.lend.held') : problem || t('desk.lend.ok');
    return h('li', { class: `desk-scan desk-scan-${kind}`, dataset: { code: row.code, state: kind } },
      h('span', { class: 'desk-scan-mark', 'aria-hidden': 'true', text: { ok: '✓', problem: '!', held: '–', pending: '…' }[kind] }),
      h('span', { class: 'desk-scan-body' },
        h('span', { class: 'desk-scan-title' }, h('span', { class: 'desk-code-inline', text: row.code }),
          item ? ` ${item.name}` : ''),
        size ? h('span', { class: 'desk-scan-size', text: size }) : null,
        h('span', { class: 'desk-scan-status', text: status })),
      offersReturn(row) ? h('button', {
        type: 'button', class: 'button desk-small', 'aria-keyshortcuts': 'Alt+A',
        'aria-label': t('desk.lend.return_and_add_label', { code: row.code }),
        text: t('desk.lend.return_and_add'), onclick: () => returnAndAdd(row),
      }) : null,
      h('button', {
        type: 'button', class: 'button desk-small', 'aria-label': t('desk.lend.remove_label', { code: row.code }),
        text: t('desk.remove'), onclick: () => removeRow(row),
      }));
  }

  function renderList() {
    list.replaceChildren(...[...state.rows].reverse().map(renderRow));
    const ok = state.rows.filter((r) => r.state === 'found' && !rowProblem(r)).length;
    const bad = state.rows.filter((r) => r.state !== 'pending' && rowProblem(r)).length;
    let text = state.rows.length ? t('desk.lend.count', { n: ok }) : t('desk.lend.empty');
    if (bad) text += ` ${t('desk.lend.count_problems', { n: bad })}`;
    $('lend-count').textContent = state.borrower?.blocked && state.rows.length ? t('desk.lend.count_held') : text;
    // A blocked borrower: said above the list, and Klar cannot lend.
    const b = state.borrower;
    say($('lend-blocked'), b?.blocked ? t('desk.lend.blocked', { name: b.name, reason: b.blocked_reason || '–' }) : '');
    done.disabled = Boolean(b?.blocked) || state.busy;
    say($('lend-done-why'), b?.blocked ? t('desk.lend.done_blocked') : '');
  }

  function renderBorrower() {
    const b = state.borrower;
    $('lend-find').hidden = Boolean(b) || Boolean(state.register);
    $('lend-borrower').hidden = !b;
    if (b) {
      const link = $('lend-borrower-link');
      link.textContent = b.name;
      link.href = `/desk/borrowers/${b.id}`;
      $('lend-borrower-details').textContent = borrowerTells(ctx, b);
      const reasons = [];
      if (b.blocked) reasons.push(t('desk.borrower.blocked_because', { reason: b.blocked_reason || '–' }));
      for (const r of state.refusals) reasons.push(itemErrorText(r, 'problem.checkout_refused'));
      say($('lend-borrower-blocked'), reasons.join(' '));
    }
    picker.render();
  }

  function renderReceipt() {
    const r = state.receipt;
    $('lend-receipt').hidden = !r;
    if (!r) return;
    $('lend-receipt-title').textContent = t('desk.lend.lent', { n: r.loans.length, name: r.borrower.name });
    $('lend-receipt-due').textContent = dueText(r.due_date);
    $('lend-receipt-items').replaceChildren(...r.loans.map((l) => h('li', {}, h('span', { class: 'desk-code-inline', text: l.item.code }),
      ` ${l.item.name}`)));
    $('lend-undo').hidden = Date.now() > r.until;
  }

  function render() {
    renderMessage();
    renderBorrower();
    renderList();
    renderReceipt();
    state.register?.render();
  }

  // ---- the borrower ----

  function pick(b) {
    state.borrower = b;
    state.searched = null;
    picker.clear();
    state.refusals = [];
    for (const r of state.rows) delete r.refused; // the server's reasons were about the last borrower
    closeRegister();
    who.value = '';
    setMessage(b.blocked ? { key: 'desk.lend.picked_blocked', params: { name: b.name }, kind: 'problem' }
      : { key: 'desk.lend.picked', params: { name: b.name } });
    beep(b.blocked ? 'problem' : 'ok');
    render();
    code.focus();
  }

  async function pickById(id) {
    try {
      pick(await get(`/api/borrowers/${id}`));
    } catch (err) {
      setMessage({ text: errorMessage(err), kind: 'problem' });
    }
  }

  function openRegister(initial = {}) {
    closeRegister();
    state.register = borrowerForm(ctx, {
      idPrefix: 'lend-reg',
      initial,
      onSaved: (b) => pick(b),
      onCancel: () => {
        closeRegister();
        render();
        who.select(); // the next scan replaces what found nobody
      },
      onPick: (id) => pickById(id),
    });
    registerSlot.replaceChildren(state.register.el);
    renderBorrower();
    state.register.focus();
  }

  function closeRegister() {
    state.register = null;
    registerSlot.replaceChildren();
  }

  /** Add a scanned item to the list and look it up; resolves when the row knows what it is. */
  function scanItem(text) {
    state.receipt = null;
    renderReceipt();
    const c = itemCode(text);
    if (!c) {
      state.rows.push({ code: text.trim().slice(0, 64), state: 'unknown' });
      beep('problem');
      renderList();
      return Promise.resolve();
    }
    const existing = state.rows.find((r) => r.code === c);
    if (existing) {
      setMessage({ key: 'desk.lend.already_listed', params: { code: c }, kind: 'problem' });
      beep('problem');
      return existing.lookup || Promise.resolve();
    }
    const row = { code: c, state: 'pending' };
    state.rows.push(row);
    renderList();
    row.lookup = get(`/api/items/${encodeURIComponent(c)}`).then((item) => {
      row.state = 'found';
      row.item = item;
    }, (err) => {
      row.state = err instanceof ApiError && err.status === 404 ? 'unknown' : 'error';
      row.err = err;
    }).then(() => {
      row.lookup = null;
      if (!state.rows.includes(row)) return;
      beep(rowProblem(row) ? 'problem' : 'ok');
      renderList();
    });
    return row.lookup;
  }

  function removeRow(row) {
    state.rows = state.rows.filter((r) => r !== row);
    setMessage({ key: 'desk.lend.removed', params: { code: row.code } });
    renderList();
    code.focus();
  }

  /**
   * Return an item recorded as on loan (or lost) that is here at the desk, then look it up again,
   * so that it joins this lending (Alt+A). The message says how late it came back.
   */
  async function returnAndAdd(row) {
    if (!row || row.returning) return;
    row.returning = true;
    renderList();
    try {
      const res = (await post('/api/returns', { items: [row.code] })).results[0];
      if (res.returned) {
        row.item = await get(`/api/items/${encodeURIComponent(row.code)}`);
        setMessage(res.found ? { key: 'desk.lend.found_added', params: { code: row.code } }
          : res.overdue_days > 0 ? { key: 'desk.lend.returned_added_late', params: { code: row.code, n: res.overdue_days } }
            : { key: 'desk.lend.returned_added', params: { code: row.code } });
      } else {
        setMessage({ text: `${row.code}: ${itemErrorText(res.error?.code, 'desk.return.error.other')}`, kind: 'problem' });
      }
    } catch (err) {
      setMessage({ text: `${row.code}: ${errorMessage(err)}`, kind: 'problem' });
    }
    beep(state.message?.kind === 'problem' || rowProblem(row) ? 'problem' : 'ok');
    row.returning = false;
    renderList();
    code.focus();
  }

  /**
   * Enter in the borrower field: one clear match (a card, the only borrower found) is taken;
   * several are listed and wait for a choice (Enter again takes none of them); nobody opens the
   * register form, unless the text was an item's code.
   */
  async function findBorrower() {
    const text = who.value.trim();
    if (!text) {
      setMessage({ key: 'desk.lend.who_empty', kind: 'problem' });
      return;
    }
    if (picker.waiting && state.searched === text) {
      setMessage({ key: 'desk.lend.choose', kind: 'problem' });
      beep('problem');
      return;
    }
    state.receipt = null;
    renderReceipt();
    let found;
    try {
      const res = await findBorrowers(text);
      if (res.borrower) {
        pick(res.borrower);
        return;
      }
      found = res.found;
    } catch (err) {
      setMessage({ text: errorMessage(err), kind: 'problem' });
      beep('problem');
      return;
    }
    if (found.length) {
      state.searched = text;
      picker.show(found);
      setMessage({ key: 'desk.lend.matches_found', params: { n: found.length } });
      beep('notice');
      return;
    }
    // Nobody: perhaps an item was scanned first. Keep it, and still ask who borrows.
    const c = itemCode(text);
    if (c) {
      try {
        await get(`/api/items/${encodeURIComponent(c)}`);
        who.value = '';
        await scanItem(c);
        setMessage({ key: 'desk.lend.item_first', params: { code: c } });
        return;
      } catch {
        // not an item either
      }
    }
    picker.clear();
    setMessage({ key: 'desk.lend.nobody', params: { text }, kind: 'problem' });
    beep('problem');
    openRegister({ [guessField(text)]: text });
  }

  // ---- lending ----

  async function lend() {
    if (state.busy) return;
    await Promise.all(state.rows.map((r) => r.lookup).filter(Boolean));
    if (!state.borrower) {
      setMessage({ key: 'desk.lend.need_borrower', kind: 'problem' });
      beep('problem');
      (state.register ? registerSlot.querySelector('input') : who).focus();
      return;
    }
    if (state.borrower.blocked) {
      setMessage({ key: 'desk.lend.done_blocked', kind: 'problem' });
      beep('problem');
      return;
    }
    const ok = state.rows.filter((r) => r.state === 'found' && !rowProblem(r));
    if (!ok.length) {
      setMessage({ key: 'desk.lend.need_items', kind: 'problem' });
      beep('problem');
      code.focus();
      return;
    }
    const body = { borrower_id: state.borrower.id, items: ok.map((r) => r.code) };
    const sig = JSON.stringify(body);
    if (state.idem?.sig !== sig) state.idem = { sig, key: randomKey() };
    state.busy = true;
    done.disabled = true;
    try {
      const res = await post('/api/checkouts', body, { headers: { 'Idempotency-Key': state.idem.key } });
      state.receipt = { ...res, borrower: state.borrower, until: Date.parse(res.undo_until),
        items: Object.fromEntries(ok.map((r) => [r.code, r.item])) };
      state.borrower = null;
      state.rows = [];
      state.refusals = [];
      state.idem = null;
      setMessage(null);
      clearTimeout(undoTimer);
      undoTimer = setTimeout(renderReceipt, state.receipt.until - Date.now() + 1000);
      beep('ok');
      render();
      who.focus();
    } catch (err) {
      state.refusals = [];
      if (err.code === 'checkout_refused') {
        for (const e of err.errors) {
          const row = e.item && state.rows.find((r) => r.code === e.item);
          if (row) Object.assign(row, { refused: e.code, consentAge: e.consent_age });
          else if (!state.refusals.includes(e.code)) state.refusals.push(e.code);
        }
        setMessage({ key: 'desk.lend.refused', kind: 'problem' });
      } else {
        setMessage({ text: errorMessage(err), kind: 'problem' });
      }
      beep('problem');
      render();
      code.focus();
    } finally {
      state.busy = false;
      renderList();
    }
  }

  async function undo() {
    const r = state.receipt;
    if (!r) return;
    try {
      await post(`/api/checkouts/${r.checkout_id}/undo`);
    } catch (err) {
      setMessage({ text: errorMessage(err), kind: 'problem' });
      beep('problem');
      return;
    }
    // Back as it was before "Klar", so that a mistake can be put right and lent again.
    state.receipt = null;
    state.borrower = r.borrower;
    state.rows = [];
    setMessage({ key: 'desk.lend.undone', params: { n: r.loans.length } });
    beep('notice');
    render();
    code.focus();
    await Promise.all(r.loans.map((l) => scanItem(l.item.code)));
  }

  /** Forget the lending in progress: borrower, scans, matches, an open form, the last receipt. */
  function clear() {
    state.borrower = null;
    state.rows = [];
    state.searched = null;
    state.refusals = [];
    state.receipt = null;
    state.idem = null;
    picker.clear();
    closeRegister();
    who.value = '';
    code.value = '';
  }

  function cancel() {
    clear();
    setMessage({ key: 'desk.lend.cancelled' });
    render();
    who.focus();
  }

  /** After LEND_IDLE_MS without a key or a click anywhere on the desk, a half-finished lending goes. */
  function idle() {
    if (!state.borrower && !state.rows.length && !state.register && !picker.waiting && !state.receipt) return;
    const here = el.contains(document.activeElement);
    clear();
    setMessage({ key: 'desk.lend.idle_cleared' });
    render();
    if (here) who.focus();
  }
  const active = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(idle, LEND_IDLE_MS);
  };
  for (const type of ['keydown', 'pointerdown']) document.addEventListener(type, active, { capture: true });
  active();

  // ---- events ----

  $('lend-find-form').addEventListener('submit', (event) => {
    event.preventDefault();
    findBorrower();
  });
  $('lend-scan-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = code.value;
    code.value = '';
    if (text.trim()) scanItem(text);
  });
  $('lend-new').addEventListener('click', () => openRegister({ [guessField(who.value.trim())]: who.value.trim() }));
  $('lend-change').addEventListener('click', () => {
    state.borrower = null;
    state.refusals = [];
    render();
    who.focus();
  });
  $('lend-undo').addEventListener('click', undo);
  $('lend-print-receipt').addEventListener('click', async () => {
    const r = state.receipt;
    if (!r) return;
    let branch = ctx.branches.find((b) => b.slug === (r.borrower.branch || ctx.user.branch));
    // The calendar resolves the week from the due date on (seasons and closures included).
    if (branch) {
      const week = await get(`/api/public/branches/${encodeURIComponent(branch.slug)}?from=${r.due_date}`).catch(() => null);
      branch = { ...branch, days: week?.days || [] };
    }
    printReceipt(receiptOf({
      branch, borrowerName: r.borrower.name, dueDate: r.due_date,
      loans: r.loans.map((l) => ({ code: l.item.code, name: l.item.name, size: r.items[l.item.code]?.size })),
    }), branch?.receipt_format || 'receipt-80');
  });
  done.addEventListener('click', lend);
  $('lend-cancel').addEventListener('click', cancel);
  el.addEventListener('keydown', (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyA') {
      event.preventDefault();
      const row = [...state.rows].reverse().find(offersReturn);
      if (row) returnAndAdd(row);
      else {
        setMessage({ key: 'desk.lend.nothing_to_return', kind: 'problem' });
        beep('problem');
      }
      return;
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (event.target === code && code.value.trim()) {
        const text = code.value;
        code.value = '';
        scanItem(text).then(lend);
      } else {
        lend();
      }
    }
  });

  render();
  return {
    el,
    title: 'desk.lend.title',
    show() {
      render();
      if (state.register) state.register.focus();
      else (state.borrower ? code : who).focus();
    },
    render,
    escape() {
      if (!state.register) return false;
      closeRegister();
      render();
      who.select(); // the next scan replaces what found nobody
      return true;
    },
    /** Start lending to a borrower (from the borrower page). */
    startWith(b) {
      state.receipt = null;
      pick(b);
    },
    /** Forget everything (the volunteer logs out). */
    clear() {
      clear();
      render();
    },
  };
}
