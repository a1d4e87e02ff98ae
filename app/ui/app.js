// The admin UI: a hash-routed single page over the admin API. No inline scripts,
// no framework; each screen is a function that builds its DOM.

import { get, post, patch, del, setCsrf, ApiError } from './api.js';
import { h, show, field, toast, form, input, empty, date } from './dom.js';
import { editor } from './editor.js';
import { tags, tag, author } from './people.js';
import { article, people } from './staff.js';
import { integrations, staffTokenCard } from './integrations.js';
import { SCREENS, match, section } from './screens.js';
import { settingsSections } from './settings.js';

export const state = { me: null };

// What draws each screen of `SCREENS` (screens.js), by name. A lower role than the
// screen's gets a refusal, the same the API would give at Save, before any form is
// drawn.
const VIEWS = {
  posts: () => list('post'),
  pages: () => list('page'),
  trash: () => list(null, true),
  'new-post': (kind) => editor(null, kind || 'post', state.me),
  editor: (id) => editor(Number(id), 'post', state.me),
  tags: () => tags(state.me),
  'new-tag': () => tag(null),
  tag: (id) => tag(Number(id)),
  people: () => people(state.me),
  authors: () => people(state.me),
  author: (id) => author(Number(id)),
  tokens: () => tokens(),
  integrations: () => integrations(),
  users: () => people(state.me),
  audit: () => audit(),
  settings: () => settings(),
  account: () => account(),
};
for (const screen of SCREENS) {
  if (!VIEWS[screen.name]) throw new Error(`no view draws the screen ${screen.name}`);
}

const RANK = { contributor: 0, author: 1, editor: 2, administrator: 3, owner: 4 };
const allowed = (role) => !role || RANK[state.me.role] >= RANK[role];
const INVITE = /^#\/invite\/([A-Za-z0-9_-]+)$/;

// Each navigation's number: a screen still loading when the next one is asked for may
// draw itself over it when its data comes late (two quick clicks, Back); the last
// navigation is then drawn again, so what shows is always what the address says.
let navigation = 0;
let lastDrawn = 0;

async function route() {
  const mine = ++navigation;
  const invited = location.hash.match(INVITE);
  if (invited && !state.me) return inviteScreen(invited[1]);
  if (!state.me) return boot();
  const found = match(location.hash || '#/posts');
  if (!found) {
    location.hash = '#/posts';
    return;
  }
  const { screen, param } = found;
  markSection(screen);
  if (!allowed(screen.role)) return refused(screen.role);
  try { await VIEWS[screen.name](param); } catch (e) { failure(e); }
  if (mine !== navigation) {
    // A later navigation started while this screen loaded: if it is drawn already,
    // this one was drawn over it, so draw the screen the address names once more.
    if (lastDrawn > mine) route();
    return;
  }
  lastDrawn = mine;
  // Again once drawn: an editor knows only then whether it holds a post or a page.
  markSection(screen);
}

