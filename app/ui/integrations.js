// Keys for Ghost's Admin and Content APIs (docs/ghost-api.md): integrations, as in
// Ghost's Settings → Integrations (owners), with the webhooks they added and their
// last call, and each person's staff access token (Account), for writing apps. A key
// is shown once, when made.

import { get, post, del } from './api.js';
import { h, show, field, toast, form, input, empty, date } from './dom.js';

/// The address a client is given: the admin's origin, as Ghost's "API URL".
const apiUrl = () => location.origin;

/// The notice that shows a key made, once, with a Copy button for each value.
function madeNotice(title, values, done) {
  return h('div', { class: 'card notice', id: 'key-made' }, h('h2', {}, title),
    h('p', {}, 'Copy them now: the keys are not shown again.'),
    ...values.map(([label, value, id]) => h('div', { class: 'field' },
      h('strong', {}, label), ' ',
      h('code', { id, class: 'secret' }, value),
      h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(value).then(() => toast('Copied.')) }, `Copy ${label}`))),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: done }, 'Done')));
}

function revokeButton(key, after) {
  return h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Revoke ${key.name}? Tools using its key stop working at once.`)) return;
    await del(`/integrations/${key.id}`);
    toast('Revoked.');
    after();
  } }, 'Revoke');
}

/// New keys for an integration, shown once; its webhooks stay, the old keys stop.
function rotateButton(key) {
  return h('button', { type: 'button', onclick: async () => {
    if (!confirm(`New keys for ${key.name}? Tools using the old keys stop working until given the new ones.`)) return;
    await integrations(await post(`/integrations/${key.id}/rotate`, {}));
  } }, 'New keys');
}

/// Integrations (owners): every key, a new integration's keys shown once.
export async function integrations(made) {
  const data = await get('/integrations');
  const f = form('New integration', [
    field('Name', input('name', 'text', { autocomplete: 'off' }), 'What will use it, for example “Zapier” or “n8n”.'),
  ], 'Create integration', async (values) => integrations(await post('/integrations', values)));
  const notice = made ? madeNotice(`Integration “${made.name}” created`, [
    ['API URL', apiUrl(), 'key-url'],
    ['Admin API key', made.admin_key, 'admin-key'],
    ['Content API key', made.content_key, 'content-key'],
  ], () => integrations()) : null;
  const list = data.keys.length
    ? h('table', { class: 'list', id: 'integrations' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Kind'), h('th', {}, 'Last used'), h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', {}, data.keys.map((k) => h('tr', { 'data-key': k.name },
        h('td', {}, k.name), h('td', {}, k.kind === 'staff' ? 'staff access token' : 'integration'),
        h('td', {}, k.last_used_at ? date(k.last_used_at, true) : 'never'),
        h('td', { class: 'actions' }, k.kind === 'integration' ? rotateButton(k) : null, revokeButton(k, () => integrations()))))))
    : empty('No integrations yet', 'Tools made for Ghost (Zapier, n8n, scripts on Ghost’s SDKs, headless front ends) connect with an integration’s keys: give them this admin’s address and a key.');
  const keyName = (id) => data.keys.find((k) => k.id === id)?.name ?? id;
  const hooks = data.webhooks.length
    ? [h('h2', {}, 'Webhooks'), h('table', { class: 'list', id: 'webhooks' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Event'), h('th', {}, 'Target'), h('th', {}, 'Integration'), h('th', {}, 'Last call'))),
      h('tbody', {}, data.webhooks.map((w) => h('tr', { 'data-webhook': w.event },
        h('td', {}, w.event), h('td', {}, w.target_url), h('td', {}, keyName(w.integration_id)),
        h('td', {}, w.last_triggered_at
          ? [date(w.last_triggered_at, true), ' · ', w.last_triggered_error ? `failed: ${w.last_triggered_error}` : `answered ${w.last_triggered_status}`]
          : 'not called yet')))))]
    : [];
  show(h('section', { class: 'wide' }, h('h1', {}, 'Integrations'), notice, list, ...hooks, f));
}

/// The caller's staff access token, for the Account screen: made (again) on demand,
/// the old one revoked by the new.
export function staffTokenCard(redraw) {
  const card = h('div', { class: 'card narrow', id: 'staff-token' }, h('h2', {}, 'Staff access token'),
    h('p', {}, 'Writing apps made for Ghost (Ulysses, iA Writer, Obsidian) publish as you with this key and this admin’s address. A new one replaces the old.'),
    h('button', { type: 'button', onclick: async () => {
      if (!confirm('Make a new staff access token? The one before stops working.')) return;
      const made = await post('/account/staff-token', {});
      card.replaceChildren(madeNotice('Staff access token', [
        ['API URL', apiUrl(), 'key-url'],
        ['Staff access token', made.admin_key, 'admin-key'],
      ], redraw));
    } }, 'Make a staff access token'));
  return card;
}
