// desk/intake: taking in a donation. A category (from the tree, or one of the recently used ones,
// kept in localStorage), the size input that fits the category (cm, EU size, clothing size ...;
// required unless the category's kind is "other"), condition, and a photo from the device camera,
// downscaled in the browser before upload. Saving shows the new code large; "Skriv ut etikett"
// (or P) prints its label on the branch's label stock, and the volunteer's "yes, it came out"
// records it as printed; "Ta emot nästa" keeps the category and branch and clears the rest. The same
// name, size and category saved twice within a minute is asked about once ("Samma som DEJ-00194?").
import { t } from '../i18n.js';
import { errorMessage, post, put } from '../api.js';
import { beep, categoryName, h, say } from './util.js';
import { confirmPrinted, printLabels } from './print.js';
import { CLOTHING_SIZES, downscale, loadCategories, sizeKindOf, sizeRequired } from './item-fields.js';

const RECENT_KEY = 'hylla.desk.recent_categories';
const RECENT_MAX = 6;
const FIELD_IDS = { category: 'intake-category', size: 'intake-size', name: 'intake-name', branch: 'intake-branch' };

function recentIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(ids) ? ids.filter(Number.isInteger) : [];
  } catch {
    return [];
  }
}

function remember(id) {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([id, ...recentIds().filter((x) => x !== id)].slice(0, RECENT_MAX)));
  } catch {
    // storage off: nothing is remembered
  }
}

