// Ghost's own clients against folio's Ghost API: the official `@tryghost/admin-api`
// and `@tryghost/content-api` SDKs from npm, unchanged, against the real `folio serve` on loopback, with a key
// made by `folio integration add`. Only the URL and the key are folio's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GhostAdminAPI from '@tryghost/admin-api';
import GhostContentAPI from '@tryghost/content-api';
import { serve, setupOwner } from './browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
// The webhooks' receiver is on loopback: the owner allows private targets here.
const ENV = { FOLIO_SECRET_KEY: 'a secret key for the Ghost API tests, long enough', FOLIO_WEBHOOKS_PRIVATE_TARGETS: 'true' };

let server;
let siteDir;
let key;

/// `folio ARGS` in the site's folder, as a script or CI would run it.
function folio(...args) {
  return execFileSync(binary, args, { cwd: siteDir, env: { ...process.env, ...ENV }, encoding: 'utf8' });
}

function admin(version = 'v6.0', adminKey = key.admin_key) {
  return new GhostAdminAPI({ url: server.base, key: adminKey, version });
}

before(async () => {
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-ghost-api-'));
  fs.cpSync(path.join(repo, 'content'), path.join(siteDir, 'content'), { recursive: true });
  server = await serve(binary, siteDir, { ready: (text) => /setup token \S+/.test(text), env: ENV });
  await setupOwner(server.base, server.log.match(/setup token (\S+)/)[1]);
  key = JSON.parse(folio('integration', 'add', 'Zapier', '--json'));
});

after(() => server?.child.kill('SIGTERM'));

test('the keys are Ghost-shaped and listed without their secret', () => {
  assert.match(key.admin_key, /^[0-9a-f]{24}:[0-9a-f]{64}$/);
  assert.match(key.content_key, /^[0-9a-f]{26}$/);
  const listed = folio('integration', 'list');
  assert.match(listed, new RegExp(`${key.id}\tintegration\tZapier`));
  assert.ok(!listed.includes(key.admin_key.split(':')[1]), 'no secret in the list');
});

test('site: what Zapier checks before it connects', async () => {
  const site = await admin().site.read();
  assert.equal(site.title, 'My folio');
  const [major, minor] = site.version.split('.').map(Number);
  assert.ok(major > 2 || (major === 2 && minor >= 19), site.version);
});

test('posts and pages: browse with a filter and pagination, read by id and by slug', async () => {
  const api = admin();
  const page1 = await api.posts.browse({ limit: 2, filter: 'status:published', include: 'tags,authors' });
  assert.equal(page1.length, 2);
  assert.equal(page1.meta.pagination.limit, 2);
  assert.ok(page1.meta.pagination.total > 2, JSON.stringify(page1.meta));
  assert.equal(page1.meta.pagination.next, 2);
  for (const post of page1) {
    assert.match(post.id, /^[0-9a-f]{24}$/);
    assert.equal(post.status, 'published');
    assert.ok(Array.isArray(post.tags) && Array.isArray(post.authors));
    assert.ok(post.html.length > 0);
    assert.ok(!Number.isNaN(Date.parse(post.updated_at)), post.updated_at);
  }
  const page2 = await api.posts.browse({ limit: 2, page: 2, filter: 'status:published' });
  assert.notEqual(page2[0].id, page1[0].id);
  const one = await api.posts.read({ id: page1[0].id });
  assert.equal(one.title, page1[0].title);
  const bySlug = await api.posts.read({ slug: page1[0].slug });
  assert.equal(bySlug.id, page1[0].id);
  const pages = await api.pages.browse();
  assert.ok(pages.some((p) => p.slug === 'about'), pages.map((p) => p.slug).join());
  const slim = await api.posts.browse({ limit: 2, fields: 'title,slug' });
  assert.deepEqual(Object.keys(slim[0]).sort(), ['id', 'slug', 'title']);
  // Ghost's filter forms: any of a list, not, and, or; and an order.
  const two = await api.posts.browse({ filter: `slug:[${page1[0].slug},${page1[1].slug}]`, limit: 'all' });
  assert.deepEqual(two.map((p) => p.slug).sort(), [page1[0].slug, page1[1].slug].sort());
  const notFirst = await api.posts.browse({ filter: `slug:-${page1[0].slug}+status:published`, limit: 'all' });
  assert.equal(notFirst.length, page1.meta.pagination.total - 1);
  const either = await api.posts.browse({ filter: `id:${page1[0].id},id:${page1[1].id}`, limit: 'all' });
  assert.equal(either.length, 2);
  const byTitle = await api.posts.browse({ order: 'title asc', limit: 'all', filter: 'status:published' });
  const titles = byTitle.map((p) => p.title.toLowerCase());
  assert.deepEqual(titles, [...titles].sort());
  await assert.rejects(api.posts.browse({ filter: "published_at:>'2020-01-01'" }), { name: 'ValidationError' });
  await assert.rejects(api.posts.read({ id: 'ffffffffffffffffffffffff' }), { name: 'NotFoundError' });
  await assert.rejects(api.posts.read({ slug: 'about' }), { name: 'NotFoundError' }, 'a page is no post');
});