/// The section of the bar a screen belongs to, marked for the eye and for screen readers.
function markSection(screen) {
  const page = screen.section === 'posts' && document.querySelector('.editor')?.dataset.kind === 'page';
  const current = page ? '#/pages' : section(screen);
  for (const link of document.querySelectorAll('#bar nav a')) {
    if (link.getAttribute('href') === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/// The bar's menu: the screens that have an entry, each with its icon; those the
/// role may not open are left out.
function menu() {
  const nav = document.querySelector('#bar nav');
  const svg = (d) => {
    const icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    icon.setAttribute('class', 'icon');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('aria-hidden', 'true');
    const shape = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    shape.setAttribute('d', d);
    icon.append(shape);
    return icon;
  };
  nav.replaceChildren(...SCREENS.filter((s) => s.menu && allowed(s.role))
    .map((s) => h('a', { href: s.path }, svg(s.icon), h('span', { class: 'label' }, s.menu))));
}

/// "a" or "an", for a role's name.

/// Ghost's roles, lowest first, as the invitation form explains them.
const WHO = { editor: 'an editor, an administrator or the owner', administrator: 'an administrator or the owner', owner: 'the owner' };

function refused(role) {
  show(empty(`Only ${WHO[role]} can open this screen`,
    `You are logged in as ${state.me.username}, ${article(state.me.role)} ${state.me.role}. Ask an administrator if you need it.`,
    h('a', { class: 'button', href: '#/posts' }, 'Back to the posts')));
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
  document.getElementById('site-warning').hidden = true;
  const invited = location.hash.match(INVITE);
  if (invited) return inviteScreen(invited[1]);
  try {
    const me = await get('/me');
    return signedIn(me);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) return failure(e);
  }
  const setup = await get('/setup');
  document.title = `${setup.site_title} · admin`;
  return setup.needed ? setupScreen() : loginScreen(setup.site_title);
}

function signedIn(me) {
  state.me = me;
  setCsrf(me.csrf_token);
  const bar = document.getElementById('bar');
  bar.hidden = false;
  // The site's own name, as Ghost's admin shows it.
  bar.querySelector('.brand').textContent = me.site.title;
  document.title = `${me.site.title} · admin`;
  menu();
  siteWarning(me.site);
  if (!location.hash || location.hash === '#/login' || INVITE.test(location.hash)) {
    history.replaceState(null, '', '#/posts');
  }
  return route();
}

/// Pages link to base_url (canonical, og:url, feeds): said when this admin is open
/// somewhere else, so nobody publishes a site whose links point at another address.
function siteWarning(site) {
  const note = document.getElementById('site-warning');
  const expected = site && (site.admin_url || site.base_url);
  let origin = null;
  try { origin = expected && new URL(expected).origin; } catch { /* not a URL: said below */ }
  note.hidden = !expected || origin === location.origin;
  if (note.hidden) return;
  note.replaceChildren(...(site.admin_url
    ? [h('strong', {}, 'This admin is open at another address than admin_url. '),
      `It is open at ${location.origin}, but admin_url is ${site.admin_url}; pages link to base_url, ${site.base_url}. `,
      'Set admin_url in folio.toml (or FOLIO_ADMIN_URL) to this admin’s address.']
    : [h('strong', {}, 'This admin is open at another address than the site’s. '),
      `It is open at ${location.origin}, but base_url is ${site.base_url}: canonical links, og:url, feeds and the sitemap point there. `,
      'Set base_url in folio.toml (or FOLIO_BASE_URL) to the address readers use.']));
}

function setupScreen() {
  show(form('Set up folio', [
    h('p', {}, 'Create the owner account with the one-time setup token from the server log.'),
    field('Setup token', input('setup_token', 'text', { autofocus: true, autocomplete: 'off' })),
    field('Username', input('username', 'text', { autocomplete: 'username' })),
    field('Password', input('password', 'password', { autocomplete: 'new-password', minlength: 12 }), 'At least 12 characters.'),
    field('Your name', h('input', { name: 'display_name', autocomplete: 'name' }), 'On your posts; your username when empty. You can change it later.'),
    field('Site title', h('input', { name: 'site_title' }), 'What readers see at the top of every page; folio.toml’s when empty.'),
  ], 'Create the owner', async (data) => {
    const challenge = await post('/setup', data);
    enrollScreen(challenge.challenge);
  }));
}

function loginScreen(siteTitle) {
  show(form('Log in', [
    siteTitle ? h('p', { class: 'muted', id: 'login-site' }, siteTitle) : null,
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
    // In fours, as apps show it and people type it; copied whole.
    h('p', {}, 'Key: ', h('code', { id: 'totp-secret', class: 'secret', 'data-key': key.secret }, key.secret.match(/.{1,4}/g).join(' ')), ' ',
      h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(key.secret).then(() => toast('Key copied.')) }, 'Copy the key')),
    field('Code shown by the app', input('code', 'text', { autofocus: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 7 })),
  ], 'Turn on two-factor login', async (data) => {
    const session = await post('/session/enroll/confirm', { challenge, code: data.code });
    recoveryScreen(session.recovery_codes);
  }));
}

