// desk/lend: lending. Find the borrower (name, phone or card, typed or scanned) or register one
// on the spot, scan the items one after another (each is looked up at once and shown with its
// name, size and status, or its problem in words, colour and sound), then "Klar" lends them all
// in one request and says the due date in words, with "Ångra" until the answer's undo_until.
// What was scanned stays while the borrower is found or registered, and while the volunteer
// looks at another screen, until it is lent or the lending is cancelled.
import { t } from '../i18n.js';
import { ApiError, errorMessage, get, post } from '../api.js';
import { borrowerForm } from './borrower-form.js';
import { beep, dueText, h, itemCode, itemErrorText, itemProblem, phoneText, say } from './util.js';
import { sizeText } from '../item.js';

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
    rows: [], // { code, state: pending|found|unknown|error, item, err, refused, lookup }
    matches: null, // borrowers found, or null before a search
    refusals: [], // borrower-level reasons of a refused checkout (borrower_blocked, item_limit)
    receipt: null, // { checkout_id, due_date, borrower, loans, until }
    idem: null, // { sig, key }: the key of the checkout being tried, reused for its retries
    message: null, // { key, params } or { text }
    register: null, // the open register form
    busy: false,
  };
  let undoTimer = null;

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
    const p = itemProblem(row.item, borrowerBranch(), ctx.branchName);
    return p ? t(p.key, p.params) : null;
  }

  function renderRow(row) {
    const problem = rowProblem(row);
    const kind = row.state === 'pending' ? 'pending' : problem ? 'problem' : 'ok';
    const item = row.item;
    const size = item ? sizeText(item.size) : '';
    return h('li', { class: `desk-scan desk-scan-${kind}`, dataset: { code: row.code, state: kind } },
      h('span', { class: 'desk-scan-mark', 'aria-hidden': 'true', text: kind === 'ok' ? '✓' : kind === 'problem' ? '!' : '…' }),
      h('span', { class: 'desk-scan-body' },
        h('span', { class: 'desk-scan-title' }, h('span', { class: 'desk-code-inline', text: row.code }),
          item ? ` ${item.name}` : ''),
        size ? h('span', { class: 'desk-scan-size', text: size }) : null,
        h('span', { class: 'desk-scan-status' },
          kind === 'pending' ? t('desk.looking_up') : problem || t('desk.lend.ok'))),
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
    $('lend-count').textContent = text;
  }

  function renderBorrower() {
    const b = state.borrower;
    $('lend-find').hidden = Boolean(b) || Boolean(state.register);
    $('lend-borrower').hidden = !b;
    if (b) {
      const link = $('lend-borrower-link');
      link.textContent = b.name;
      link.href = `/desk/borrowers/${b.id}`;
      const open = b.open_loans_count ?? b.open_loans?.length ?? 0;
      // A child is lent to on the guardian's word: the guardian is named first.
      const parts = [b.guardian ? t('desk.borrower.guardian_is', { name: b.guardian.name }) : null,
        b.birth_year ? t('desk.borrower.born', { year: b.birth_year }) : null,
        phoneText(b.phone ?? b.guardian?.phone), b.card ? t('desk.borrower.card_is', { card: b.card }) : null,
        t('desk.borrower.loans_now', { n: open })];
      $('lend-borrower-details').textContent = parts.filter(Boolean).join(' · ');
      const reasons = [];
      if (b.blocked) reasons.push(t('desk.borrower.blocked_because', { reason: b.blocked_reason || '–' }));
      for (const r of state.refusals) reasons.push(itemErrorText(r, 'problem.checkout_refused'));
      say($('lend-borrower-blocked'), reasons.join(' '));
    }
    renderMatches();
  }

  function renderMatches() {
    const found = state.matches;
    matchesEl.replaceChildren(...(found || []).map((b) => h('li', {},
      h('button', { type: 'button', class: 'desk-match', dataset: { id: b.id }, onclick: () => pick(b) },
        h('span', { class: 'desk-match-name', text: b.name }),
        h('span', { class: 'desk-match-details', text: [phoneText(b.phone), b.card ? t('desk.borrower.card_is', { card: b.card }) : null,
          t('desk.borrower.loans_now', { n: b.open_loans_count ?? 0 }), b.blocked ? t('desk.borrower.blocked') : null]
          .filter(Boolean).join(' · ') })))));
    matchesEl.hidden = !found || !found.length;
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
    state.matches = null;
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

  /** Enter in the borrower field: a card selects its borrower; a name or phone lists matches. */
  async function findBorrower() {
    const text = who.value.trim();
    if (!text) {
      setMessage({ key: 'desk.lend.who_empty', kind: 'problem' });
      return;
    }
    state.receipt = null;
    renderReceipt();
    let found;
    try {
      found = (await get(`/api/borrowers?q=${encodeURIComponent(text)}`)).borrowers;
    } catch (err) {
      setMessage({ text: errorMessage(err), kind: 'problem' });
      beep('problem');
      return;
    }
    const byCard = found.filter((b) => b.card && b.card.toLowerCase() === text.toLowerCase());
    if (byCard.length === 1 || found.length === 1) {
      pick(byCard[0] || found[0]);
      return;
    }
    if (found.length) {
      state.matches = found;
      setMessage({ key: 'desk.lend.matches_found', params: { n: found.length } });
      renderMatches();
      matchesEl.querySelector('button').focus();
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
    state.matches = [];
    renderMatches();
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
      state.receipt = { ...res, borrower: state.borrower, until: Date.parse(res.undo_until) };
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
      done.disabled = false;
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

  function cancel() {
    state.borrower = null;
    state.rows = [];
    state.matches = null;
    state.refusals = [];
    closeRegister();
    setMessage({ key: 'desk.lend.cancelled' });
    render();
    who.focus();
  }

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
  done.addEventListener('click', lend);
  $('lend-cancel').addEventListener('click', cancel);
  el.addEventListener('keydown', (event) => {
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
  // Up and down move through the borrowers found, and back up to the search field.
  matchesEl.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...matchesEl.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    event.preventDefault();
    if (event.key === 'ArrowDown') buttons[Math.min(i + 1, buttons.length - 1)].focus();
    else if (i <= 0) who.focus();
    else buttons[i - 1].focus();
  });
  who.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && !matchesEl.hidden) {
      event.preventDefault();
      matchesEl.querySelector('button')?.focus();
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
  };
}
