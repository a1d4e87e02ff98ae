// The admin UI: a hash-routed single page over the admin API. No inline scripts,
// no framework; each screen is a function that builds its DOM.

import { get, post, patch, del, setCsrf, ApiError } from './api.js';
import { h, show, field, toast, form, input } from './dom.js';
import { editor } from './editor.js';
import { tags, tag, authors, author } from './people.js';

export const state = { me: null };

const routes = [
  [/^#\/posts$/, () => list('post')],
  [/^#\/pages$/, () => list('page')],
  [/^#\/trash$/, () => list(null, true)],
  [/^#\/edit\/new(?:\/(post|page))?$/, (m) => editor(null, m[1] || 'post')],
  [/^#\/edit\/(\d+)$/, (m) => editor(Number(m[1]))],
  [/^#\/tags$/, () => tags(state.me)],
  [/^#\/tags\/new$/, () => tag(null)],
  [/^#\/tags\/(\d+)$/, (m) => tag(Number(m[1]))],
  [/^#\/authors$/, () => authors(state.me)],
  [/^#\/authors\/(\d+)$/, (m) => author(Number(m[1]))],
  [/^#\/tokens$/, () => tokens()],
  [/^#\/users$/, () => users()],
  [/^#\/audit$/, () => audit()],
  [/^#\/settings$/, () => settings()],
  [/^#\/account$/, () => account()],
];

async function route() {
  if (!state.me) return boot();
  const hash = location.hash || '#/posts';
  for (const [pattern, view] of routes) {
    const m = hash.match(pattern);
    if (m) {
      try { await view(m); } catch (e) { failure(e); }
      return;
    }
  }
  location.hash = '#/posts';
}

function failure(e) {
  if (e instanceof ApiError && e.status === 401) {
    state.me = null;
    return boot();
  }
  show(h('p', { class: 'error', role: 'alert' }, e.message));
}

/// Who is here: a session (go on), nobody (log in), no account yet (first run).
async function boot() {
  document.getElementById('bar').hidden = true;
  try {
    const me = await get('/me');
    return signedIn(me);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) return failure(e);
  }
  const setup = await get('/setup');
  return setup.needed ? setupScreen() : loginScreen();
}

function signedIn(me) {
  state.me = me;
  setCsrf(me.csrf_token);
  const bar = document.getElementById('bar');
  bar.hidden = false;
  const rank = { author: 0, editor: 1, owner: 2 };
  for (const link of bar.querySelectorAll('[data-role]')) {
    link.hidden = rank[me.role] < rank[link.dataset.role];
  }
  if (!location.hash || location.hash === '#/login') location.hash = '#/posts';
  return route();
}


function setupScreen() {
  show(form('Set up folio', [
    h('p', {}, 'Create the owner account with the one-time setup token from the server log.'),
    field('Setup token', input('setup_token', 'text', { autofocus: true, autocomplete: 'off' })),
    field('Username', input('username', 'text', { autocomplete: 'username' })),
    field('Password', input('password', 'password', { autocomplete: 'new-password', minlength: 12 }), 'At least 12 characters.'),
  ], 'Create the owner', async (data) => {
    const challenge = await post('/setup', data);
    enrollScreen(challenge.challenge);
  }));
}

function loginScreen() {
  show(form('Log in', [
    field('Username', input('username', 'text', { autofocus: true, autocomplete: 'username' })),
    field('Password', input('password', 'password', { autocomplete: 'current-password' })),
  ], 'Continue', async (data) => {
    const answer = await post('/session', data);
    if (answer.next === 'enroll') enrollScreen(answer.challenge);
    else codeScreen(answer.challenge);
  }));
}

function codeScreen(challenge, recovery = false) {
  const switchLink = h('button', { type: 'button', class: 'link', onclick: () => codeScreen(challenge, !recovery) },
    recovery ? 'Use the code from the app instead' : 'Use a recovery code instead');
  const fields = recovery
    ? [field('Recovery code', input('recovery_code', 'text', { autofocus: true, autocomplete: 'off' }))]
    : [field('Code from the authenticator app', input('code', 'text', { autofocus: true, inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9 ]*', maxlength: 7 }))];
  show(form('Two-factor code', fields, 'Log in', async (data) => {
    const session = await post('/session/totp', { challenge, ...data });
    if (session.recovery_codes_left !== undefined) toast(`Recovery code used: ${session.recovery_codes_left} left.`);
    await signedIn(await get('/me'));
  }, switchLink));
}

async function enrollScreen(challenge) {
  const key = await post('/session/enroll', { challenge });
  const qr = h('img', { class: 'qr', alt: 'QR code for the authenticator app', src: `data:image/svg+xml;base64,${btoa(key.qr_svg)}` });
  show(form('Set up two-factor login', [
    h('p', {}, 'Scan this code with an authenticator app (Aegis, Google Authenticator, 1Password…), or type the key by hand.'),
    qr,
    h('p', {}, 'Key: ', h('code', { id: 'totp-secret', class: 'secret' }, key.secret)),
    field('Code shown by the app', input('code', 'text', { autofocus: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 7 })),
  ], 'Turn on two-factor login', async (data) => {
    const session = await post('/session/enroll/confirm', { challenge, code: data.code });
    recoveryScreen(session.recovery_codes);
  }));
}

function recoveryScreen(codes) {
  const text = codes.join('\n');
  const download = h('a', { class: 'button', download: 'folio-recovery-codes.txt', href: URL.createObjectURL(new Blob([text + '\n'], { type: 'text/plain' })) }, 'Download');
  show(h('section', { class: 'card narrow' },
    h('h1', {}, 'Recovery codes'),
    h('p', {}, 'Each code logs you in once if you lose your phone. They are shown only now: keep them somewhere safe.'),
    h('pre', { id: 'recovery-codes', class: 'codes' }, text),
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(text).then(() => toast('Copied.')) }, 'Copy'),
      download,
      h('button', { type: 'button', class: 'primary', autofocus: true, onclick: async () => signedIn(await get('/me')) }, 'Continue'))));
}

const date = (iso) => (iso ? new Date(iso).toLocaleString() : '');

async function list(kind, trashed = false) {
  const status = sessionStorage.getItem('filter-status') || '';
  const q = sessionStorage.getItem('filter-q') || '';
  const query = new URLSearchParams({ limit: '100' });
  if (kind) query.set('type', kind);
  if (trashed) query.set('trashed', 'true');
  if (status && !trashed) query.set('status', status);
  if (q) query.set('q', q);
  const data = await get(`/posts?${query}`);
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'Search titles and text', 'aria-label': 'Search' });
  const filter = h('select', { name: 'status', 'aria-label': 'Status' },
    ...['', 'draft', 'scheduled', 'published'].map((s) => h('option', { value: s, selected: s === status }, s || 'All statuses')));
  const apply = () => {
    sessionStorage.setItem('filter-q', search.value);
    sessionStorage.setItem('filter-status', filter.value);
    route();
  };
  search.addEventListener('change', apply);
  filter.addEventListener('change', apply);
  const rows = data.posts.map((p) => h('tr', {},
    h('td', {}, h('a', { href: `#/edit/${p.id}` }, p.title || '(untitled)')),
    h('td', {}, h('span', { class: `status ${p.status}` }, p.status), p.pending ? h('span', { class: 'muted' }, ' · unpublished changes') : null),
    h('td', {}, p.tags.filter((t) => !t.startsWith('#')).join(', ')),
    h('td', {}, date(p.published_at || p.modified_at)),
    trashed ? h('td', {}, h('button', { type: 'button', onclick: async () => { await post(`/posts/${p.id}/restore`); toast('Restored.'); route(); } }, 'Restore')) : null));
  const title = trashed ? 'Trash' : kind === 'page' ? 'Pages' : 'Posts';
  show(h('section', {},
    h('div', { class: 'row head' },
      h('h1', {}, title),
      trashed ? null : h('a', { class: 'button primary', href: `#/edit/new/${kind || 'post'}` }, kind === 'page' ? 'New page' : 'New post'),
      trashed ? h('a', { href: '#/posts' }, 'Back to posts') : h('a', { href: '#/trash' }, 'Trash')),
    trashed ? null : h('div', { class: 'row filters' }, search, filter),
    data.posts.length
      ? h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Status'), h('th', {}, 'Tags'), h('th', {}, 'Date'), trashed ? h('th', {}, '') : null)), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, trashed ? 'The trash is empty.' : 'Nothing here yet.')));
}

async function tokens(made) {
  const data = await get('/tokens');
  const scopes = ['content:read', 'content:write', 'publish'];
  const created = h('div', { id: 'token-created' });
  const f = form('New API token', [
    field('Name', input('name', 'text'), 'What uses it, e.g. “GitHub Actions”.'),
    h('fieldset', {}, h('legend', {}, 'Scopes'),
      // Least privilege by default: a token reads until more is ticked.
      ...scopes.map((s) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'scope', value: s, checked: s === 'content:read' }), s))),
  ], 'Create token', async (_data, formEl) => {
    const chosen = [...formEl.querySelectorAll('input[name=scope]:checked')].map((c) => c.value);
    const token = await post('/tokens', { name: formEl.elements.name.value, scopes: chosen });
    // Drawn again with the new token listed, the notice above the list.
    await tokens(token);
  });
  if (made) {
    const token = made;
    created.replaceChildren(h('div', { class: 'card notice' },
      h('p', {}, 'Copy the token now: it is not shown again.'),
      h('code', { id: 'new-token', class: 'secret' }, token.token),
      h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(token.token).then(() => toast('Copied.')) }, 'Copy'),
      h('button', { type: 'button', onclick: () => tokens() }, 'Done')));
  }
  show(h('section', {}, h('h1', {}, 'API tokens'), created,
    h('table', { class: 'list', id: 'tokens' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Scopes'), h('th', {}, 'Last used'), h('th', {}, ''))),
      h('tbody', {}, data.tokens.map((t) => h('tr', { 'data-token': t.name },
        h('td', {}, t.name), h('td', {}, t.scopes), h('td', {}, t.revoked_at ? `revoked ${date(t.revoked_at)}` : date(t.last_used_at) || 'never'),
        h('td', {}, t.revoked_at ? '' : h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Revoke the token ${t.name}?`)) return;
          await del(`/tokens/${t.id}`); toast('Revoked.'); tokens();
        } }, 'Revoke')))))),
    f));
}

async function users() {
  const data = await get('/users');
  const role = (u) => {
    const select = h('select', { 'aria-label': `Role of ${u.username}`, 'data-role-of': u.username },
      ...['author', 'editor', 'owner'].map((r) => h('option', { value: r, selected: r === u.role }, r)));
    select.addEventListener('change', async () => {
      try { await patch(`/users/${u.id}`, { role: select.value }); toast(`${u.username} is now an ${select.value}.`); } catch (e) { toast(e.message); select.value = u.role; }
    });
    return select;
  };
  show(h('section', {}, h('h1', {}, 'Users'),
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'Role'), h('th', {}, 'Two-factor'), h('th', {}, ''))),
      h('tbody', {}, data.users.map((u) => h('tr', {}, h('td', {}, u.username), h('td', {}, role(u)), h('td', {}, u.two_factor ? 'on' : 'not set up'),
        h('td', {}, h('button', { type: 'button', onclick: async () => { await post(`/users/${u.id}/reset-2fa`); toast('Two-factor login reset.'); users(); } }, 'Reset 2FA'),
          h('button', { type: 'button', class: 'danger', onclick: async () => {
            if (!confirm(`Delete ${u.username}?`)) return;
            try { await del(`/users/${u.id}`); users(); } catch (e) { toast(e.message); }
          } }, 'Delete')))))),
    form('New user', [
      field('Username', input('username')),
      field('Password', input('password', 'password', { autocomplete: 'new-password' }), 'At least 12 characters; they set up two-factor login at their first login.'),
      field('Role', h('select', { name: 'role' }, ...['author', 'editor', 'owner'].map((r) => h('option', { value: r }, r)))),
    ], 'Create user', async (values) => { await post('/users', values); toast('User created.'); users(); })));
}

async function audit() {
  const data = await get('/audit?limit=200');
  show(h('section', {}, h('h1', {}, 'Audit log'),
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'), h('th', {}, 'Target'), h('th', {}, 'Address'))),
      h('tbody', {}, data.entries.map((e) => h('tr', {}, h('td', {}, date(e.at)), h('td', {}, e.actor || ''), h('td', {}, e.action), h('td', {}, e.target || e.detail || ''), h('td', {}, e.ip || '')))))));
}

/// The navigation menu as rows of label and URL: add, remove, move up and down.
function navigationEditor(items, id, add) {
  const list = h('ol', { class: 'nav-editor', id });
  const row = (item = { label: '', url: '' }) => {
    const li = h('li', { class: 'row' },
      h('input', { 'aria-label': 'Link label', placeholder: 'Label', value: item.label, 'data-nav': 'label' }),
      h('input', { 'aria-label': 'Link URL', placeholder: '/about/ or https://…', value: item.url, 'data-nav': 'url' }),
      h('button', { type: 'button', title: 'Move up', onclick: () => li.previousElementSibling?.before(li) }, '↑'),
      h('button', { type: 'button', title: 'Move down', onclick: () => li.nextElementSibling?.after(li) }, '↓'),
      h('button', { type: 'button', class: 'danger', title: 'Remove', onclick: () => li.remove() }, 'Remove'));
    return li;
  };
  list.append(...items.map(row));
  const editor = h('div', {}, list,
    h('button', { type: 'button', onclick: () => { const li = row(); list.append(li); li.querySelector('input').focus(); } }, add));
  editor.value = () => [...list.children]
    .map((li) => ({ label: li.querySelector('[data-nav=label]').value.trim(), url: li.querySelector('[data-nav=url]').value.trim() }))
    .filter((item) => item.label && item.url);
  return editor;
}

/// Where each publish goes after the server's folder, and how the last deploy went.
async function deployCard() {
  const d = await get('/deploy');
  if (!d.configured) return null;
  const targets = [d.bucket && `bucket ${d.bucket}`, d.cloudfront_distribution && `CloudFront ${d.cloudfront_distribution}`, d.cloudflare_zone && 'Cloudflare'].filter(Boolean);
  return h('section', { class: 'card narrow', id: 'deploy' }, h('h2', {}, 'Deploy'),
    h('p', {}, `After each publish: ${targets.join(', ')}.`),
    h('p', {}, d.last_success_at ? `Last deployed ${date(d.last_success_at)}${d.last ? ` (${d.last.objects} objects, ${d.last.purged_everything ? 'whole cache' : `${d.last.purged} URLs`} purged)` : ''}.` : 'Not deployed yet.'),
    d.error ? h('p', { class: 'error', role: 'alert' }, `Failing at ${d.error.stage} (${d.failures}×, retrying): ${d.error.message}`) : null);
}

async function settings() {
  const data = await get('/settings');
  const s = data.settings;
  const navigation = navigationEditor(s.navigation || [], 'navigation', 'Add a link');
  const footer = navigationEditor(s.secondary_navigation || [], 'secondary-navigation', 'Add a footer link');
  const deploy = await deployCard();
  show(...[deploy].filter(Boolean), form('Site settings', [
    field('Title', h('input', { name: 'title', value: s.title })),
    field('Description', h('textarea', { name: 'description', rows: 2 }, s.description || '')),
    h('fieldset', {}, h('legend', {}, 'Navigation'), navigation),
    h('fieldset', {}, h('legend', {}, 'Footer links'), footer),
    field('Code injection (head)', h('textarea', { name: 'codeinjection_head', rows: 3, class: 'mono' }, s.codeinjection_head || '')),
    field('Code injection (foot)', h('textarea', { name: 'codeinjection_foot', rows: 3, class: 'mono' }, s.codeinjection_foot || '')),
  ], 'Save and publish', async (values) => {
    // Only what was changed: an untouched field stays folio.toml's.
    const shown = { title: s.title, description: s.description || '', codeinjection_head: s.codeinjection_head || '', codeinjection_foot: s.codeinjection_foot || '' };
    const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== shown[k]));
    if (JSON.stringify(navigation.value()) !== JSON.stringify(s.navigation || [])) changed.navigation = navigation.value();
    if (JSON.stringify(footer.value()) !== JSON.stringify(s.secondary_navigation || [])) changed.secondary_navigation = footer.value();
    if (Object.keys(changed).length === 0) { toast('Nothing changed.'); return; }
    const saved = await patch('/settings', changed);
    if (saved.published?.error) toast(`Saved, but the publish failed: ${saved.published.error}`);
    else if (saved.published) toast(`Saved and published: ${saved.published.written} files changed.`);
    else toast('Saved: it shows on the site at the next publish (an editor or owner publishes).');
    settings();
  }));
}

async function account() {
  const me = state.me;
  show(h('section', {},
    me.author_id ? h('div', { class: 'card narrow' }, h('h2', {}, 'Profile'),
      h('p', {}, 'Your name, bio, avatar and links, as posts and your author page show them.'),
      h('a', { class: 'button', href: `#/authors/${me.author_id}` }, 'Edit your profile')) : null,
    form('Change password', [
      field('Current password', input('current_password', 'password', { autocomplete: 'current-password' })),
      field('New password', input('new_password', 'password', { autocomplete: 'new-password' })),
    ], 'Change password', async (values) => { await post('/me/password', values); toast('Password changed; other sessions ended.'); }),
    form('New recovery codes', [
      field('Code from the authenticator app', input('code', 'text', { inputmode: 'numeric' })),
    ], 'Make new codes', async (values) => { const r = await post('/me/recovery-codes', values); recoveryScreen(r.recovery_codes); }),
    h('div', { class: 'card narrow' }, h('h2', {}, 'Sessions'),
      h('button', { type: 'button', class: 'danger', onclick: async () => { await del('/sessions'); state.me = null; boot(); } }, 'Log out everywhere'))));
}

document.getElementById('logout').addEventListener('click', async () => {
  try { await del('/session'); } catch { /* gone already */ }
  state.me = null;
  setCsrf(null);
  // Without the hash, and without a hashchange: that would boot a second time and
  // replace the login form while someone types into it.
  history.replaceState(null, '', location.pathname + location.search);
  boot();
});
window.addEventListener('hashchange', route);
boot().catch(failure);

