// desk/borrower-form: the form that registers a borrower (at the lend screen, without losing what
// was scanned, and on the borrower list), registers a child from the guardian's page (name and
// birth year are enough), and edits one (on the borrower page). Birth year and gender say what
// they are for beside them. Errors are shown beside their fields in words, and focus goes to the
// first field to fix.
import { t, has, translate } from '../i18n.js';
import { ApiError, errorMessage, fieldMessage, patch, post } from '../api.js';

const FIELDS = ['name', 'phone', 'card', 'email', 'birth_year', 'gender', 'notes', 'language', 'branch'];
const OPTIONAL = ['card', 'email', 'birth_year', 'gender', 'notes'];
/** What registering a child asks: the rest comes from the guardian. */
const CHILD_FIELDS = ['name', 'birth_year', 'gender', 'guardian_consent'];

/** A birth year as the API takes it: a number when it is one, else the text (refused by name). */
const yearValue = (text) => (/^\d{1,4}$/.test(text) ? Number(text) : text);

/**
 * A borrower form. options: idPrefix (unique per place), mode "create", "child" (a child of
 * guardian) or "edit", borrower (for edit), initial ({ field: value } to fill in),
 * onSaved(borrower), onCancel(), onPick(id) (a phone or card already taken: choose that borrower
 * instead). Returns { el, focus(), render() }.
 */