test('the legacy paths n8n calls answer too, marked deprecated', async () => {
  const posts = await admin('v2').posts.browse({ limit: 1 });
  assert.equal(posts.length, 1);
  const answer = await fetch(`${server.base}/ghost/api/v2/admin/site/`);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('deprecation'), 'version="v2"');
});

test('a wrong, forged or revoked key is refused as Ghost refuses it', async () => {
  const [id] = key.admin_key.split(':');
  const forged = `${id}:${'0'.repeat(64)}`;
  await assert.rejects(admin('v6.0', forged).posts.browse(), { name: 'UnauthorizedError' });
  await assert.rejects(admin('v6.0', `${'a'.repeat(24)}:${'0'.repeat(64)}`).posts.browse(), { name: 'UnauthorizedError', message: 'Unknown Admin API Key' });
  const noAuth = await fetch(`${server.base}/ghost/api/admin/posts/`);
  assert.equal(noAuth.status, 401);
  assert.equal((await noAuth.json()).errors[0].type, 'UnauthorizedError');
  const other = JSON.parse(folio('integration', 'add', 'Revoked soon', '--json'));
  assert.equal((await admin('v6.0', other.admin_key).posts.browse({ limit: 1 })).length, 1);
  folio('integration', 'revoke', other.id);
  await assert.rejects(admin('v6.0', other.admin_key).posts.browse(), { name: 'UnauthorizedError' });
});

