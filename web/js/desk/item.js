// desk/item: one item at /desk/items/{code} (a code scanned on the start screen opens it): its
// photo and facts, its status in words, the current loan (who has it, their phone, how late), its
// status history (when, who, from, to, why) and its last loans, and the changes its status allows
// (the "transitions" of GET /api/items/{code}), each one key press away: 1, 2, 3 ... A change that
// takes words (the fault of an item sent to repair, why it is retired) opens a small form, where
// Enter saves and Esc closes. The item's name, brand, category, size, condition and photo are
// edited in place.
import { locale, t } from '../i18n.js';
import { errorMessage, get, patch, post, put } from '../api.js';
import { atLeast } from '../roles.js';
import { conditionText, sizeText } from '../item.js';
import { beep, categoryName, daysSince, dueText, h, itemCode, phoneText, say, shortDate } from './util.js';
import { CLOTHING_SIZES, downscale, loadCategories, sizeKindOf } from './item-fields.js';

const RETIRE_REASONS = ['worn_out', 'broken', 'unsafe', 'given_away', 'other'];
const CONDITIONS = ['new', 'good', 'worn', 'needs_repair'];

/** A status change's reason in words: a word of the short list, or the words given for "other". */
export function reasonText(reason) {
  return RETIRE_REASONS.includes(reason) ? t(`desk.item.reason.${reason}`) : reason;
}

/** Date and time of a timestamp, short: "12 dec. 2025 14:05". */
function when(ts) {
  const time = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ts));
  return `${shortDate(ts)} ${time}`;
}