export function createIntake(ctx) {
  const $ = (id) => document.getElementById(id);
  const el = $('screen-intake');
  const form = $('intake-form');
  const select = $('intake-category');
  const size = $('intake-size');
  const name = $('intake-name');
  const photo = $('intake-photo');
  const preview = $('intake-preview');
  const branchSelect = $('intake-branch');
  let categories = null; // [{ id, parent_id, depth, name_sv, name_en, size_kind }]
  let autoName = ''; // the name filled in from the category, replaced when the category changes
  let blob = null; // the downscaled photo
  let photoWork = null; // the downscaling in progress
  let shown = { error: null, fields: {} }; // fields: { name: the error's code }
  let saved = null; // { item, photoError }
  let twin = null; // { code, body }: what was asked about, and the intake that waits for the answer
  let photoProblem = false; // the chosen file could not be read as an image

  const byId = (id) => categories?.find((c) => c.id === id);
  const sizeKind = (c) => (c ? sizeKindOf(categories, c) : null);

  function renderCategories() {
    if (!categories) return;
    const value = select.value;
    select.replaceChildren(new Option(t('desk.intake.category_pick'), ''),
      // A hidden category (and what is below it) takes no new items.
      ...categories.filter((c) => c.shown !== false)
        .map((c) => new Option(`${'\u00a0\u00a0\u00a0'.repeat(c.depth)}${categoryName(c)}`, String(c.id))));
    select.value = value;
    const recent = recentIds().map(byId).filter(Boolean);
    $('intake-recent-box').hidden = !recent.length;
    $('intake-recent').replaceChildren(...recent.map((c) => h('li', {}, h('button', {
      type: 'button', class: 'desk-chip', 'aria-pressed': String(select.value === String(c.id)), text: categoryName(c),
      onclick: () => {
        select.value = String(c.id);
        categoryChanged();
        (size.closest('.field').hidden ? name : size).focus();
      },
    }))));
  }

  function renderSize() {
    const c = byId(Number(select.value));
    const kind = c ? sizeKind(c) : null;
    $('intake-size-field').hidden = !kind;
    if (!kind) return;
    $('intake-size-label').textContent = t(`desk.size_label.${kind}`);
    $('intake-size-hint').textContent = t(`desk.size_hint.${kind}`);
    size.inputMode = kind === 'clothing' || kind === 'other' ? 'text' : 'decimal';
    if (kind === 'clothing') {
      size.setAttribute('list', 'intake-clothing-sizes');
      $('intake-clothing-sizes').replaceChildren(...CLOTHING_SIZES.map((s) => new Option(s)));
    } else {
      size.removeAttribute('list');
    }
  }

  function renderErrors() {
    say($('intake-error'), shown.error ? errorMessage(shown.error) : '');
    say($('intake-photo-error'), photoProblem ? t('desk.intake.photo_unreadable') : '');
    for (const [field, id] of Object.entries(FIELD_IDS)) {
      const fe = shown.fields[field];
      const note = $(`${id}-error`);
      if (note) say(note, fe ? t(field === 'size' && fe === 'required' ? 'desk.field.item.size_required' : `desk.field.item.${field}`) : '');
      if (fe) $(id).setAttribute('aria-invalid', 'true');
      else $(id).removeAttribute('aria-invalid');
    }
  }

  function renderDone() {
    $('intake-done').hidden = !saved;
    form.hidden = Boolean(saved);
    $('intake-twin').hidden = !twin;
    if (twin) $('intake-twin-question').textContent = t('desk.intake.twin', { code: twin.code });
    if (!saved) return;
    $('intake-code').textContent = saved.item.code;
    $('intake-done-name').textContent = saved.item.name;
    say($('intake-photo-warning'), saved.photoError ? t('desk.intake.photo_failed', { why: errorMessage(saved.photoError) }) : '');
  }

  function render() {
    renderCategories();
    renderSize();
    renderErrors();
    renderDone();
    preview.alt = t('desk.intake.preview_alt');
  }

  function categoryChanged() {
    const c = byId(Number(select.value));
    if (c && (!name.value.trim() || name.value === autoName)) {
      autoName = categoryName(c);
      name.value = autoName;
    }
    renderCategories();
    renderSize();
  }

  async function load() {
    if (categories) return;
    try {
      categories = await loadCategories();
    } catch (err) {
      shown.error = err;
    }
    if (!ctx.user.branch) {
      $('intake-branch-field').hidden = false;
      branchSelect.replaceChildren(new Option(t('desk.branch_pick'), ''), ...ctx.branches.map((b) => new Option(b.name, b.slug)));
    }
    render();
  }

  /** The next donation: the category and branch stay, everything about the last item goes. */
  function reset() {
    for (const input of [size, name, $('intake-brand'), $('intake-notes'), photo]) input.value = '';
    autoName = ''; // the name stays empty until the category changes
    blob = null;
    photoWork = null;
    photoProblem = false;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.removeAttribute('src');
    preview.hidden = true;
    form.querySelector('input[name="condition"][value="good"]').checked = true;
    $('intake-ready').checked = true;
    shown = { error: null, fields: {} };
    saved = null;
    $('intake-confirm').hidden = true;
    say($('intake-printed'), '');
    twin = null;
  }

  photo.addEventListener('change', () => {
    const file = photo.files[0];
    blob = null;
    photoProblem = false;
    renderErrors();
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = true;
    if (!file) return;
    photoWork = downscale(file).then((b) => {
      blob = b;
      preview.src = URL.createObjectURL(b);
      preview.hidden = false;
    }, () => {
      photoProblem = true;
      renderErrors();
    });
  });
  select.addEventListener('change', categoryChanged);

  /** Save the intake body; answers a twin question when the server asks one. */
  async function save(body) {
    const button = $('intake-save');
    button.disabled = true;
    try {
      const item = await post('/api/items', body);
      remember(body.category);
      twin = null;
      saved = { item, photoError: null };
      await photoWork;
      if (blob) {
        try {
          await put(`/api/items/${encodeURIComponent(item.code)}/photo`, blob);
        } catch (err) {
          saved.photoError = err;
        }
      }
      beep(saved.photoError ? 'problem' : 'ok');
      render();
      $('intake-status').textContent = t('desk.intake.saved', { code: item.code });
      $('intake-next').focus();
    } catch (err) {
      if (err.code === 'possible_duplicate' && err.problem?.item) {
        twin = { code: err.problem.item, body };
        beep('notice');
        render();
        $('intake-twin-same').focus();
        return;
      }
      twin = null;
      shown.error = err;
      for (const e of err.errors || []) if (e.field in FIELD_IDS) shown.fields[e.field] = e.code;
      beep('problem');
      render();
      const bad = Object.keys(FIELD_IDS).find((f) => shown.fields[f]);
      $(bad ? FIELD_IDS[bad] : 'intake-category').focus();
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    shown = { error: null, fields: {} };
    const category = Number(select.value);
    if (!category) shown.fields.category = 'required';
    if (category && sizeRequired(sizeKind(byId(category))) && !size.value.trim()) shown.fields.size = 'required';
    if (!name.value.trim()) shown.fields.name = 'required';
    if (!ctx.user.branch && !branchSelect.value) shown.fields.branch = 'required';
    renderErrors();
    const first = Object.keys(FIELD_IDS).find((f) => shown.fields[f]);
    if (first) {
      beep('problem');
      $(FIELD_IDS[first]).focus();
      return;
    }
    const body = {
      category,
      name: name.value.trim(),
      condition: form.querySelector('input[name="condition"]:checked').value,
      status: $('intake-ready').checked ? 'available' : 'intake',
    };
    const kind = sizeKind(byId(category));
    if (kind && size.value.trim()) body.size = { kind, value: size.value.trim() };
    const brand = $('intake-brand').value.trim();
    if (brand) body.brand = brand;
    const notes = $('intake-notes').value.trim();
    if (notes) body.notes = notes;
    if (!ctx.user.branch) body.branch = branchSelect.value;
    await save(body);
  });

  // The same item twice within a minute: the same one (nothing is saved; its code is shown), or
  // another of the same kind (saved after all).
  $('intake-twin-same').addEventListener('click', () => {
    saved = { item: { code: twin.code, name: twin.body.name }, photoError: null };
    twin = null;
    render();
    $('intake-status').textContent = t('desk.intake.saved_before', { code: saved.item.code });
    $('intake-next').focus();
  });
  $('intake-twin-another').addEventListener('click', () => save({ ...twin.body, allow_duplicate: true }));

  $('intake-next').addEventListener('click', () => {
    reset();
    render();
    $('intake-status').textContent = '';
    (select.value ? ($('intake-size-field').hidden ? name : size) : select).focus();
  });
  async function printLabel() {
    if (!saved || !$('intake-confirm').hidden) return;
    const format = ctx.branches.find((b) => b.slug === saved.item.branch)?.label_format || 'a4-3x8';
    await printLabels([saved.item.code], format);
    confirmPrinted({
      box: $('intake-confirm'), text: $('intake-confirm-text'), yes: $('intake-confirm-yes'), no: $('intake-confirm-no'),
      codes: [saved.item.code],
      onDone: (recorded, err) => {
        say($('intake-printed'), err ? errorMessage(err)
          : t(recorded ? 'desk.labels.recorded' : 'desk.labels.not_recorded', { n: 1 }));
        $('intake-next').focus();
      },
    });
  }
  $('intake-print').addEventListener('click', printLabel);
  // P prints the label of the item just saved, from anywhere on its card but a text field.
  el.addEventListener('keydown', (event) => {
    if (event.key.toLowerCase() !== 'p' || event.ctrlKey || event.metaKey || event.altKey || !saved ||
      event.target.matches('input, textarea, select'))
      return;
    event.preventDefault();
    printLabel();
  });

  return {
    el,
    title: 'desk.intake.title',
    async show() {
      if (saved) {
        render();
        $('intake-next').focus();
        return;
      }
      await load();
      select.focus();
    },
    render,
    escape() {
      if (!twin) return false;
      twin = null;
      render();
      $('intake-save').focus();
      return true;
    },
  };
}
