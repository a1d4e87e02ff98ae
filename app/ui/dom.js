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
  for (const child of children.flat(Infinity)) {
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
  // A new screen starts at the top of the page, menu included (focusing the main
  // area would scroll the menu out of view on a phone).
  window.scrollTo(0, 0);
  (first || main).focus({ preventScroll: !first });
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
  clearErrors(form);
  const name = error.field ? error.field.replace(/\[.*$/, '') : null;
  const slot = name && form.querySelector(`[data-field="${CSS.escape(name)}"] .error`);
  const target = slot || form.querySelector('.form-error');
  if (target) {
    target.textContent = error.message;
    target.hidden = false;
  }
  return target;
}

/// A short message at the bottom; with `link` ({href, label}), a link beside it (a
/// toast with a link stays longer, and while the pointer or the focus is on it).
export function toast(message, link) {
  const el = document.getElementById('toast');
  el.replaceChildren(h('span', {}, message));
  if (link) el.append(h('a', { href: link.href, target: '_blank', rel: 'noopener', id: 'toast-link' }, link.label));
  el.classList.add('on');
  clearTimeout(toast.timer);
  const hide = () => {
    if (el.matches(':hover, :focus-within')) toast.timer = setTimeout(hide, 1000);
    else el.classList.remove('on');
  };
  toast.timer = setTimeout(hide, link ? 8000 : 3500);
}

/// "4:59" for 299 seconds.
const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/// A limit reached (429 with retry_after): the message says how long to wait, counting
/// down, and the button stays off until then.
function waitOut(target, button, error) {
  let left = Number(error.body.retry_after) || 60;
  clearInterval(waitOut.timer);
  const tick = () => {
    target.textContent = `Too many attempts from this address. Try again in ${clock(left)}.`;
    target.hidden = false;
    button.disabled = left > 0;
    if (left <= 0) {
      clearInterval(waitOut.timer);
      target.textContent = 'You can try again now.';
    }
    left -= 1;
  };
  tick();
  waitOut.timer = setInterval(tick, 1000);
}

/// A form in a card: its submit button is disabled while `onSubmit` runs, and an API
/// error shows next to the field it names (an earlier one is cleared first).
export function form(title, fields, submit, onSubmit, extra) {
  const f = h('form', { class: 'card narrow', novalidate: true },
    h('h1', {}, title),
    h('p', { class: 'error form-error', role: 'alert', hidden: true }),
    ...fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, submit), extra || null));
  f.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    let waiting = false;
    try {
      clearErrors(f);
      await onSubmit(Object.fromEntries(new FormData(f)), f);
    } catch (e) {
      const target = showError(f, e);
      if (e.status === 429 && target) {
        waiting = true;
        waitOut(target, button, e);
      }
    } finally {
      if (!waiting) button.disabled = false;
    }
  });
  return f;
}

/// Hides and empties every error shown in `container`.
export function clearErrors(container) {
  for (const old of container.querySelectorAll('.error')) { old.hidden = true; old.textContent = ''; }
}

/// A required input.
export const input = (name, type = 'text', more = {}) => h('input', { name, type, required: true, ...more });

/// What a screen shows when it has nothing yet: what it is for, and what to do.
export function empty(title, text, action) {
  return h('div', { class: 'empty' }, h('h2', {}, title), h('p', {}, text), action || null);
}

/// A date as people read it, in their locale: "4 Sep 2026" (with the time to the
/// minute when `time`); the full date and time on hover.
export function date(iso, time = false) {
  if (!iso) return '';
  const d = new Date(iso);
  const text = d.toLocaleString(undefined, time ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' });
  return h('time', { datetime: iso, title: d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' }) }, text);
}