export function createItem(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-item');
  const codeInput = $('item-code');
  const slot = $('item-form-slot');
  let code = null;
  let data = null; // { item, history, loans }
  let loadError = null;
  let message = null; // { key, params, kind } or { text, kind }
  let form = null; // { action, el, error }: the open form of a change, or of the edit
  let busy = false;

  const setMessage = (m) => {
    message = m;
    const p = $('item-message');
    p.textContent = !m ? '' : m.text ?? t(m.key, m.params);
    p.dataset.kind = m?.kind || '';
  };

  const openLoan = () => (data?.loans[0] && !data.loans[0].returned_at ? data.loans[0] : null);
  const lostAfter = () => ctx.branches.find((b) => b.slug === openLoan()?.branch)?.lost_after_days ?? 60;

  /** Whether the volunteer may change this item: staff of a branch change their own branch's. */
  const mine = () => !ctx.user.branch || data?.item.branch === ctx.user.branch;

  /** The changes this item may have now, in the order the keys 1, 2, 3 ... name them. */
  function actions() {
    const item = data?.item;
    if (!item || !mine()) return [];
    const list = [];
    if (item.status === 'on_loan') {
      list.push({ id: 'return', label: t('desk.item.do.return') });
      const loan = openLoan();
      if (atLeast(ctx.user, 'manager') && loan && loan.overdue_days > lostAfter())
        list.push({ id: 'close_lost', to: 'lost', form: 'note', label: t('desk.item.do.close_lost') });
    } else {
      for (const to of item.transitions) {
        const label = t(to === 'available' ? `desk.item.do.available_from.${item.status}` : `desk.item.do.${to}`);
        list.push({ id: to, to, label, form: to === 'available' ? null : to === 'retired' ? 'retire' : 'note' });
      }
    }
    list.push({ id: 'edit', label: t('desk.item.do.edit'), form: 'edit' });
    return list.slice(0, 9);
  }

  function renderFacts() {
    const item = data.item;
    $('item-title').replaceChildren(h('span', { class: 'desk-code-inline', text: item.code }), ` ${item.name}`);
    const loan = openLoan();
    const late = loan ? Math.max(0, daysSince(loan.due_date)) : 0;
    const status = $('item-status');
    status.textContent = [t(`desk.item.status.${item.status}`),
      item.status === 'on_loan' && item.due_date ? dueText(item.due_date) : null,
      late > 0 ? t('desk.late_days', { n: late }) : null,
      item.status === 'retired' && item.retired_reason ? reasonText(item.retired_reason) : null]
      .filter(Boolean).join(' · ');
    status.dataset.status = item.status;
    const photo = $('item-photo');
    photo.hidden = !item.photo_url;
    if (item.photo_url) {
      photo.src = item.photo_url;
      photo.alt = t('desk.item.photo_alt', { name: item.name });
    }
    const detail = (key, value) => (value ? [h('dt', { text: t(key) }), h('dd', {}, value)] : []);
    $('item-details').replaceChildren(
      ...detail('desk.item.brand', item.brand),
      ...detail('desk.intake.category', categoryName(item.category)),
      ...detail('desk.item.size', sizeText(item.size)),
      ...detail('desk.intake.condition', conditionText(item.condition)),
      ...detail('desk.branch', ctx.branchName(item.branch)),
      ...detail('desk.item.donated', shortDate(item.donated_on)),
      ...detail('desk.intake.notes', item.notes));
  }

  function renderActions() {
    const list = actions();
    $('item-actions-hint').textContent = mine() ? t('desk.item.actions_hint')
      : t('desk.item.other_branch', { branch: ctx.branchName(data.item.branch) });
    $('item-actions').replaceChildren(...list.map((a, i) => h('li', {}, h('button', {
      type: 'button', class: 'desk-action', dataset: { action: a.id }, 'aria-keyshortcuts': String(i + 1),
      'aria-expanded': a.form ? String(form?.action.id === a.id) : null, disabled: busy,
      onclick: () => run(a),
    }, h('span', { class: 'desk-key', 'aria-hidden': 'true', text: String(i + 1) }), h('span', { text: a.label })))));
  }

  function renderLoan() {
    const loan = openLoan();
    $('item-loan').hidden = !loan;
    if (!loan) return;
    const b = loan.borrower;
    const detail = (key, value) => (value ? [h('dt', { text: t(key) }), h('dd', {}, value)] : []);
    $('item-loan-details').replaceChildren(
      ...detail('desk.item.borrower', b ? h('a', { href: `/desk/borrowers/${b.id}`, text: b.name }) : t('desk.overdue.erased')),
      ...detail('desk.borrower.phone', b?.phone ? h('a', { href: `tel:${b.phone}`, text: phoneText(b.phone) }) : null),
      ...detail('desk.item.lent_on', shortDate(loan.checked_out_at)),
      ...detail('desk.item.due', longDue(loan)),
    );
  }

  const longDue = (loan) => [dueText(loan.due_date), loan.overdue_days > 0 ? t('desk.late_days', { n: loan.overdue_days }) : null]
    .filter(Boolean).join(' · ');

  function renderHistory() {
    const word = (s) => (s ? t(`desk.item.status.${s}`) : t('desk.item.created'));
    $('item-history').replaceChildren(...[...data.history].reverse().map((e) => h('li', { class: 'desk-row' },
      h('span', { class: 'desk-row-title', text: e.from ? t('desk.item.change', { from: word(e.from), to: word(e.to) }) : word(e.to) }),
      h('span', { class: 'desk-hint', text: [when(e.at), e.staff?.display_name,
        e.reason ? reasonText(e.reason) : null, e.note && e.note !== e.reason ? e.note : null].filter(Boolean).join(' · ') }))));
  }

  function renderLoans() {
    const loans = data.loans.slice(0, 10);
    $('item-loans').replaceChildren(...(loans.length ? loans.map((l) => h('li', { class: `desk-row${l.lost ? ' desk-row-late' : ''}` },
      h('span', { class: 'desk-row-title' }, l.borrower
        ? h('a', { href: `/desk/borrowers/${l.borrower.id}`, text: l.borrower.name }) : t('desk.overdue.erased')),
      h('span', { class: 'desk-hint', text: [t('desk.borrower.lent_on', { date: shortDate(l.checked_out_at) }),
        l.lost ? t('desk.borrower.lost_on', { date: shortDate(l.returned_at) })
          : l.returned_at ? t('desk.borrower.returned_on', { date: shortDate(l.returned_at) }) : t('desk.item.not_back'),
        l.overdue_days > 0 ? t('desk.late_days', { n: l.overdue_days }) : null].filter(Boolean).join(' · ') })))
      : [h('li', { class: 'desk-hint', text: t('desk.item.no_loans') })]));
  }

  function render() {
    $('item-view').hidden = !data;
    if (message) setMessage(message);
    else if (loadError) setMessage({ text: errorMessage(loadError), kind: 'problem' });
    if (!data) return;
    renderFacts();
    renderActions();
    renderLoan();
    renderHistory();
    renderLoans();
    form?.render();
  }

  async function load(c) {
    const path = encodeURIComponent(c);
    try {
      const [item, history, loans] = await Promise.all([get(`/api/items/${path}`), get(`/api/items/${path}/history`),
        get(`/api/loans?item=${path}`)]);
      data = { item, history: history.history, loans: loans.loans };
      loadError = null;
    } catch (err) {
      data = null;
      loadError = err;
    }
  }

  // ---- changes ----

  async function change(action, body) {
    busy = true;
    renderActions();
    try {
      if (action.id === 'return') {
        const r = (await post('/api/returns', { items: [data.item.code] })).results[0];
        if (!r.returned) throw Object.assign(new Error(), { sentence: t(`item_error.${r.error.code}`) });
      } else {
        await post(`/api/items/${encodeURIComponent(data.item.code)}/status`, body);
      }
      closeForm();
      await load(data.item.code);
      setMessage({ key: 'desk.item.changed', params: { status: t(`desk.item.status.${data.item.status}`) } });
      beep('ok');
    } catch (err) {
      const text = err.sentence || errorMessage(err);
      if (form) form.error = text;
      else setMessage({ text, kind: 'problem' });
      beep('problem');
    }
    busy = false;
    render();
    (form ? form.first() : $('item-title')).focus();
  }

  function closeForm() {
    form = null;
    slot.replaceChildren();
  }

  /** Cancel or Esc in a form: it closes, and the focus is back on the item. */
  function dismiss() {
    closeForm();
    render();
    $('item-title').focus();
  }

  function run(action) {
    if (busy) return;
    closeForm();
    setMessage(null);
    if (action.form === 'edit') form = editForm(action);
    else if (action.form) form = changeForm(action);
    else {
      change(action, { to: action.to });
      return;
    }
    slot.replaceChildren(form.el);
    render();
    form.first().focus();
  }

  /** The form of a change that takes words: a note, and for retiring, a reason of the list. */
  function changeForm(action) {
    const id = `item-form-${action.id}`;
    const retire = action.form === 'retire';
    const note = h('input', { id: `${id}-note`, type: 'text', maxlength: '1000', autocomplete: 'off',
      'aria-describedby': `${id}-error` });
    const reasons = retire ? h('fieldset', { class: 'desk-fieldset' }, h('legend', { id: `${id}-legend` }),
      h('div', { class: 'desk-radios' }, ...RETIRE_REASONS.map((r, i) => h('label', {},
        h('input', { type: 'radio', name: `${id}-reason`, value: r, checked: i === 0 }), h('span', { dataset: { reason: r } }))))) : null;
    const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
    const noteLabel = h('label', { for: note.id });
    const title = h('h3', { class: 'desk-form-title', id: `${id}-title` });
    const save = h('button', { type: 'submit', class: 'button button-primary' });
    const cancel = h('button', { type: 'button', class: 'button', onclick: dismiss });
    const el = h('form', { class: 'card stack desk-item-form', novalidate: true, 'aria-labelledby': title.id },
      title, reasons, h('div', { class: 'field' }, noteLabel, note, error), h('div', { class: 'desk-buttons' }, save, cancel));
    const state = {
      action, el, error: null,
      // Retiring starts at the reasons (arrows choose, Tab goes on to the words, Enter saves).
      first: () => (retire ? el.querySelector('input[type="radio"]:checked') : note),
      render() {
        title.textContent = action.label;
        noteLabel.textContent = t(retire ? 'desk.item.note_retire' : action.to === 'repair' ? 'desk.item.note_fault' : 'desk.item.note');
        if (reasons) {
          reasons.querySelector('legend').textContent = t('desk.item.reason_legend');
          for (const span of reasons.querySelectorAll('[data-reason]')) span.textContent = t(`desk.item.reason.${span.dataset.reason}`);
        }
        save.textContent = t('desk.save');
        cancel.textContent = t('desk.cancel');
        say(error, state.error);
        if (state.error) note.setAttribute('aria-invalid', 'true');
        else note.removeAttribute('aria-invalid');
      },
    };
    el.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { to: action.to };
      if (note.value.trim()) body.note = note.value.trim();
      if (retire) {
        body.reason = el.querySelector('input[type="radio"]:checked').value;
        if (body.reason === 'other' && !body.note) {
          state.error = t('desk.item.other_needs_words');
          state.render();
          note.focus();
          return;
        }
      }
      change(action, body);
    });
    return state;
  }

  /** Editing the item in place: name, brand, category, size, condition and photo. */
  function editForm(action) {
    const item = data.item;
    const field = (name, input) => {
      input.id = `item-edit-${name}`;
      input.setAttribute('aria-describedby', `${input.id}-error`);
      const label = h('label', { for: input.id });
      const error = h('p', { id: `${input.id}-error`, class: 'field-error', hidden: true });
      return { name, input, label, error, wrap: h('div', { class: 'field', dataset: { field: name } }, label, input, error) };
    };
    const fields = {
      name: field('name', h('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: item.name })),
      brand: field('brand', h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: item.brand || '' })),
      category: field('category', h('select', {})),
      size: field('size', h('input', { type: 'text', autocomplete: 'off', value: item.size ? String(item.size.value) : '' })),
      condition: field('condition', h('select', {})),
      photo: field('photo', h('input', { type: 'file', accept: 'image/*', class: 'visually-hidden desk-file' })),
    };
    const photoButton = h('label', { for: fields.photo.input.id, class: 'button desk-file-button' });
    fields.photo.wrap.insertBefore(photoButton, fields.photo.error);
    const sizes = h('datalist', { id: 'item-edit-sizes' });
    fields.size.wrap.append(sizes);
    const title = h('h3', { class: 'desk-form-title', id: 'item-edit-title' });
    const problem = h('p', { class: 'alert alert-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'button button-primary' });
    const cancel = h('button', { type: 'button', class: 'button', onclick: dismiss });
    const el = h('form', { class: 'card stack desk-item-form', novalidate: true, 'aria-labelledby': title.id },
      title, problem, ...Object.values(fields).map((f) => f.wrap), h('div', { class: 'desk-buttons' }, save, cancel));
    let categories = [];
    let photo = null; // the downscaling of a new photo
    const kind = () => sizeKindOf(categories, categories.find((c) => c.id === Number(fields.category.input.value)));
    const state = {
      action, el, error: null, fields: {}, condition: null,
      first: () => fields.name.input,
      render() {
        title.textContent = t('desk.item.edit_title');
        for (const f of Object.values(fields)) {
          f.label.textContent = t(`desk.item.edit.${f.name}`);
          const code = state.fields[f.name];
          say(f.error, code ? t(code === 'required' ? `desk.field.item.${f.name === 'size' ? 'size_required' : f.name}`
            : f.name === 'size' ? 'desk.field.item.size' : 'field.invalid') : '');
          if (code) f.input.setAttribute('aria-invalid', 'true');
          else f.input.removeAttribute('aria-invalid');
        }
        photoButton.textContent = t('desk.intake.photo_choose');
        say(problem, state.error);
        const select = fields.category.input;
        const value = select.value || String(item.category.id);
        select.replaceChildren(...categories.map((c) => new Option(`${'\u00a0\u00a0\u00a0'.repeat(c.depth)}${categoryName(c)}`, String(c.id))));
        select.value = value;
        fields.condition.input.replaceChildren(...CONDITIONS.map((c) => new Option(conditionText(c), c)));
        fields.condition.input.value = state.condition ?? item.condition;
        const k = kind();
        fields.size.wrap.hidden = !k;
        if (k) fields.size.label.textContent = t(`desk.size_label.${k}`);
        if (k === 'clothing') {
          fields.size.input.setAttribute('list', sizes.id);
          sizes.replaceChildren(...CLOTHING_SIZES.map((s) => new Option(s)));
        } else fields.size.input.removeAttribute('list');
        save.textContent = t('desk.save');
        cancel.textContent = t('desk.cancel');
      },
    };
    loadCategories().then((list) => {
      categories = list;
      state.render();
    }, (err) => {
      state.error = errorMessage(err);
      state.render();
    });
    fields.condition.input.addEventListener('change', () => (state.condition = fields.condition.input.value));
    fields.category.input.addEventListener('change', () => state.render());
    fields.photo.input.addEventListener('change', () => {
      const file = fields.photo.input.files[0];
      photo = file ? downscale(file) : null;
    });
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const k = kind();
      const value = fields.size.input.value.trim();
      const body = {
        name: fields.name.input.value.trim(),
        brand: fields.brand.input.value.trim() || null,
        category: Number(fields.category.input.value),
        size: k && value ? { kind: k, value } : null,
        condition: fields.condition.input.value,
      };
      state.fields = {};
      if (!body.name) state.fields.name = 'required';
      if (k && k !== 'other' && !value) state.fields.size = 'required';
      state.error = null;
      if (Object.keys(state.fields).length) {
        state.render();
        fields[Object.keys(state.fields)[0]].input.focus();
        beep('problem');
        return;
      }
      try {
        await patch(`/api/items/${encodeURIComponent(item.code)}`, body);
        if (photo) await put(`/api/items/${encodeURIComponent(item.code)}/photo`, await photo);
        closeForm();
        await load(item.code);
        setMessage({ key: 'desk.item.saved' });
        beep('ok');
        render();
        $('item-title').focus();
      } catch (err) {
        state.error = errorMessage(err);
        for (const e of err.errors || []) if (e.field in fields) state.fields[e.field] = e.code;
        beep('problem');
        state.render();
        (fields[Object.keys(state.fields)[0]]?.input || fields.name.input).focus();
      }
    });
    return state;
  }

  // ---- events ----

  $('item-find').addEventListener('submit', (event) => {
    event.preventDefault();
    const c = itemCode(codeInput.value);
    codeInput.value = '';
    if (c) ctx.navigate(`/desk/items/${encodeURIComponent(c)}`);
    else setMessage({ key: 'item_error.unknown_item', kind: 'problem' });
  });
  // 1-9 do the change of that number while the page shows, unless the volunteer is typing.
  document.addEventListener('keydown', (event) => {
    if (el.hidden || event.altKey || event.ctrlKey || event.metaKey || !/^[1-9]$/.test(event.key)) return;
    if (event.target.closest?.('input, select, textarea') || !data) return;
    const action = actions()[Number(event.key) - 1];
    if (!action) return;
    event.preventDefault();
    run(action);
  });

  return {
    el,
    title: 'desk.item.title',
    async show(param) {
      const c = param ? itemCode(decodeURIComponent(param)) : null;
      if (c !== code) {
        code = c;
        data = null;
        loadError = null;
        closeForm();
      }
      setMessage(null);
      render();
      if (!code) {
        codeInput.focus();
        return;
      }
      await load(code);
      render();
      (data ? $('item-title') : codeInput).focus();
    },
    render,
    escape() {
      if (!form) return false;
      dismiss();
      return true;
    },
  };
}
