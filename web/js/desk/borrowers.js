// desk/borrowers: finding and registering borrowers, and one borrower's page: details, open
// loans (renewable), history, blocking with a reason, editing, and printing a library card (a
// borrower without a card code gets a new one first).
import { t } from '../i18n.js';
import { errorMessage, get, patch, post } from '../api.js';
import { borrowerForm } from './borrower-form.js';
import { borrowerTells } from './borrower-picker.js';
import { beep, dueText, h, messageText, phoneText, say, shortDate } from './util.js';
import { printCard } from './print.js';
import { createRights } from './rights.js';

export function createBorrowers(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-borrowers');
  const q = $('borrowers-q');
  const listEl = $('borrowers-list');
  const more = $('borrowers-more');
  const slot = $('borrowers-register-slot');
  let found = null; // { q, page, borrowers, has_more }
  let error = null;
  let register = null;
  let timer = null;
  let asked = 0; // the latest search, so that a slow answer never replaces a newer one

  function render() {
    const count = $('borrowers-count');
    if (error) count.textContent = errorMessage(error);
    else if (!found) count.textContent = '';
    else count.textContent = found.borrowers.length ? t('desk.borrowers.count', { n: found.borrowers.length })
      + (found.has_more ? ` ${t('desk.borrowers.more_exist')}` : '') : t('desk.borrowers.none');
    listEl.replaceChildren(...(found?.borrowers || []).map((b) => h('li', { class: 'desk-row' },
      h('a', { class: 'desk-row-title', href: `/desk/borrowers/${b.id}`, text: b.name }),
      h('span', { class: 'desk-hint', text: borrowerTells(ctx, b) }))));
    more.hidden = !found?.has_more;
    $('borrowers-new').hidden = Boolean(register);
    register?.render();
  }

  async function search(page = 1) {
    const text = q.value.trim();
    const mine = ++asked;
    try {
      const res = await get(`/api/borrowers?q=${encodeURIComponent(text)}&page=${page}`);
      if (mine !== asked) return;
      error = null;
      found = page === 1 ? { q: text, page, ...res } : { ...res, q: text, page, borrowers: [...found.borrowers, ...res.borrowers] };
    } catch (err) {
      if (mine !== asked) return;
      error = err;
    }
    render();
  }

  function closeRegister() {
    register = null;
    slot.replaceChildren();
    render();
  }

  $('borrowers-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(), 300);
  });
  more.addEventListener('click', () => search(found.page + 1));
  $('borrowers-new').addEventListener('click', () => {
    const text = q.value.trim();
    register = borrowerForm(ctx, {
      idPrefix: 'reg',
      initial: /\d{6,}/.test(text.replace(/\D/g, '')) ? { phone: text } : { name: text },
      onSaved: (b) => {
        closeRegister();
        ctx.navigate(`/desk/borrowers/${b.id}`);
      },
      onCancel: () => {
        closeRegister();
        q.focus();
      },
      onPick: (id) => {
        closeRegister();
        ctx.navigate(`/desk/borrowers/${id}`);
      },
    });
    slot.replaceChildren(register.el);
    render();
    register.focus();
  });

  return {
    el,
    title: 'desk.borrowers.title',
    show() {
      if (!found) search();
      q.focus();
    },
    render,
    escape() {
      if (!register) return false;
      closeRegister();
      q.focus();
      return true;
    },
  };
}

