// form: what the forms of the staff pages share. A problem is said by the field it belongs to
// (in the element `${input.id}-error`, which the input's aria-describedby names, and with
// aria-invalid on the input), the form's own alert says what the server answered, and both are
// kept as keys and errors so that a language switch says them again. Nothing here clears what
// was typed: after a refusal the form still holds it, to be put right.
//
//   const f = formErrors({ name: $('name'), phone: $('phone') }, $('form-alert'));
//   f.set({ name: { key: 'admin.field.required' } });   // the page's own checks
//   f.fromApi(err);                                      // the server's 422 (or any ApiError)
//   f.focusFirst();
import { onLangChange, t } from '../i18n.js';
import { ApiError, errorMessage, fieldMessage } from '../api.js';

/** Field problems of a form: fields maps the API's field names to their inputs. */
export function formErrors(fields, alert) {
  let shown = {}; // field -> { key, params } | { problem }
  let general = null; // an ApiError, or { key }

  function render() {
    for (const [name, input] of Object.entries(fields)) {
      const note = document.getElementById(`${input.id}-error`);
      const e = shown[name];
      if (note) {
        note.hidden = !e;
        note.textContent = !e ? '' : e.key ? t(e.key, e.params) : fieldMessage(e.problem);
      }
      if (e) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (alert) {
      alert.hidden = !general;
      alert.textContent = !general ? '' : general.key ? t(general.key, general.params) : errorMessage(general);
    }
  }
  onLangChange(render);

  return {
    /** Show these field problems (and, when any, "put the marked fields right" in the alert). */
    set(errors, alertKey = 'admin.form.fix') {
      shown = errors;
      general = Object.keys(errors).length ? { key: alertKey } : null;
      render();
    },
    /** Show what the server answered: its field problems by their fields, the rest in the alert. */
    fromApi(err) {
      shown = {};
      if (err instanceof ApiError)
        for (const e of err.errors) if (e.field in fields) shown[e.field] = { problem: e };
      general = err;
      render();
    },
    /** Say something in the alert alone ({ key, params }). */
    say(message) {
      shown = {};
      general = message;
      render();
    },
    clear() {
      shown = {};
      general = null;
      render();
    },
    hasErrors: () => Object.keys(shown).length > 0,
    /** Focus the first field with a problem, else the alert's form. */
    focusFirst() {
      const first = Object.keys(fields).find((name) => shown[name]);
      (first ? fields[first] : alert)?.focus();
    },
  };
}

/** Mark a submit button busy (disabled, with the busy text) or not. */
export function busy(button, on, idleKey, busyKey = 'admin.form.saving') {
  button.disabled = on;
  button.textContent = t(on ? busyKey : idleKey);
}
