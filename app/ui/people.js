// Tags and authors' profiles. Editors and up edit tags; each person edits their own
// profile, an administrator or the owner anyone's. Both show on live pages: a save
// publishes them, and a new slug keeps the old address as a redirect.

import { get, post, patch, del } from './api.js';
import { h, show, field, toast, form, empty } from './dom.js';
import { imageDrop } from './image_drop.js';

const text = (name, value, more = {}) => h('input', { name, value: value || '', ...more });
const area = (name, value, rows = 3) => h('textarea', { name, rows }, value || '');

/// What a save answers about the publish it made.
function published(answer, what) {
  if (answer.published?.error) toast(`${what} saved, but the publish failed: ${answer.published.error}`);
  else if (answer.published === null) toast(`${what}: nothing changed.`);
  else toast(`${what} saved and published.`);
}

/// The form's values, with empty optional fields as null (cleared).
function values(data, required) {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === '' && !required.includes(k) ? null : v]));
}

export async function tags(me) {
  const data = await get('/tags');
  const editor = ['editor', 'administrator', 'owner'].includes(me.role);
  const rows = data.tags.map((t) => h('tr', { 'data-tag': t.slug },
    h('td', {}, editor ? h('a', { href: `#/tags/${t.id}` }, t.name) : t.name),
    h('td', {}, t.slug), h('td', {}, t.posts)));
  show(h('section', {},
    h('div', { class: 'row head' }, h('h1', {}, 'Tags'),
      editor ? h('a', { class: 'button primary', href: '#/tags/new' }, 'New tag') : null),
    data.tags.length
      ? h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Slug'), h('th', {}, 'Posts'))), h('tbody', {}, rows))
      : empty('No tags yet', 'Tags group posts (each gets a page and a feed). They appear here when a post has one; add them in the editor’s Tags field.', editor ? h('a', { class: 'button', href: '#/tags/new' }, 'New tag') : null)));
}

export async function tag(id) {
  const here = location.hash;
  const t = id ? await get(`/tags/${id}`) : {};
  // Drawn again after a save: not over a screen opened while the data came.
  if (location.hash !== here) return;
  const remove = id ? h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Delete the tag ${t.name}? Its posts keep their other tags; its page goes.`)) return;
    await del(`/tags/${id}`);
    toast('Tag deleted.');
    location.hash = '#/tags';
  } }, 'Delete tag') : null;
  show(form(id ? `Tag: ${t.name}` : 'New tag', [
    field('Name', text('name', t.name, { required: true, autofocus: true })),
    field('Slug', text('slug', t.slug), id ? `Its page is /tag/${t.slug}/; a new slug redirects the old address.` : 'Made from the name when left empty.'),
    field('Description', area('description', t.description)),
    imageField('Feature image', text('feature_image', t.feature_image, { placeholder: '/images/… or https://…' }), 'tag-image'),
    field('Meta title', text('meta_title', t.meta_title)),
    field('Meta description', area('meta_description', t.meta_description, 2)),
  ], id ? 'Save and publish' : 'Create tag', async (data) => {
    const body = values(data, ['name']);
    if (!id && !body.slug) delete body.slug;
    if (id) {
      published(await patch(`/tags/${id}`, body), 'Tag');
      tag(id);
    } else {
      const created = await post('/tags', body);
      toast('Tag created.');
      location.hash = `#/tags/${created.id}`;
    }
  }, h('div', { class: 'row' }, h('a', { href: '#/tags' }, 'All tags'), remove)));
}

export async function author(id) {
  const here = location.hash;
  const data = await get('/authors');
  if (location.hash !== here) return;
  const a = data.authors.find((x) => x.id === id);
  if (!a) throw new Error('No such author.');
  show(form(`Profile: ${a.name}`, [
    field('Name', text('name', a.name, { required: true, autofocus: true }), 'As posts are bylined.'),
    field('Slug', text('slug', a.slug), `The author page is /author/${a.slug}/; a new slug redirects the old address.`),
    field('Bio', area('bio', a.bio, 4)),
    imageField('Avatar', text('profile_image', a.profile_image, { placeholder: '/images/… or https://…' }), 'avatar'),
    field('Website', text('website', a.website, { type: 'url', placeholder: 'https://…' })),
    field('Location', text('location', a.location)),
    imageField('Cover', text('cover_image', a.cover_image, { placeholder: '/images/… or https://…' }), 'cover'),
    field('X (Twitter)', text('twitter', a.twitter, { placeholder: '@name' }), 'Shown as a link on the author page.'),
    field('Facebook', text('facebook', a.facebook, { placeholder: 'page.name' })),
    ...NETWORKS.map(([key, label, placeholder]) => field(label, text(`social.${key}`, a.social?.[key], { placeholder }))),
  ], 'Save and publish', async (values_) => {
    const body = values(values_, ['name', 'slug']);
    // The other networks go as one object, `social`, as the server keeps them.
    body.social = Object.fromEntries(NETWORKS.map(([key]) => [key, body[`social.${key}`]]));
    for (const [key] of NETWORKS) delete body[`social.${key}`];
    published(await patch(`/authors/${id}`, body), 'Profile');
    author(id);
  }, h('a', { href: '#/authors' }, 'All authors')));
}

/// The networks of an author's profile besides X and Facebook: the field, its label,
/// and an account as the server takes it (a handle, or the page's https address).
const NETWORKS = [['bluesky', 'Bluesky', 'name.bsky.social'], ['mastodon', 'Mastodon', '@name@mastodon.social'],
  ['threads', 'Threads', '@name'], ['instagram', 'Instagram', 'name'], ['linkedin', 'LinkedIn', 'name or company/name'],
  ['youtube', 'YouTube', '@channel'], ['tiktok', 'TikTok', '@name']];

/// A labelled image URL field with its drop zone above it (`id` names the zone's parts).
function imageField(label, input, id) {
  const drop = imageDrop(input, { id });
  return h('div', { class: 'field' },
    h('span', { class: 'label' }, h('strong', {}, label)), drop.zone, drop.remove,
    field(`${label} URL`, input));
}