/// An invitation link: the person chooses their password, then enrolls TOTP.
async function inviteScreen(token) {
  document.getElementById('bar').hidden = true;
  let invite;
  try {
    invite = await get(`/invites/${token}`);
  } catch (e) {
    return show(h('section', { class: 'card narrow' }, h('h1', {}, 'This invitation cannot be used'),
      h('p', { class: 'error', role: 'alert' }, e.message),
      h('a', { class: 'button', href: '#/posts' }, 'Go to the login')));
  }
  const expires = new Date(invite.expires_at).toLocaleDateString(undefined, { dateStyle: 'medium' });
  show(form(`Welcome, ${invite.username}`, [
    h('p', {}, `${invite.invited_by} invited you as ${article(invite.role)} ${invite.role}. Choose your password; then set up two-factor login with an authenticator app. The link works until ${expires}, once.`),
    field('Username', h('input', { name: 'username', value: invite.username, readonly: true, autocomplete: 'username' })),
    field('Password', input('password', 'password', { autofocus: true, autocomplete: 'new-password', minlength: 12 }), 'At least 12 characters.'),
  ], 'Set my password', async (data) => {
    const answer = await post('/invites/accept', { token, password: data.password });
    enrollScreen(answer.challenge);
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

const SORTS = [['newest', 'Newest first'], ['oldest', 'Oldest first'], ['updated', 'Recently updated']];

/// Posts or pages (or the trash): searched as you type, filtered by status, sorted by
/// date; only the table is drawn again, so typing never loses the focus.
async function list(kind, trashed = false) {
  const remembered = (name, fallback = '') => sessionStorage.getItem(`filter-${name}`) || fallback;
  const search = h('input', { type: 'search', name: 'q', value: remembered('q'), placeholder: 'Search titles and text', 'aria-label': 'Search', autocomplete: 'off' });
  const filter = h('select', { name: 'status', 'aria-label': 'Status' },
    ...['', 'draft', 'scheduled', 'published'].map((s) => h('option', { value: s, selected: s === remembered('status') }, s ? s[0].toUpperCase() + s.slice(1) : 'All statuses')));
  const sort = h('select', { name: 'sort', 'aria-label': 'Order' },
    ...SORTS.map(([value, label]) => h('option', { value, selected: value === remembered('sort', 'newest') }, label)));
  // By tag, and by author for those who see everyone's posts (others see their own).
  const everyone = RANK[state.me.role] >= RANK.editor;
  const [tagList, authorList] = await Promise.all([get('/tags'), everyone ? get('/authors') : null]);
  const byTag = h('select', { name: 'tag', 'aria-label': 'Tag' }, h('option', { value: '' }, 'All tags'),
    ...tagList.tags.map((t) => h('option', { value: t.slug, selected: t.slug === remembered('tag') }, t.name)));
  const byAuthor = everyone ? h('select', { name: 'author', 'aria-label': 'Author' }, h('option', { value: '' }, 'All authors'),
    ...authorList.authors.map((a) => h('option', { value: a.slug, selected: a.slug === remembered('author') }, a.name))) : null;
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const noun = kind === 'page' ? 'page' : 'post';
  const newButton = () => h('a', { class: 'button primary', href: `#/edit/new/${kind || 'post'}` }, kind === 'page' ? 'New page' : 'New post');
  let asked = 0;
  async function load() {
    for (const [name, el] of [['q', search], ['status', filter], ['sort', sort], ['tag', byTag], ['author', byAuthor]]) {
      if (el) sessionStorage.setItem(`filter-${name}`, el.value);
    }
    const query = new URLSearchParams({ limit: '100', sort: sort.value });
    if (kind) query.set('type', kind);
    if (trashed) query.set('trashed', 'true');
    if (filter.value && !trashed) query.set('status', filter.value);
    if (search.value.trim()) query.set('q', search.value.trim());
    if (byTag.value) query.set('tag', byTag.value);
    if (byAuthor?.value) query.set('author', byAuthor.value);
    const mine = ++asked;
    const data = await get(`/posts?${query}`);
    // A slower answer to an earlier keystroke must not replace a later one.
    if (mine !== asked) return;
    const filtered = search.value.trim() || (filter.value && !trashed) || byTag.value || byAuthor?.value;
    if (!data.posts.length) {
      results.replaceChildren(trashed
        ? empty('The trash is empty', 'Deleted posts wait here until you restore them.')
        : filtered
          ? empty(`No ${noun} matches`, search.value.trim() ? `Nothing has “${search.value.trim()}” in its title or text${filter.value ? ` among the ${filter.value} ${noun}s` : ''}.` : filter.value ? `No ${filter.value} ${noun}s${byTag.value || byAuthor?.value ? ' with this tag or author' : ''}.` : `No ${noun} has this tag or author.`,
            h('button', { type: 'button', onclick: () => { search.value = ''; filter.value = ''; byTag.value = ''; if (byAuthor) byAuthor.value = ''; load(); search.focus(); } }, 'Clear the search'))
          : empty(`No ${noun}s yet`, kind === 'page' ? 'Pages are for what does not change often: About, Contact, Now.' : 'Write the first one: it stays a draft until you publish it.', newButton()));
      return;
    }
    const rows = data.posts.map((p) => h('tr', {},
      h('td', {}, h('a', { href: `#/edit/${p.id}` }, p.title || '(untitled)')),
      h('td', {}, h('span', { class: `status ${p.status}` }, p.status), p.pending ? h('span', { class: 'muted' }, ' · unpublished changes') : null),
      h('td', {}, p.tags.filter((t) => !t.startsWith('#')).join(', ')),
      // A scheduled post says when it goes live, to the minute.
      h('td', {}, p.status === 'scheduled' ? ['Scheduled for ', date(p.published_at, true)] : date(sort.value === 'updated' ? p.modified_at : p.published_at || p.modified_at)),
      trashed ? h('td', {}, h('button', { type: 'button', onclick: async () => { await post(`/posts/${p.id}/restore`); toast('Restored.'); load(); } }, 'Restore')) : null));
    results.replaceChildren(h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Status'), h('th', {}, 'Tags'), h('th', {}, sort.value === 'updated' ? 'Changed' : 'Date'), trashed ? h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
      h('tbody', {}, rows)));
  }
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load().catch(failure), 200); });
  filter.addEventListener('change', () => load().catch(failure));
  sort.addEventListener('change', () => load().catch(failure));
  for (const el of [byTag, byAuthor]) el?.addEventListener('change', () => load().catch(failure));
  const title = trashed ? 'Trash' : kind === 'page' ? 'Pages' : 'Posts';
  await load();
  show(h('section', {},
    h('div', { class: 'row head' },
      h('h1', {}, title),
      h('span', { class: 'spacer' }),
      trashed ? h('a', { href: '#/posts' }, 'Back to posts') : h('a', { href: '#/trash' }, 'Trash'),
      trashed ? null : newButton()),
    h('div', { class: 'row filters' }, trashed ? null : search, trashed ? null : filter, byTag, byAuthor, sort),
    results));
}

