// The publish step, as in Ghost's: what goes live (which post, at which address), now
// or at a date, confirmed before anything reaches the site.

import { h, toast } from '../dom.js';
import { toLocalInput } from './dates.js';

/// Opens the step in `dialog` for `doc` (`live`: it is on the site; `publishedAt`:
/// the date field's value; `address`: where it goes live). `goLive` gets null for
/// now, or the date chosen.
export function publishStep(dialog, { doc, live, publishedAt, address, goLive }) {
  const date = publishedAt ? new Date(publishedAt) : null;
  const later = !live && date && date > new Date();
  const nowChoice = h('input', { type: 'radio', name: 'when', value: 'now', checked: !later });
  const laterChoice = h('input', { type: 'radio', name: 'when', value: 'later', checked: Boolean(later) });
  const at = h('input', { type: 'datetime-local', step: 60, 'aria-label': 'Publish on', value: later ? publishedAt : toLocalInput(new Date(Date.now() + 3_600_000).toISOString()) });
  const confirmButton = h('button', { type: 'submit', class: 'primary', id: 'publish-confirm', autofocus: true });
  const label = () => { confirmButton.textContent = live ? 'Update' : laterChoice.checked ? 'Schedule' : 'Publish now'; };
  for (const el of [nowChoice, laterChoice]) el.addEventListener('change', label);
  at.addEventListener('focus', () => { laterChoice.checked = true; label(); });
  label();
  const what = doc.type === 'page' ? 'page' : 'post';
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'publish-heading' }, live ? `Update the live ${what}?` : `Ready to publish this ${what}?`),
    h('p', {}, h('strong', {}, `“${doc.title || 'Untitled'}”`), live ? ' changes for readers at once, at' : ' goes live at'),
    h('p', { class: 'live-url' }, address),
    h('p', { class: 'muted' }, live ? 'The revision history keeps the version readers see now.'
      : what === 'page' ? 'A page is not listed on the home page or in the feed.' : `It shows on the home page${doc.tags?.length ? `, on ${doc.tags.filter((t) => !t.startsWith('#')).map((t) => `#${t}`).join(', ') || 'its tags'}` : ''} and in the feed.`),
    live ? null : h('fieldset', { class: 'when' }, h('legend', {}, 'When'),
      h('label', { class: 'check' }, nowChoice, 'Now'),
      h('label', { class: 'check' }, laterChoice, 'Later, on'), at),
    h('div', { class: 'actions' }, confirmButton, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!live && laterChoice.checked) {
      if (!at.value || new Date(at.value) <= new Date()) { toast('Choose a date to come.'); at.focus(); return; }
      dialog.close();
      goLive(new Date(at.value));
    } else {
      dialog.close();
      goLive(null);
    }
  });
  dialog.setAttribute('aria-labelledby', 'publish-heading');
  dialog.replaceChildren(form);
  dialog.showModal();
}

/// Asks before a live (or scheduled) post leaves the site, as Ghost does; `takeOff`
/// runs when confirmed. `scheduled`: it is not live yet, only on the schedule.
export function unpublishStep(dialog, { doc, scheduled, address, takeOff }) {
  const what = doc.type === 'page' ? 'page' : 'post';
  const verb = scheduled ? 'Unschedule' : 'Unpublish';
  const confirmButton = h('button', { type: 'submit', class: 'danger', id: 'unpublish-confirm' }, verb);
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'unpublish-heading' }, `${verb} this ${what}?`),
    h('p', {}, h('strong', {}, `“${doc.title || 'Untitled'}”`), scheduled
      ? ' will not go live at its date: it becomes a draft again.'
      : ' goes off the site at once and becomes a draft again. Its address answers “not found” until you publish it again:'),
    scheduled ? null : h('p', { class: 'live-url' }, address),
    h('div', { class: 'actions' }, confirmButton,
      h('button', { type: 'button', autofocus: true, onclick: () => dialog.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    dialog.close();
    takeOff();
  });
  dialog.setAttribute('aria-labelledby', 'unpublish-heading');
  dialog.replaceChildren(form);
  dialog.showModal();
}
