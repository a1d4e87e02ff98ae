// The post as readers will get it, before it is published, as Ghost's Preview shows
// it: the page at a desktop's width and at a phone's, and the card a shared link
// makes. One dialog, one tab list; the page is the editor's last preview.

import { h } from '../dom.js';

const TABS = [['desktop', 'Desktop'], ['mobile', 'Mobile'], ['social', 'Social card']];

/// A copy of `el` (its ids left behind: an id names one element).
function copy(el) {
  const clone = el.cloneNode(true);
  for (const node of [clone, ...clone.querySelectorAll('[id]')]) node.removeAttribute('id');
  return clone;
}

/// Opens the view in `dialog`: `url` is the preview's address, `card` the social
/// card's element (the SEO panel's, copied).
export function previewView(dialog, { url, card }) {
  // Widths by class: the admin's CSP allows no inline style.
  const frame = (kind, label) => h('iframe', { class: `preview-full ${kind}`, title: `Preview ${label}`, sandbox: 'allow-same-origin', src: url });
  const panels = {
    desktop: frame('desktop', 'on a desktop'),
    mobile: frame('mobile', 'on a phone'),
    social: h('div', { class: 'preview-social' }, copy(card)),
  };
  const tabs = TABS.map(([name, label], i) => h('button', {
    type: 'button', role: 'tab', id: `preview-tab-${name}`, 'aria-selected': String(i === 0),
    'aria-controls': `preview-panel-${name}`, tabindex: i === 0 ? '0' : '-1', onclick: () => select(name),
  }, label));
  const bodies = TABS.map(([name], i) => h('div', { role: 'tabpanel', id: `preview-panel-${name}`, 'aria-labelledby': `preview-tab-${name}`, hidden: i !== 0 }, panels[name]));
  function select(name) {
    TABS.forEach(([other], i) => {
      const on = other === name;
      tabs[i].setAttribute('aria-selected', String(on));
      tabs[i].tabIndex = on ? 0 : -1;
      bodies[i].hidden = !on;
      if (on) tabs[i].focus();
    });
  }
  // The arrow keys move between the tabs, as a tab list does.
  const list = h('div', { role: 'tablist', 'aria-label': 'Preview as' }, tabs);
  list.addEventListener('keydown', (e) => {
    const at = tabs.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (at < 0 || !step) return;
    e.preventDefault();
    select(TABS[(at + step + TABS.length) % TABS.length][0]);
  });
  dialog.setAttribute('aria-labelledby', 'preview-heading');
  dialog.classList.add('wide');
  dialog.addEventListener('close', () => dialog.classList.remove('wide'), { once: true });
  dialog.replaceChildren(
    h('div', { class: 'row head' }, h('h2', { id: 'preview-heading' }, 'Preview'), h('span', { class: 'spacer' }), list,
      h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open in a new tab'),
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close')),
    ...bodies);
  dialog.showModal();
}