export function createBorrower(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-borrower');
  const heading = $('borrower-heading');
  const message = $('borrower-message');
  const editButton = $('borrower-edit');
  const editSlot = $('borrower-edit-slot');
  const childButton = $('borrower-add-child');
  const childSlot = $('borrower-child-slot');
  const reason = $('borrower-block-reason');
  const smsText = $('borrower-sms-text');
  let b = null;
  let messages = null; // the borrower's messages, newest first
  let smsError = null; // what refused the last SMS
  let loadError = null;
  let edit = null;
  let childForm = null;
  let shown = null; // { key, params } or { text } for the message line
  let blockError = false;
  let renewing = new Set();
  let asked = 0; // the latest read or change of b: an older answer never replaces a newer one
  let erased = false; // the borrower on show was erased just now
  const rights = createRights(ctx, () => b, () => {
    b = null;
    erased = true;
    setMessage({ key: 'desk.rights.erased' });
    render();
    heading.focus();
  });

  function setMessage(m) {
    shown = m;
    message.textContent = !m ? '' : m.text ?? t(m.key, m.params);
  }

  function detail(key, value) {
    return value ? [h('dt', { text: t(key) }), h('dd', {}, value)] : [];
  }

  function render() {
    heading.tabIndex = -1;
    if (!b) {
      heading.textContent = erased ? t('desk.rights.erased_heading') : loadError ? errorMessage(loadError) : t('common.loading');
      if (shown) setMessage(shown);
      for (const id of ['borrower-details', 'borrower-open', 'borrower-history', 'borrower-children']) $(id).replaceChildren();
      el.querySelectorAll('.card, .desk-buttons').forEach((x) => (x.hidden = true));
      rights.render();
      return;
    }
    el.querySelectorAll('.card, .desk-buttons').forEach((x) => (x.hidden = false));
    heading.textContent = b.name;
    if (shown) setMessage(shown);
    say($('borrower-blocked'), b.blocked ? t('desk.borrower.blocked_because', { reason: b.blocked_reason || '–' }) : '');
    $('borrower-details').replaceChildren(
      ...detail('desk.borrower.phone', b.phone ? h('a', { href: `tel:${b.phone}`, text: phoneText(b.phone) }) : null),
      ...detail('desk.borrower.email', b.email),
      ...detail('desk.borrower.card', b.card),
      ...detail('desk.borrower.guardian', b.guardian ? [h('a', { href: `/desk/borrowers/${b.guardian.id}`,
        text: b.guardian.name }), b.guardian.phone ? ` · ${phoneText(b.guardian.phone)}` : ''] : null),
      ...detail('desk.borrower.guardian_consent_short', b.guardian ? t(b.guardian_consent ? 'desk.yes' : 'desk.no') : null),
      ...detail('desk.borrower.birth_year', b.birth_year ? String(b.birth_year) : null),
      ...detail('desk.borrower.gender', b.gender ? t(`borrower.gender.${b.gender}`) : null),
      ...detail('desk.branch', ctx.branchName(b.branch)),
      ...detail('desk.borrower.registered', b.created_at ? shortDate(b.created_at) : null),
      ...detail('desk.borrower.terms', b.accepted_terms_at ? shortDate(b.accepted_terms_at) : t('desk.borrower.terms_no')),
      ...detail('desk.borrower.messages', b.messages_opt_out ? t('desk.borrower.messages_none')
        : t(`desk.borrower.messages_in_${b.language}`)),
      ...detail('desk.borrower.notes', b.notes));
    $('borrower-block-form').hidden = b.blocked;
    $('borrower-unblock-box').hidden = !b.blocked;
    say($('borrower-block-error'), blockError ? t('desk.field.borrower.blocked_reason') : '');
    if (blockError) reason.setAttribute('aria-invalid', 'true');
    else reason.removeAttribute('aria-invalid');
    editButton.setAttribute('aria-expanded', String(Boolean(edit)));
    $('borrower-card').textContent = t(b.card ? 'desk.card.print' : 'desk.card.new');
    edit?.render();
    // A guardian's children and what they have borrowed; a child has no children of their own.
    $('borrower-children-card').hidden = Boolean(b.guardian_id);
    childButton.hidden = Boolean(childForm);
    childButton.setAttribute('aria-expanded', String(Boolean(childForm)));
    childForm?.render();
    $('borrower-children').replaceChildren(...(b.children?.length ? b.children.map((c) => h('li', { class: 'desk-row' },
      h('a', { class: 'desk-row-title', href: `/desk/borrowers/${c.id}`, text: c.name }),
      h('span', { class: 'desk-hint', text: [t('desk.picker.born', { year: c.birth_year }),
        c.guardian_consent ? t('desk.borrower.has_consent') : null, c.blocked ? t('desk.borrower.blocked') : null,
        t('desk.borrower.loans_now', { n: c.open_loans.length })].filter(Boolean).join(' · ') }),
      c.open_loans.length ? h('ul', { class: 'desk-plain' }, c.open_loans.map((l) => h('li',
        { class: l.overdue_days > 0 ? 'desk-row-late' : null },
        h('span', { class: 'desk-code-inline', text: l.item.code }), ` ${l.item.name} · ${dueText(l.due_date)}`,
        l.overdue_days > 0 ? ` · ${t('desk.late_days', { n: l.overdue_days })}` : ''))) : null))
      : [h('li', { class: 'desk-hint', text: t('desk.borrower.no_children') })]));
    rights.render();

    $('borrower-open').replaceChildren(...(b.open_loans.length ? b.open_loans.map((l) => h('li',
      { class: `desk-row${l.overdue_days > 0 ? ' desk-row-late' : ''}` },
      h('span', { class: 'desk-row-title' }, h('span', { class: 'desk-code-inline', text: l.item.code }), ` ${l.item.name}`),
      h('span', { class: 'desk-hint', text: [dueText(l.due_date), l.overdue_days > 0 ? t('desk.late_days', { n: l.overdue_days }) : null,
        l.renewals ? t('desk.borrower.renewed', { n: l.renewals }) : null].filter(Boolean).join(' · ') }),
      h('button', { type: 'button', class: 'button desk-small', disabled: renewing.has(l.id),
        'aria-label': t('desk.borrower.renew_label', { code: l.item.code }), text: t('desk.borrower.renew'),
        onclick: () => renew(l) })))
      : [h('li', { class: 'desk-hint', text: t('desk.borrower.no_open_loans') })]));
    $('borrower-messages').replaceChildren(...(messages?.length
      ? messages.map((m) => h('li', { class: `desk-row${m.status === 'failed' ? ' desk-row-late' : ''}` },
        h('span', { class: 'desk-row-title', text: messageText(m) }),
        m.body && m.kind === 'free_text' ? h('span', { class: 'desk-hint', text: m.body }) : null))
      : [h('li', { class: 'desk-hint', text: t(messages ? 'desk.messages.none' : 'common.loading') })]));
    $('borrower-sms-send').disabled = b.messages_opt_out;
    $('borrower-sms-count').textContent = b.messages_opt_out ? t('desk.messages.opted_out')
      : t('desk.messages.count', { n: [...smsText.value].length, max: 480 });
    say($('borrower-sms-error'), smsError ? errorMessage(smsError) : '');
    $('borrower-history').replaceChildren(...(b.history.length ? b.history.map((l) => h('li',
      { class: `desk-row${l.lost ? ' desk-row-late' : ''}` },
      h('span', { class: 'desk-row-title' }, h('a', { class: 'desk-code-inline', href: `/desk/items/${encodeURIComponent(l.item.code)}`,
        text: l.item.code }), ` ${l.item.name}`),
      h('span', { class: 'desk-hint', text: [t('desk.borrower.lent_on', { date: shortDate(l.checked_out_at) }),
        t(l.lost ? 'desk.borrower.lost_on' : 'desk.borrower.returned_on', { date: shortDate(l.returned_at) }),
        l.overdue_days > 0 ? t('desk.late_days', { n: l.overdue_days }) : null].filter(Boolean).join(' · ') })))
      : [h('li', { class: 'desk-hint', text: t('desk.borrower.no_history') })]));
  }

  /** The borrower's messages (none when they cannot be read: the page works without them). */
  const messagesOf = (id) => get(`/api/borrowers/${id}/messages`).then((r) => r.messages, () => []);

  async function loadMessages() {
    messages = await messagesOf(b.id);
  }

  async function load(id) {
    const mine = ++asked;
    try {
      const [got, list] = await Promise.all([get(`/api/borrowers/${id}`), messagesOf(id)]);
      if (mine !== asked) return;
      b = got;
      messages = list;
      loadError = null;
    } catch (err) {
      if (mine !== asked) return;
      b = null;
      loadError = err;
    }
    render();
  }

  async function change(body, okKey) {
    ++asked; // a read still on its way is older than this change
    try {
      b = await patch(`/api/borrowers/${b.id}`, body);
      setMessage({ key: okKey });
      beep('ok');
      return true;
    } catch (err) {
      setMessage({ text: errorMessage(err) });
      beep('problem');
      return false;
    } finally {
      render();
    }
  }

  async function renew(loan) {
    renewing.add(loan.id);
    render();
    try {
      const res = await post(`/api/loans/${loan.id}/renew`);
      setMessage({ key: 'desk.borrower.renewed_to', params: { code: loan.item.code, due: dueText(res.due_date) } });
      beep('ok');
      await load(b.id);
    } catch (err) {
      setMessage({ text: `${loan.item.code}: ${errorMessage(err)}` });
      beep('problem');
    }
    renewing.delete(loan.id);
    render();
    // Back to the loans, unless the volunteer went on to something else meanwhile (the pressed
    // button was replaced by render, so focus left on the page body means nobody moved it).
    if (!document.activeElement || document.activeElement === document.body) el.querySelector('#borrower-open button')?.focus();
  }

  function closeEdit() {
    edit = null;
    editSlot.replaceChildren();
    render();
    editButton.focus();
  }

  function closeChild() {
    childForm = null;
    childSlot.replaceChildren();
    render();
  }

  childButton.addEventListener('click', () => {
    childForm = borrowerForm(ctx, {
      idPrefix: 'child',
      mode: 'child',
      guardian: b,
      onSaved: async (saved) => {
        closeChild();
        setMessage({ key: 'desk.borrower.child_registered', params: { name: saved.name, guardian: b.name } });
        beep('ok');
        await load(b.id);
        $('borrower-children').querySelector(`a[href="/desk/borrowers/${saved.id}"]`)?.focus();
      },
      onCancel: () => {
        closeChild();
        childButton.focus();
      },
    });
    childSlot.replaceChildren(childForm.el);
    render();
    childForm.focus();
  });

  editButton.addEventListener('click', () => {
    if (edit) {
      closeEdit();
      return;
    }
    edit = borrowerForm(ctx, {
      idPrefix: 'edit',
      mode: 'edit',
      borrower: b,
      onSaved: (saved) => {
        b = { ...b, ...saved };
        setMessage({ key: 'desk.borrower.saved' });
        closeEdit();
      },
      onCancel: closeEdit,
    });
    editSlot.replaceChildren(edit.el);
    render();
    edit.focus();
  });
  $('borrower-block-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    blockError = !reason.value.trim();
    if (blockError) {
      render();
      reason.focus();
      return;
    }
    if (await change({ blocked: true, blocked_reason: reason.value.trim() }, 'desk.borrower.blocked_now')) reason.value = '';
    $('borrower-unblock').focus();
  });
  $('borrower-unblock').addEventListener('click', async () => {
    await change({ blocked: false }, 'desk.borrower.unblocked_now');
    reason.focus();
  });
  smsText.addEventListener('input', () => render());
  $('borrower-sms-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = smsText.value.trim();
    smsError = null;
    if (!text) {
      smsText.focus();
      return;
    }
    $('borrower-sms-send').disabled = true;
    try {
      await post(`/api/borrowers/${b.id}/messages`, { text });
      smsText.value = '';
      await loadMessages();
      setMessage({ key: 'desk.messages.queued' });
      beep('ok');
    } catch (err) {
      smsError = err;
      beep('problem');
    }
    render();
    smsText.focus();
  });
  $('borrower-called').addEventListener('click', async () => {
    try {
      await post(`/api/borrowers/${b.id}/calls`, { loan_ids: b.open_loans.filter((l) => l.overdue_days > 0).map((l) => l.id) });
      await loadMessages();
      setMessage({ key: 'desk.messages.call_noted' });
      beep('ok');
    } catch (err) {
      setMessage({ text: errorMessage(err) });
      beep('problem');
    }
    render();
  });
  $('borrower-card').addEventListener('click', async () => {
    try {
      if (!b.card) b = await post(`/api/borrowers/${b.id}/card`);
      render();
      const branch = ctx.branches.find((x) => x.slug === b.branch);
      await printCard(b.id, branch?.label_format || 'a4-3x8');
      setMessage({ key: 'desk.card.printed', params: { card: b.card } });
    } catch (err) {
      setMessage({ text: errorMessage(err) });
      beep('problem');
    }
  });
  $('borrower-lend').addEventListener('click', () => {
    ctx.lend.startWith(b);
    ctx.navigate('/desk/lend');
  });

  return {
    el,
    title: 'desk.borrower.title',
    async show(id) {
      if (b?.id !== Number(id) || erased) {
        b = null;
        messages = null;
        smsError = null;
        smsText.value = '';
        erased = false;
        rights.reset();
        edit = null;
        editSlot.replaceChildren();
        childForm = null;
        childSlot.replaceChildren();
        setMessage(null);
        blockError = false;
        render();
      }
      await load(id);
      heading.focus();
    },
    render,
    escape() {
      if (childForm) {
        closeChild();
        childButton.focus();
        return true;
      }
      if (!edit) return false;
      closeEdit();
      return true;
    },
  };
}
