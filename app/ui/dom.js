// Building DOM without innerHTML: user text is always text.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/// Replaces the main area with `children`, focusing it for keyboard and screen readers.
export function show(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children);
  const first = main.querySelector('[autofocus]');
  (first || main).focus();
}

/// A labelled field; the error for it shows right below.
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  const error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  input.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field', 'data-field': input.name || '' },
    h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null, error);
}

/// Shows an API error next to the field it names, or at the top of `form`.
export function showError(form, error) {
  for (const old of form.querySelectorAll('.error')) { old.hidden = true; old.textContent = ''; }
  const name = error.field ? error.field.replace(/\[.*$/, '') : null;
  const slot = name && form.querySelector(`[data-field="${CSS.escape(name)}"] .error`);
  const target = slot || form.querySelector('.form-error');
  if (target) {
    target.textContent = error.message;
    target.hidden = false;
  }
  return target;
}

export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('on');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('on'), 3500);
}

/// A form in a card: its submit button is disabled while `onSubmit` runs, and an API
/// error shows next to the field it names.
export function form(title, fields, submit, onSubmit, extra) {
  const f = h('form', { class: 'card narrow', novalidate: true },
    h('h1', {}, title),
    h('p', { class: 'error form-error', role: 'alert', hidden: true }),
    ...fields,
    h('button', { type: 'submit', class: 'primary' }, submit),
    extra || null);
  f.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await onSubmit(Object.fromEntries(new FormData(f)), f);
    } catch (e) {
      showError(f, e);
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

/// A required input.
export const input = (name, type = 'text', more = {}) => h('input', { name, type, required: true, ...more });