test('add from HTML, edit with updated_at (a stale one is an UpdateCollisionError), delete: each a file in content/', async () => {
  const api = admin();
  const added = await api.posts.add(
    { title: 'From a writing app', html: '<h2>Hello</h2><p>Written <strong>elsewhere</strong>.</p>', tags: [{ name: 'Apps' }] },
    { source: 'html' },
  );
  assert.match(added.id, /^[0-9a-f]{24}$/);
  assert.equal(added.status, 'draft');
  assert.match(added.html, /<h2[^>]*>Hello\b/);
  assert.match(added.html, /<strong>elsewhere<\/strong>/);
  assert.deepEqual(added.tags.map((t) => t.name), ['Apps']);
  const file = path.join(siteDir, 'content/posts/from-a-writing-app.md');
  assert.match(fs.readFileSync(file, 'utf8'), /## Hello\n\nWritten \*\*elsewhere\*\*\./);

  // A read-modify-write round trip: what a GET returned goes back as it is.
  const read = await api.posts.read({ id: added.id });
  const edited = await api.posts.edit({ ...read, title: 'Renamed in the app', tags: ['Apps', 'Ghost'] });
  assert.equal(edited.title, 'Renamed in the app');
  assert.deepEqual(edited.tags.map((t) => t.name), ['Apps', 'Ghost']);
  assert.match(fs.readFileSync(file, 'utf8'), /title: Renamed in the app/);
  await assert.rejects(
    api.posts.edit({ id: added.id, updated_at: '2020-01-01T00:00:00.000Z', title: 'Stale' }),
    { name: 'UpdateCollisionError' },
  );
  assert.equal((await api.posts.read({ id: added.id })).title, 'Renamed in the app', 'nothing overwritten');

  // Published through the API (an integration acts for the owner, who may).
  const live = await api.posts.edit({ id: added.id, updated_at: edited.updated_at, status: 'published' });
  assert.equal(live.status, 'published');
  assert.ok(live.published_at, 'dated when published');

  await api.posts.delete({ id: added.id });
  await assert.rejects(api.posts.read({ id: added.id }), { name: 'NotFoundError' });
});

test('the Content API: published posts and pages, tags, authors and settings; no draft', async () => {
  const content = new GhostContentAPI({ url: server.base, key: key.content_key, version: 'v6.0' });
  const api = admin();
  const draft = await api.posts.add({ title: 'A secret draft', html: '<p>Not yet.</p>', tags: ['Unreleased'] }, { source: 'html' });

  const posts = await content.posts.browse({ limit: 3, include: 'tags,authors' });
  assert.equal(posts.length, 3);
  assert.ok(posts.meta.pagination.total >= 3);
  assert.ok(posts.every((p) => p.status === 'published'), 'published only');
  const all = await content.posts.browse({ limit: 'all', filter: 'status:draft' });
  assert.ok(!all.some((p) => p.title === 'A secret draft'), 'a status filter shows no draft');
  await assert.rejects(content.posts.read({ id: draft.id }), { name: 'NotFoundError' });
  await assert.rejects(content.posts.read({ slug: draft.slug }), { name: 'NotFoundError' });
  const one = await content.posts.read({ slug: posts[0].slug });
  assert.equal(one.id, posts[0].id);
  const tagged = posts.find((p) => p.tags.length > 0);
  const byTag = await content.posts.browse({ filter: `tag:${tagged.tags[0].slug}` });
  assert.ok(byTag.some((p) => p.id === tagged.id));

  const pages = await content.pages.browse();
  assert.ok(pages.some((p) => p.slug === 'about'));
  const tags = await content.tags.browse({ include: 'count.posts' });
  assert.ok(tags.length > 0 && tags.every((t) => t.count.posts > 0));
  assert.ok(!tags.some((t) => t.name === 'Unreleased'), "a draft's tag is not public");
  const authors = await content.authors.browse();
  assert.ok(authors.length > 0 && authors.every((a) => a.slug && a.name));
  assert.equal((await content.tags.read({ slug: tags[0].slug })).id, tags[0].id);
  assert.equal((await content.tags.read({ id: tags[0].id })).slug, tags[0].slug);
  assert.equal((await content.authors.read({ slug: authors[0].slug })).id, authors[0].id);
  await assert.rejects(content.tags.read({ slug: 'unreleased' }), (e) => e.response?.status === 404 || /not found/i.test(e.message));
  const settings = await content.settings.browse();
  assert.equal(settings.title, 'My folio');

  const wrong = new GhostContentAPI({ url: server.base, key: '0'.repeat(26), version: 'v6.0' });
  await assert.rejects(wrong.posts.browse(), (e) => /Unknown Content API Key/.test(e.message) || e.response?.status === 401);
  const admins = await fetch(`${server.base}/ghost/api/content/posts/?key=${key.content_key}`, { headers: { origin: 'https://front.example' } });
  assert.equal(admins.headers.get('access-control-allow-origin'), '*');
  await api.posts.delete({ id: draft.id });
});

test('tags, users, an image upload and config, as the SDK calls them', async () => {
  const api = admin();
  const tag = await api.tags.add({ name: 'From n8n', description: 'Made by an automation' });
  assert.match(tag.id, /^[0-9a-f]{24}$/);
  assert.equal(tag.slug, 'from-n8n');
  const renamed = await api.tags.edit({ id: tag.id, name: 'From n8n', slug: 'automated' });
  assert.equal(renamed.slug, 'automated');
  assert.equal((await api.tags.read({ id: tag.id })).description, 'Made by an automation');
  const tags = await api.tags.browse({ limit: 'all' });
  assert.ok(tags.some((t) => t.slug === 'automated' && t.count.posts === 0));
  await api.tags.delete({ id: tag.id });
  await assert.rejects(api.tags.read({ id: tag.id }), { name: 'NotFoundError' });

  const users = await api.users.browse();
  const owner = users.find((u) => u.roles[0].name === 'Owner');
  assert.ok(owner, JSON.stringify(users));
  assert.equal((await api.users.read({ id: owner.id })).slug, owner.slug);

  // A 1x1 PNG, as a writing app uploads a post's image.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const file = path.join(siteDir, 'dot.png');
  fs.writeFileSync(file, png);
  const image = await api.images.upload({ file, ref: 'dot-ref' });
  assert.match(image.url, /\/images\/\d{4}\/\d{2}\/dot\.png$/);
  assert.equal(image.ref, 'dot-ref');
  assert.ok(fs.existsSync(path.join(siteDir, 'content', image.url.replace(/^.*\/images\//, 'images/'))));
  fs.writeFileSync(file, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  await assert.rejects(api.images.upload({ file }), { name: 'ValidationError' });

  const config = await api.config.read();
  assert.equal(config.version, '6.0');
});

test('as the clients send them: Obsidian\'s lexical round trip, Zapier\'s tag slugs, n8n\'s v2 paths', async () => {
  // Obsidian's "Ghost Publish": reads with formats=lexical, writes lexical back with updated_at.
  const api = admin();
  const markdown = '## A note\n\nWritten in *Obsidian*, with `code`.\n\n- one\n- two\n';
  const lexical = JSON.stringify({ root: { children: [{ type: 'markdown', version: 1, markdown }], direction: null, format: '', indent: 0, type: 'root', version: 1 } });
  const made = await api.posts.add({ title: 'From Obsidian', lexical, status: 'draft' });
  const file = path.join(siteDir, 'content/posts/from-obsidian.md');
  assert.ok(fs.readFileSync(file, 'utf8').endsWith(`---\n\n${markdown}`), 'the Markdown card is the body, byte for byte');
  const read = await api.posts.read({ id: made.id }, { formats: 'lexical,mobiledoc' });
  assert.equal(JSON.parse(read.lexical).root.children[0].markdown, markdown);
  assert.equal(JSON.parse(read.mobiledoc).cards[0][1].markdown, markdown);
  const changed = JSON.parse(read.lexical);
  changed.root.children[0].markdown = markdown.replace('- two', '- two\n- three');
  const edited = await api.posts.edit({ id: made.id, updated_at: read.updated_at, lexical: JSON.stringify(changed) });
  assert.match(edited.html, /<li>three<\/li>/);
  // A Lexical node folio cannot express is refused by name; nothing is written.
  const odd = JSON.stringify({ root: { children: [{ type: 'product', version: 1 }] } });
  await assert.rejects(api.posts.edit({ id: made.id, updated_at: edited.updated_at, lexical: odd }), (e) => e.name === 'ValidationError' && /"product"/.test(e.message));
  assert.match(fs.readFileSync(file, 'utf8'), /- three/);

  // Zapier's "Create post": tags by slug find the tag of that slug.
  const zap = await api.posts.add({ title: 'From Zapier', html: '<p>Zap.</p>', tags: [{ slug: 'guides' }] }, { source: 'html' });
  assert.deepEqual(zap.tags.map((t) => t.slug), ['guides']);

  // n8n's Ghost node: the v2 paths, the v2 audience.
  const n8n = admin('v2');
  const viaV2 = await n8n.posts.read({ id: zap.id });
  assert.equal(viaV2.title, 'From Zapier');
  await n8n.posts.delete({ id: zap.id });
  await api.posts.delete({ id: made.id });
});

/// A receiver of webhooks on loopback: every call kept; the first `failures` answered 500.
function receiver(failures = 0) {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls.push({ headers: req.headers, body });
      res.writeHead(calls.length <= failures ? 500 : 200);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ calls, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => server.close() })));
}

async function until(what, check) {
  const end = Date.now() + 20000;
  while (Date.now() < end) {
    if (await check()) return;
    // sleep: webhooks are called after the publish, on their own task.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('webhooks: called on Ghost\'s events with Ghost\'s payload and signature, retried, deleted', async () => {
  const api = admin();
  const published = await receiver();
  const changed = await receiver(1);
  const hook = await api.webhooks.add({ event: 'post.published', target_url: published.url, secret: 'shared secret', name: 'Slack' });
  assert.match(hook.id, /^[0-9a-f]{24}$/);
  await api.webhooks.add({ event: 'site.changed', target_url: changed.url });
  await assert.rejects(api.webhooks.add({ event: 'member.added', target_url: published.url }), { name: 'ValidationError' });

  const post = await api.posts.add({ title: 'Hooked', html: '<p>Announced.</p>' }, { source: 'html' });
  await api.posts.edit({ id: post.id, updated_at: post.updated_at, status: 'published' });
  await until('post.published', () => published.calls.length >= 1);
  const call = published.calls[0];
  const payload = JSON.parse(call.body);
  assert.equal(payload.post.current.title, 'Hooked');
  assert.equal(payload.post.current.status, 'published');
  const [, hex, t] = call.headers['x-ghost-signature'].match(/^sha256=([0-9a-f]{64}), t=(\d+)$/);
  assert.equal(hex, createHmac('sha256', 'shared secret').update(`${call.body}${t}`).digest('hex'), "Ghost's signature");
  // site.changed failed once (500) and was tried again.
  await until('site.changed, retried', () => changed.calls.length >= 2);
  assert.equal(changed.calls[1].body, '{}');
  assert.equal(changed.calls[1].headers['x-ghost-signature'], undefined, 'no secret, no signature');

  await api.webhooks.delete({ id: hook.id });
  const before = published.calls.length;
  const again = await api.posts.add({ title: 'Not announced', html: '<p>x</p>', status: 'published' }, { source: 'html' });
  await until('the site.changed of the second post', () => changed.calls.length >= 3);
  assert.equal(published.calls.length, before, 'a deleted webhook is not called');
  await api.posts.delete({ id: again.id });
  await api.posts.delete({ id: post.id });
  published.close();
  changed.close();
});