export function borrowerForm(ctx, { idPrefix, mode = 'create', borrower = null, guardian = null, initial = {}, onSaved,
  onCancel, onPick }) {
  const form = document.getElementById('borrower-form-template').content.firstElementChild.cloneNode(true);
  const title = form.querySelector('.desk-form-title');
  const errorBox = form.querySelector('[data-role="error"]');
  const takenBox = form.querySelector('[data-role="taken"]');
  const submit = form.querySelector('[data-role="submit"]');
  const input = (name) => form.querySelector(`[name="${name}"]`);
  let shown = { error: null, fields: {}, taken: null };

  const child = mode === 'child' || Boolean(borrower?.guardian_id);
  const optional = child ? [...OPTIONAL, 'phone'] : OPTIONAL;
  const statsNote = form.querySelector('[data-role="stats-note"]');
  statsNote.id = `${idPrefix}-stats-note`;
  title.id = `${idPrefix}-title`;
  form.setAttribute('aria-labelledby', title.id);
  for (const wrap of form.querySelectorAll('[data-field]')) {
    const name = wrap.dataset.field;
    const el = input(name);
    el.id = `${idPrefix}-${name}`;
    wrap.querySelector('label').htmlFor = el.id;
    const note = wrap.querySelector('.field-error');
    const described = [note && `${el.id}-error`, el.dataset.describedby && statsNote.id].filter(Boolean);
    if (note) note.id = `${el.id}-error`;
    if (described.length) el.setAttribute('aria-describedby', described.join(' '));
    if (mode === 'child' && !CHILD_FIELDS.includes(name)) wrap.hidden = true;
  }
  form.querySelector('[data-field="guardian_consent"]').hidden = !child;
  const branchWrap = form.querySelector('[data-field="branch"]');
  const branchSelect = input('branch');
  if (mode === 'create' && !ctx.user.branch) {
    branchWrap.hidden = false;
    for (const b of ctx.branches) branchSelect.append(new Option(b.name, b.slug));
  }

  const source = borrower || initial;
  for (const name of FIELDS.filter((n) => n !== 'branch')) if (source[name]) input(name).value = source[name];
  input('accepted_terms').checked = Boolean(borrower?.accepted_terms_at || initial.accepted_terms);
  input('messages_opt_out').checked = Boolean(borrower?.messages_opt_out);
  input('guardian_consent').checked = Boolean(source.guardian_consent);
  // Terms once accepted stay accepted; the box is for those who have not yet (a child's
  // guardian accepts them).
  if (borrower?.accepted_terms_at || mode === 'child') form.querySelector('[data-field="accepted_terms"]').hidden = true;

  function render() {
    translate(form);
    const titles = { create: 'desk.borrower.new_title', child: 'desk.borrower.child_title', edit: 'desk.borrower.edit_title' };
    title.textContent = t(titles[mode], { name: guardian?.name ?? '' });
    submit.textContent = t({ create: 'desk.borrower.register', child: 'desk.borrower.register_child' }[mode] ?? 'desk.save');
    errorBox.hidden = !shown.error;
    errorBox.textContent = shown.error ? errorMessage(shown.error) : '';
    takenBox.hidden = !(shown.taken && onPick);
    for (const wrap of form.querySelectorAll('[data-field]')) {
      const name = wrap.dataset.field;
      const note = wrap.querySelector('.field-error');
      if (!note) continue;
      const fe = shown.fields[name];
      const specific = fe && `desk.field.${name}.${fe.code}`;
      note.hidden = !fe;
      note.textContent = fe ? (has(specific) ? t(specific) : fieldMessage(fe)) : '';
      if (fe) input(name).setAttribute('aria-invalid', 'true');
      else input(name).removeAttribute('aria-invalid');
    }
  }

  /** The body to send: every filled field for a new borrower, the changed ones for an edit. */
  function body() {
    const out = {};
    for (const name of FIELDS) {
      if (name === 'branch' && branchWrap.hidden) continue;
      if (mode === 'child' && !CHILD_FIELDS.includes(name)) continue;
      const text = input(name).value.trim();
      const value = name === 'birth_year' && text ? yearValue(text) : text;
      if (mode !== 'edit') {
        if (value) out[name] = value;
      } else if (text !== String(borrower[name] ?? '')) {
        out[name] = value || (optional.includes(name) ? null : '');
      }
    }
    const consent = input('guardian_consent').checked;
    if (mode === 'child') {
      out.guardian_id = guardian.id;
      if (consent) out.guardian_consent = true;
    } else if (mode === 'edit' && child && consent !== borrower.guardian_consent) {
      out.guardian_consent = consent;
    }
    const terms = input('accepted_terms').checked;
    if (terms && !borrower?.accepted_terms_at && mode !== 'child') out.accepted_terms = true;
    const optOut = input('messages_opt_out').checked;
    if (optOut !== Boolean(borrower?.messages_opt_out)) out.messages_opt_out = optOut;
    return out;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    shown = { error: null, fields: {}, taken: null };
    const data = body();
    if (mode !== 'edit') {
      if (!data.name) shown.fields.name = { code: 'required' };
      if (mode === 'create' && !data.phone) shown.fields.phone = { code: 'required' };
      if (mode === 'child' && !data.birth_year) shown.fields.birth_year = { code: 'required' };
    }
    render();
    if (Object.keys(shown.fields).length) {
      input(Object.keys(shown.fields)[0]).focus();
      return;
    }
    if (mode === 'edit' && !Object.keys(data).length) {
      onSaved?.(borrower);
      return;
    }
    submit.disabled = true;
    try {
      const saved = mode === 'edit' ? await patch(`/api/borrowers/${borrower.id}`, data) : await post('/api/borrowers', data);
      submit.disabled = false;
      onSaved?.(saved);
      return;
    } catch (err) {
      shown.error = err;
      if (err instanceof ApiError) {
        for (const e of err.errors) if (e.field && !shown.fields[e.field]) shown.fields[e.field] = e;
      }
      const taken = { phone_taken: 'phone', card_taken: 'card' }[err.code];
      if (taken) shown.taken = err.problem?.borrower_id ?? null;
      render();
      const first = taken || Object.keys(shown.fields).find((f) => FIELDS.includes(f));
      if (first) {
        input(first).focus();
      } else {
        errorBox.tabIndex = -1;
        errorBox.focus();
      }
    }
    submit.disabled = false;
  });
  form.querySelector('[data-role="cancel"]').addEventListener('click', () => onCancel?.());
  form.querySelector('[data-role="pick-taken"]').addEventListener('click', () => {
    if (shown.taken) onPick?.(shown.taken);
  });

  render();
  return {
    el: form,
    render,
    focus() {
      // The first required field that is empty: a child needs a birth year, an adult a phone.
      const required = ['name', mode === 'child' ? 'birth_year' : child ? null : 'phone'].filter(Boolean);
      const empty = required.map(input).find((el) => !el.value.trim());
      (empty || input('name')).focus();
    },
  };
}