async function tokens(made) {
  const data = await get('/tokens');
  const scopes = [['content:read', 'read posts (CI checks)'], ['content:write', 'write posts'], ['publish', 'publish the site'], ['sync', 'pull the content repository (folio sync)']];
  const created = h('div', { id: 'token-created' });
  const f = form('New API token', [
    field('Name', input('name', 'text', { autocomplete: 'off' }), 'What will use it, for example “GitHub Actions”.'),
    h('fieldset', {}, h('legend', {}, 'Scopes'),
      // Least privilege by default: a token reads until more is ticked.
      ...scopes.map(([s, what]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'scope', value: s, checked: s === 'content:read' }), s, h('span', { class: 'muted' }, ` · ${what}`)))),
  ], 'Create token', async (_data, formEl) => {
    const chosen = [...formEl.querySelectorAll('input[name=scope]:checked')].map((c) => c.value);
    const token = await post('/tokens', { name: formEl.elements.name.value, scopes: chosen });
    // Drawn again with the new token listed, the notice above the list.
    await tokens(token);
  });
  if (made) {
    created.replaceChildren(h('div', { class: 'card notice' },
      h('h2', {}, `Token “${made.name}” created`),
      h('p', {}, 'Copy it now: it is not shown again. CI sends it as Authorization: Bearer ….'),
      h('code', { id: 'new-token', class: 'secret' }, made.token),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => navigator.clipboard.writeText(made.token).then(() => toast('Copied.')) }, 'Copy'),
        h('button', { type: 'button', onclick: () => tokens() }, 'Done'))));
  }
  const list = data.tokens.length
    ? h('table', { class: 'list', id: 'tokens' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Scopes'), h('th', {}, 'Last used'), h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', {}, data.tokens.map((t) => h('tr', { 'data-token': t.name },
        h('td', {}, t.name), h('td', {}, t.scopes), h('td', {}, t.revoked_at ? h('span', {}, 'revoked ', date(t.revoked_at)) : t.last_used_at ? date(t.last_used_at, true) : 'never'),
        h('td', {}, t.revoked_at ? '' : h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Revoke the token ${t.name}?`)) return;
          await del(`/tokens/${t.id}`); toast('Revoked.'); tokens();
        } }, 'Revoke'))))))
    : empty('No API tokens yet', 'A token lets CI (GitHub Actions, a cron job) push content/ and publish without your password or code. Create one below, with only the scopes it needs.');
  show(h('section', { class: 'wide' }, h('h1', {}, 'API tokens'), created, list, h('div', { class: 'row' }), f));
}

async function audit() {
  const data = await get('/audit?limit=200');
  show(h('section', {}, h('h1', {}, 'Audit log'),
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'), h('th', {}, 'Target'), h('th', {}, 'Address'))),
      h('tbody', {}, data.entries.map((e) => h('tr', {}, h('td', {}, date(e.at, true)), h('td', {}, e.actor || ''), h('td', {}, e.action), h('td', {}, e.target || e.detail || ''), h('td', {}, e.ip || '')))))));
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
    h('p', {}, d.last_success_at ? ['Last deployed ', date(d.last_success_at, true), d.last ? ` (${d.last.objects} objects, ${d.last.purged_everything ? 'whole cache' : `${d.last.purged} URLs`} purged).` : '.'] : 'Not deployed yet.'),
    d.error ? h('p', { class: 'error', role: 'alert' }, `Failing at ${d.error.stage} (${d.failures}×, retrying): ${d.error.message}`) : null);
}

/// The content repository ([git]): what waits to be pushed, the last error, a
/// conflict and how to resolve it.
async function gitCard() {
  const g = await get('/git');
  if (!g.configured) return null;
  const sides = g.conflict?.length ? await get('/git/conflict').catch(() => []) : [];
  const waiting = g.unpushed === 1 ? '1 change not yet in Git' : `${g.unpushed} changes not yet in Git`;
  return h('section', { class: 'card narrow', id: 'git' }, h('h2', {}, 'Content repository'),
    h('p', {}, `Branch ${g.branch}, at ${g.head ? g.head.slice(0, 10) : 'no commit yet'}: ${g.unpushed ? waiting : 'everything is in Git'}.`),
    h('p', {}, [g.last_push ? ['Last push ', date(g.last_push, true), '. '] : 'Not pushed yet. ', g.last_pull ? ['Last pull ', date(g.last_pull, true), '.'] : '']),
    g.conflict?.length ? h('p', { class: 'error', role: 'alert', id: 'git-conflict' },
      `Changed on the same lines in Git and here: ${g.conflict.join(', ')}. The changes made here are on the branch ${g.conflict_branch || '(not pushed yet)'}: merge it in Git, or keep one side's lines here (a merge commit: both histories stay, nothing is overwritten).`) : null,
    g.conflict?.length ? h('div', { class: 'row' },
      ...[['admin', 'Keep the lines changed here'], ['git', 'Take the lines from Git']].map(([keep, label]) =>
        h('button', { type: 'button', 'data-keep': keep, onclick: async () => {
          if (!confirm(`${label} for ${g.conflict.join(', ')}, and publish?`)) return;
          try { await post('/git/resolve', { keep }); toast('Resolved, published and pushed.'); settings(); } catch (e) { toast(e.message); }
        } }, label))) : null,
    ...sides.map(conflictSides),
    g.last_error && !g.conflict?.length ? h('p', { class: 'error', role: 'alert' }, `The last push or pull failed (saves go on, and are pushed when it answers): ${g.last_error}`) : null);
}

/// A file in conflict with Git, both sides next to each other; the lines each side
/// changed from the text they parted from are marked.
function conflictSides(file) {
  const before = new Set((file.base ?? '').split('\n'));
  const side = (label, text) => h('div', { class: 'side' }, h('h4', {}, label),
    text === null ? h('p', {}, 'Removed on this side.')
      : h('pre', { tabindex: 0 }, text.split('\n').map((line) => (before.has(line) ? `${line}\n` : h('mark', {}, `${line}\n`)))));
  return h('div', { class: 'conflict-file', 'data-path': file.path }, h('h3', {}, file.path),
    h('div', { class: 'split' }, side('Changed here', file.admin), side('In Git', file.git)));
}

async function settings() {
  const data = await get('/settings');
  const deploy = await deployCard();
  const repository = await gitCard();
  // Saved here (and so in content/site.yaml), these win over folio.toml: a change
  // there shows only once they go.
  const labels = { title: 'Title', description: 'Description', language: 'Language', design: 'Design', navigation: 'Navigation', secondary_navigation: 'Footer links', codeinjection_head: 'Code injection (head)', codeinjection_foot: 'Code injection (foot)' };
  const overrides = data.overridden?.length ? h('p', { class: 'notice', id: 'overridden' },
    `Set here, over folio.toml: ${data.overridden.map((k) => labels[k] || k).join(', ')}. They are kept in content/site.yaml; to use folio.toml's value again, remove the key from that file.`) : null;
  const { toc, parts } = settingsSections(data, navigationEditor);
  show(h('div', { class: 'settings' },
    h('h1', {}, 'Settings'),
    h('div', { class: 'settings-layout' }, toc,
      h('div', { class: 'settings-parts' }, ...[overrides, ...parts, repository, deploy].filter(Boolean)))));
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
    staffTokenCard(() => account()),
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

