// People, in one screen as Ghost's Staff: each person with their avatar, the profile
// they write as and, for who manages people, the account behind it (role, two-factor
// login) and what may be done to it; then the invitations. The only owner's row
// offers no role change and no Delete, and nobody changes their own role here.

import { adminMedia, get, post, patch, del } from './api.js';
import { h, show, field, toast, form, input, empty, date } from './dom.js';

export const ROLES = [
  ['contributor', 'Contributor: writes drafts; an editor publishes them'],
  ['author', 'Author: writes and publishes their own posts'],
  ['editor', 'Editor: all posts and tags, publishing, invites authors and contributors'],
  ['administrator', 'Administrator: everything but ownership (settings, people, integrations)'],
  ['owner', 'Owner: everything'],
];

export const article = (word) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/// The picture of a person: their avatar, else their initials.
function avatar(name, image) {
  // Only the site's own images: the admin's CSP loads nothing from elsewhere.
  const src = adminMedia(image);
  if (src) return h('img', { class: 'avatar', src, alt: '' });
  const initials = (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
  return h('span', { class: 'avatar initials', 'aria-hidden': 'true' }, initials);
}

export async function people(me) {
  const manages = me.manages || [];
  const [profiles, accounts, pending] = await Promise.all([
    get('/authors'),
    manages.length ? get('/users') : { users: [] },
    manages.length ? get('/users/invites') : { invites: [] },
  ]);
  const owners = accounts.users.filter((u) => u.role === 'owner').length;
  const changeable = (u) => manages.includes(u.role) && u.id !== me.id && !(u.role === 'owner' && owners < 2);
  const editsAny = ['administrator', 'owner'].includes(me.role);
  const redraw = () => people(me);

  const role = (u) => {
    if (!changeable(u)) return h('span', { 'data-role-of': u.username }, u.role);
    const select = h('select', { 'aria-label': `Role of ${u.username}`, 'data-role-of': u.username },
      ...manages.map((r) => h('option', { value: r, selected: r === u.role }, r)));
    select.addEventListener('change', async () => {
      try { await patch(`/users/${u.id}`, { role: select.value }); toast(`${u.username} is now ${article(select.value)} ${select.value}.`); } catch (e) { toast(e.message); select.value = u.role; }
    });
    return select;
  };
  const actions = (u) => (u && changeable(u) ? [
    h('button', { type: 'button', onclick: async () => { await post(`/users/${u.id}/reset-2fa`); toast('Two-factor login reset.'); redraw(); } }, 'Reset 2FA'),
    h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(`Delete ${u.username}? Their posts stay, under their name.`)) return;
      try { await del(`/users/${u.id}`); redraw(); } catch (e) { toast(e.message); }
    } }, 'Delete')] : null);

  const byId = new Map(accounts.users.map((u) => [u.id, u]));
  const rows = profiles.authors.map((p) => ({ profile: p, account: byId.get(p.account_id) || null }));
  const linked = new Set(rows.map((r) => r.account?.id).filter(Boolean));
  for (const u of accounts.users) if (!linked.has(u.id)) rows.push({ profile: null, account: u });
  const showAccounts = manages.length > 0;

  const row = ({ profile: p, account: u }) => {
    const name = p?.name || u.username;
    const editable = p && (editsAny || p.id === me.author_id);
    return h('tr', { 'data-author': p?.slug || '', 'data-person': u?.username || p?.slug },
      h('td', {}, h('div', { class: 'person' }, avatar(name, p?.profile_image),
        h('div', {}, editable ? h('a', { href: `#/authors/${p.id}` }, name) : h('span', {}, name),
          p ? h('div', { class: 'muted' }, `/author/${p.slug}/`) : h('div', { class: 'muted' }, 'no profile yet')))),
      showAccounts ? h('td', {}, u ? u.username : h('span', { class: 'muted' }, 'no account (writes from content/)')) : null,
      showAccounts ? h('td', {}, u ? role(u) : '—') : null,
      showAccounts ? h('td', {}, u ? (u.two_factor ? 'on' : 'not set up') : '—') : null,
      showAccounts ? h('td', {}, actions(u)) : null);
  };
  const table = h('table', { class: 'list people' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Person'), ...(showAccounts ? ['Account', 'Role', 'Two-factor'].map((t) => h('th', {}, t)) : []),
      showAccounts ? h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
    h('tbody', {}, rows.map(row)));

  const invitations = manages.length ? invitationsPart(pending, manages, redraw) : [];
  show(h('section', { class: 'wide' }, h('h1', {}, 'People'),
    h('p', { class: 'hint' }, showAccounts
      ? 'Everyone who writes here: the profile readers see, and the account that logs in.'
      : 'Everyone who writes here, as readers see them.'),
    table, ...invitations));
}

function invitationsPart(pending, manages, redraw) {
  const link = h('div', { id: 'invite-link' });
  const invites = pending.invites.length
    ? h('table', { class: 'list', id: 'invites' }, h('thead', {}, h('tr', {}, h('th', {}, 'Invited'), h('th', {}, 'Role'), h('th', {}, 'Expires'), h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', {}, pending.invites.map((i) => h('tr', { 'data-invite': i.username }, h('td', {}, i.username), h('td', {}, i.role), h('td', {}, date(i.expires_at)),
        h('td', {}, manages.includes(i.role) ? h('button', { type: 'button', class: 'danger', onclick: async () => {
          await del(`/users/invites/${i.id}`); toast('Invitation revoked: its link no longer works.'); redraw();
        } }, 'Revoke') : null)))))
    : empty('No invitations pending', 'Invite someone below: you get a link to send them (by chat, mail, anything). They choose their password and set up two-factor login; you never see either.');
  return [h('h2', { class: 'section-title' }, 'Invitations'), link, invites, h('div', { class: 'row' }),
    form('Invite someone', [
      field('Username', input('username', 'text', { autocomplete: 'off' }), 'Letters, digits, “.”, “_” or “-”: how they log in.'),
      field('Role', h('select', { name: 'role' }, ...ROLES.filter(([r]) => manages.includes(r)).map(([r, label]) => h('option', { value: r }, label)))),
    ], 'Make an invitation link', async (values) => {
      const made = await post('/users/invites', values);
      const url = `${location.origin}${made.path}`;
      await redraw();
      document.getElementById('invite-link').replaceChildren(h('div', { class: 'card notice' },
        h('h2', {}, `Invitation for ${made.username}`),
        h('p', {}, `Send this link to ${made.username}. It works once, until ${new Date(made.expires_at).toLocaleDateString(undefined, { dateStyle: 'medium' })}, and is not shown again (invite again for a new one).`),
        h('code', { id: 'invite-url', class: 'secret' }, url),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => navigator.clipboard.writeText(url).then(() => toast('Copied.')) }, 'Copy the link'))));
      document.getElementById('invite-url').scrollIntoView({ block: 'center' });
    })];
}
