// The admin as someone coming from Ghost's meets it, in Debian's Chromium at 1440 px
// and at 390 px (a phone): where they are, the publish step, the editor, lists,
// tokens, invitations, roles, the login limit, the base URL, and every screen in
// light and dark with axe-core finding nothing. One journey is keyboard only.
// Screenshots of each screen go to target/ui-screenshots/admin/.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import GhostAdminAPI from '@tryghost/admin-api';
import { launch, serve, totp, freePort, setupOwner, logIn, PASSWORD } from './browser.mjs';

// The admin's list of screens, read from its source (a browser module: imported as one).
const { SCREENS } = await import(`data:text/javascript,${encodeURIComponent(
  fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../ui/screens.js'), 'utf8'))}`);

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/admin');
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SECRET_KEY = { FOLIO_SECRET_KEY: 'a secret key for the UI tests, long enough' };

let browser;
let server;
let log;
let base;
let owner;
let desk;
let ownerSecret;
let writerSecret;
let consoleLog = [];

async function snap(page, name) {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

function watch(page) {
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
  return page;
}

/// A fresh site in a temporary folder, served with the admin on; resolves to
/// { child, base, log, setupToken }.
async function startSite(options = {}) {
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-admin-ui-'));
  fs.cpSync(path.join(repo, 'content'), path.join(siteDir, 'content'), { recursive: true });
  const started = await serve(binary, siteDir, {
    args: ['--insecure-cookies'],
    ready: (text) => /setup token \S+/.test(text),
    ...options,
    // The webhook of the integrations' journey points at loopback.
    env: { ...SECRET_KEY, FOLIO_WEBHOOKS_PRIVATE_TARGETS: 'true', ...(options.env || {}) },
  });
  let text = started.log;
  started.child.stderr.on('data', (chunk) => { text += chunk; });
  return { ...started, setupToken: started.log.match(/setup token (\S+)/)[1], log: () => text };
}

/// The gap between two boxes (negative when they overlap).
function gap(a, b) {
  return Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width), b.y - (a.y + a.height), a.y - (b.y + b.height));
}

async function phone(options = {}) {
  const context = await browser.newContext({ viewport: PHONE, storageState: await owner.storageState(), ...options });
  context.setDefaultTimeout(10000);
  return { context, page: watch(await context.newPage()) };
}

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  server = await startSite();
  base = server.base;
  log = server.log;
  ownerSecret = await setupOwner(base, server.setupToken);
  browser = await launch();
  owner = await browser.newContext({ viewport: DESKTOP });
  owner.setDefaultTimeout(10000);
  desk = watch(await owner.newPage());
});

afterEach(async (t) => {
  const name = t.name.replace(/\W+/g, '-').slice(0, 80);
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `${name}.console.log`), consoleLog.join('\n'));
  await desk.screenshot({ path: path.join(shots, `${name}-last.png`), fullPage: true }).catch(() => {});
  consoleLog = [];
});

after(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
});

test('logged out: no menu, and "Log in" clear of the recovery-code link at 1440 and 390 px', async () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const context = await browser.newContext({ viewport });
    const page = watch(await context.newPage());
    await page.goto(`${base}/admin/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(await page.locator('#bar').isVisible(), false);
    await snap(page, `${name}-login`);
    await page.getByLabel('Username').fill('owner');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Two-factor code' }).waitFor();
    assert.equal(await page.locator('#bar').isVisible(), false);
    const button = await page.getByRole('button', { name: 'Log in' }).boundingBox();
    const link = await page.getByRole('button', { name: 'Use a recovery code instead' }).boundingBox();
    assert.ok(gap(button, link) >= 8, `${name}: the button and the link are ${gap(button, link)} px apart`);
    await snap(page, `${name}-two-factor`);
    await context.close();
  }
});

test('where am I: the current section is marked, each has an icon, empty screens say what to do', async () => {
  await logIn(desk, base, 'owner', ownerSecret);
  const current = () => desk.locator('#bar nav a[aria-current="page"]').textContent();
  assert.equal(await current(), 'Posts');
  assert.equal(await desk.locator('#bar nav a').count(), await desk.locator('#bar nav a svg.icon').count());
  await desk.goto(`${base}/admin/#/tags`);
  await desk.getByRole('heading', { name: 'Tags' }).waitFor();
  assert.equal(await current(), 'Tags');
  await desk.goto(`${base}/admin/#/pages`);
  await desk.getByRole('heading', { name: 'Pages', exact: true }).waitFor();
  await desk.getByRole('link', { name: 'About' }).click();
  await desk.locator('.editor').waitFor();
  assert.equal(await current(), 'Pages', 'a page in the editor is under Pages');
  await desk.goto(`${base}/admin/#/tokens`);
  await desk.getByRole('heading', { name: 'No API tokens yet' }).waitFor();
  assert.equal(await current(), 'API tokens');
  await snap(desk, 'desktop-tokens-empty');
  await desk.goto(`${base}/admin/#/users`);
  await desk.getByRole('heading', { name: 'No invitations pending' }).waitFor();
  await snap(desk, 'desktop-users-empty');
  await desk.goto(`${base}/admin/#/trash`);
  await desk.getByRole('heading', { name: 'The trash is empty' }).waitFor();
});

test('lists: newest first with a choice of order, search as you type, short dates', async () => {
  await desk.goto(`${base}/admin/#/posts`);
  await desk.locator('#results table').waitFor();
  const api = await desk.evaluate(async () => (await (await fetch('/admin/api/posts?type=post&limit=100')).json()).posts);
  const byDate = [...api].sort((a, b) => (b.published_at || b.modified_at).localeCompare(a.published_at || a.modified_at)).map((p) => p.title);
  const titles = () => desk.locator('#results tbody tr td:first-child').allTextContents();
  assert.equal(await desk.getByLabel('Order').inputValue(), 'newest');
  assert.deepEqual(await titles(), byDate);
  await desk.getByLabel('Order').selectOption('oldest');
  await desk.waitForFunction((first) => document.querySelector('#results tbody td')?.textContent === first, byDate.at(-1));
  assert.deepEqual(await titles(), [...byDate].reverse());
  // Dates to the day, in the browser's locale; the time only on hover.
  const dates = await desk.locator('#results tbody td:nth-child(4)').allTextContents();
  for (const d of dates) assert.doesNotMatch(d, /\d:\d\d/, `no time in "${d}"`);
  const expected = await desk.evaluate((iso) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }),
    api.find((p) => p.title === byDate.at(-1)).published_at);
  assert.equal(dates[0], expected);
  // Typed, not submitted: the list follows each word and the focus stays.
  const search = desk.getByLabel('Search');
  await search.click();
  await desk.keyboard.type('Cloudflare', { delay: 30 });
  const matching = await desk.evaluate(async () => (await (await fetch('/admin/api/posts?type=post&sort=oldest&q=Cloudflare')).json()).posts.map((p) => p.title));
  assert.ok(matching.length >= 1 && matching.length < byDate.length, `${matching.length} of ${byDate.length} posts match`);
  await desk.waitForFunction((n) => document.querySelectorAll('#results tbody tr').length === n, matching.length);
  assert.deepEqual(await titles(), matching);
  assert.equal(await desk.evaluate(() => document.activeElement.name), 'q');
  await desk.keyboard.type(' zqxj');
  await desk.getByRole('heading', { name: 'No post matches' }).waitFor();
  await snap(desk, 'desktop-posts-no-match');
  await desk.getByRole('button', { name: 'Clear the search' }).click();
  await desk.locator('#results table').waitFor();
  await desk.getByLabel('Order').selectOption('newest');
});

test('a screen whose data comes late never draws over the one asked for after it', async () => {
  // The post list answers slowly; Users is asked for while it loads.
  await desk.route('**/admin/api/posts?**', async (request) => {
    // sleep: holds the list's answer back, as a slow network would.
    await new Promise((r) => setTimeout(r, 800));
    await request.continue();
  });
  await desk.goto(`${base}/admin/#/users`);
  await desk.getByRole('heading', { name: 'People', exact: true }).waitFor();
  await desk.evaluate(() => { location.hash = '#/posts'; });
  await desk.evaluate(() => { location.hash = '#/users'; });
  await desk.getByRole('heading', { name: 'People', exact: true }).waitFor();
  // sleep: past the slow answer, which must not replace the screen.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await desk.getByRole('heading', { name: 'People', exact: true }).count(), 1, 'People is still shown');
  assert.equal(await desk.evaluate(() => location.hash), '#/users');
  await desk.unroute('**/admin/api/posts?**');
});

test('the editor: growing title, slug as you type, toolbar and preview out of the Tab order, SEO preview, publish step by shortcut', async () => {
  await desk.goto(`${base}/admin/#/edit/new/post`);
  const title = desk.getByLabel('Title', { exact: true });
  await title.waitFor();
  // A new post has nothing to unpublish, no history and nothing to delete.
  assert.equal(await desk.getByRole('button', { name: 'Save draft' }).isVisible(), true);
  for (const name of ['Unpublish', 'Unschedule', 'Revisions', 'Move to the trash']) {
    assert.equal(await desk.getByRole('button', { name }).isVisible(), false, `no ${name} on a new post`);
  }
  const long = 'Ünïcode café notes: what a small cluster taught us about running a blog, its images, its feeds and its redirects for years';
  await title.fill(long);
  const box = await title.evaluate((t) => ({ client: t.clientHeight, scroll: t.scrollHeight, line: parseFloat(getComputedStyle(t).lineHeight) }));
  assert.ok(box.client >= box.scroll - 1, `the whole title shows (${box.client} of ${box.scroll} px)`);
  assert.ok(box.client > 2 * box.line, 'a long title wraps onto more lines');
  assert.equal(await desk.getByLabel('URL slug').inputValue(),
    'unicode-cafe-notes-what-a-small-cluster-taught-us-about-running-a-blog-its-images-its-feeds-and-its-redirects-for-years');
  await title.fill('Kept by the keyboard');
  assert.equal(await desk.getByLabel('URL slug').inputValue(), 'kept-by-the-keyboard');
  await desk.getByLabel('URL slug').fill('my-own-slug');
  await title.fill('Kept by the keyboard, renamed');
  assert.equal(await desk.getByLabel('URL slug').inputValue(), 'my-own-slug', 'a slug chosen by hand stays');

  // Tab: title, the toolbar (one stop), the text, then the post's settings: the
  // preview and all its links are skipped.
  await title.focus();
  await desk.keyboard.press('Tab');
  assert.equal(await desk.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Add a card');
  await desk.keyboard.press('ArrowRight');
  assert.equal(await desk.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Bold');
  await desk.keyboard.press('End');
  assert.equal(await desk.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Image');
  await desk.keyboard.press('Tab');
  assert.equal(await desk.evaluate(() => document.activeElement.id), 'markdown');
  await desk.keyboard.press('Tab');
  assert.equal(await desk.evaluate(() => document.activeElement.name), 'slug', 'one Tab from the text to the settings');
  await desk.keyboard.press('Shift+Tab');
  await desk.keyboard.press('Shift+Tab');
  assert.equal(await desk.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Image', 'the toolbar remembers its button');

  // The preview follows the part being typed instead of jumping to the top.
  const paragraphs = Array.from({ length: 120 }, (_, i) => `Paragraph ${i} of a long post, with enough words to fill a line or two.`).join('\n\n');
  const text = desk.getByLabel('Markdown');
  await text.fill(paragraphs);
  await text.focus();
  await desk.keyboard.press('Control+End');
  await desk.keyboard.type(' The last words.');
  const preview = desk.frameLocator('iframe.preview');
  await preview.getByText('The last words.').waitFor();
  await desk.waitForFunction(() => document.querySelector('iframe.preview').contentWindow.scrollY > 1000);
  const focusable = await desk.evaluate(() => [...document.querySelector('iframe.preview').contentDocument
    .querySelectorAll('a[href], button, input, summary, [tabindex]')].filter((e) => e.tabIndex >= 0).length);
  assert.equal(focusable, 0, 'nothing in the preview takes the focus');

  // The featured image: a drop zone with a thumbnail, by the picker or by a drop.
  await desk.setInputFiles('#featured-upload', path.join(repo, 'content/images/banner.png'));
  await desk.waitForFunction(() => { const t = document.getElementById('featured-thumbnail'); return !t.hidden && t.complete && t.naturalWidth > 0; });
  const first = await desk.locator('#featured-thumbnail').getAttribute('src');
  await desk.evaluate(async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 40 });
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#2f5d50';
    ctx.fillRect(0, 0, 64, 40);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
    document.getElementById('featured-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await desk.waitForFunction((before) => { const t = document.getElementById('featured-thumbnail'); return t.src.includes('dropped') && t.getAttribute('src') !== before && t.complete && t.naturalWidth === 64; }, first);
  await desk.getByLabel('Featured image alt text').fill('A green rectangle');

  // How search results and social cards show it, with counts against their lengths.
  await desk.getByText('SEO and social').click();
  await desk.getByLabel('Excerpt').fill('Short excerpt for the search result.');
  const metaTitle = 'A meta title that runs well past what a search result shows in full';
  await desk.getByLabel('Meta title').fill(metaTitle);
  const count = desk.locator('#meta-title-count');
  assert.equal(await count.textContent(), `${metaTitle.length} / 60 characters`);
  assert.match(await count.getAttribute('class'), /\bover\b/);
  assert.match(await desk.locator('#seo-search .serp-title').textContent(), /…$/);
  assert.match(await desk.locator('#seo-search .url').textContent(), /\/my-own-slug\/$/);
  assert.equal(await desk.locator('#seo-search .serp-text').textContent(), 'Short excerpt for the search result.');
  assert.match(await desk.locator('#meta-description-count').textContent(), /^36 \/ 145 characters \(the excerpt\)$/);
  await desk.waitForFunction(() => { const i = document.querySelector('#seo-social img'); return !i.hidden && i.complete && i.naturalWidth === 64; });
  await snap(desk, 'desktop-editor-seo');
  assert.equal(await desk.getByLabel('Publish date').getAttribute('step'), '60');

  // Ctrl+Enter: the publish step; Escape leaves it, Enter publishes.
  await text.focus();
  await desk.keyboard.press('Control+Enter');
  const dialog = desk.getByRole('dialog', { name: 'Ready to publish this post?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /“Kept by the keyboard, renamed” goes live at/);
  await desk.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await desk.keyboard.press('Control+Enter');
  await dialog.waitFor();
  assert.equal(await desk.evaluate(() => document.activeElement.id), 'publish-confirm');
  await desk.keyboard.press('Enter');
  await desk.locator('#toast').getByRole('link', { name: 'View post' }).waitFor();
  assert.equal((await fetch(`${base}/my-own-slug/`)).status, 200);
  // Live: Update, Unpublish, history, trash; the date to the minute.
  await desk.getByRole('button', { name: 'Update', exact: true }).waitFor();
  for (const name of ['Unpublish', 'Revisions', 'Move to the trash']) {
    assert.equal(await desk.getByRole('button', { name }).isVisible(), true, `${name} on a live post`);
  }
  assert.match(await desk.getByLabel('Publish date').inputValue(), /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  await snap(desk, 'desktop-editor-live');
});

test('on a phone: the editor\'s actions fit, Delete is away from Publish, the publish step fits', async () => {
  const { context, page } = await phone();
  await page.goto(`${base}/admin/#/posts`);
  await page.getByRole('link', { name: 'Kept by the keyboard, renamed' }).click();
  await page.locator('.editor').waitFor();
  const publish = await page.getByRole('button', { name: 'Update', exact: true }).boundingBox();
  const trash = await page.getByRole('button', { name: 'Move to the trash' }).boundingBox();
  assert.ok(gap(publish, trash) > 300, `Delete is ${gap(publish, trash)} px from Update`);
  for (const name of ['Save', 'Unpublish', 'Revisions', 'Update']) {
    const b = await page.getByRole('button', { name, exact: true }).boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= PHONE.width, `${name} fits the width`);
  }
  await snap(page, 'phone-editor');
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Update the live post?' });
  await dialog.waitFor();
  const d = await dialog.boundingBox();
  assert.ok(d.x >= 0 && d.x + d.width <= PHONE.width, 'the publish step fits the phone');
  await snap(page, 'phone-publish-step');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.goto(`${base}/admin/#/posts`);
  await page.locator('#results table').waitFor();
  await snap(page, 'phone-posts');
  await context.close();
});

test('tokens: the new one is listed at once, an earlier error is cleared, the token clear of its Copy button', async () => {
  await desk.goto(`${base}/admin/#/tokens`);
  const name = desk.getByLabel('Name');
  assert.equal(await name.getAttribute('placeholder'), null, 'no placeholder that looks like a value');
  await desk.getByRole('button', { name: 'Create token' }).click();
  const error = desk.locator('[data-field="name"] .error');
  await error.waitFor();
  assert.match(await error.textContent(), /a token needs a name/);
  await name.fill('GitHub Actions');
  await desk.getByRole('button', { name: 'Create token' }).click();
  await desk.locator('#new-token').waitFor();
  assert.equal(await desk.locator('.error:not([hidden])').count(), 0, 'the earlier error is gone');
  await desk.locator('tr[data-token="GitHub Actions"]').waitFor();
  const token = await desk.locator('#new-token').boundingBox();
  const copy = await desk.getByRole('button', { name: 'Copy', exact: true }).boundingBox();
  assert.ok(gap(token, copy) >= 4, `the token and Copy are ${gap(token, copy)} px apart`);
  await snap(desk, 'desktop-token-created');
  const { context, page } = await phone();
  await page.goto(`${base}/admin/#/tokens`);
  await page.locator('tr[data-token="GitHub Actions"]').waitFor();
  await snap(page, 'phone-tokens');
  await context.close();
});

test('integrations: the keys shown once work with Ghost\'s SDK until revoked; a staff access token from Account', async () => {
  await desk.goto(`${base}/admin/#/integrations`);
  await desk.getByRole('heading', { name: 'No integrations yet' }).waitFor();
  await desk.getByLabel('Name').fill('Zapier');
  await desk.getByRole('button', { name: 'Create integration' }).click();
  const adminKey = (await desk.locator('#admin-key').textContent()).trim();
  assert.match(adminKey, /^[0-9a-f]{24}:[0-9a-f]{64}$/);
  assert.match((await desk.locator('#content-key').textContent()).trim(), /^[0-9a-f]{26}$/);
  assert.equal((await desk.locator('#key-url').textContent()).trim(), base);
  await desk.locator('tr[data-key="Zapier"]').waitFor();
  await snap(desk, 'desktop-integration-created');
  const api = new GhostAdminAPI({ url: base, key: adminKey, version: 'v6.0' });
  assert.ok((await api.posts.browse({ limit: 1 })).length === 1, 'the key works');
  await desk.getByRole('button', { name: 'Done' }).click();
  await desk.locator('#admin-key').waitFor({ state: 'detached' });
  await desk.locator('tr[data-key="Zapier"]').waitFor();
  assert.equal(await desk.locator('#admin-key').count(), 0, 'shown once');
  // Its webhooks are listed with their last call.
  await api.webhooks.add({ event: 'site.changed', target_url: 'http://127.0.0.1:9/hook' });
  await desk.goto(`${base}/admin/#/posts`);
  await desk.goto(`${base}/admin/#/integrations`);
  await desk.locator('tr[data-webhook="site.changed"]').waitFor();
  assert.match(await desk.locator('tr[data-webhook="site.changed"]').textContent(), /http:\/\/127\.0\.0\.1:9\/hook.*Zapier.*not called yet/);
  // New keys: shown once, the old one stops, the webhook stays.
  desk.once('dialog', (d) => d.accept());
  await desk.locator('tr[data-key="Zapier"]').getByRole('button', { name: 'New keys' }).click();
  const rotated = (await desk.locator('#admin-key').textContent()).trim();
  assert.notEqual(rotated, adminKey);
  await assert.rejects(api.posts.browse({ limit: 1 }), { name: 'UnauthorizedError' });
  const renewed = new GhostAdminAPI({ url: base, key: rotated, version: 'v6.0' });
  assert.equal((await renewed.posts.browse({ limit: 1 })).length, 1);
  await desk.locator('tr[data-webhook="site.changed"]').waitFor();
  await desk.getByRole('button', { name: 'Done' }).click();
  await desk.locator('#admin-key').waitFor({ state: 'detached' });
  desk.once('dialog', (d) => d.accept());
  await desk.locator('tr[data-key="Zapier"]').getByRole('button', { name: 'Revoke' }).click();
  await desk.getByRole('heading', { name: 'No integrations yet' }).waitFor();
  await assert.rejects(renewed.posts.browse({ limit: 1 }), { name: 'UnauthorizedError' });

  await desk.goto(`${base}/admin/#/account`);
  desk.once('dialog', (d) => d.accept());
  await desk.getByRole('button', { name: 'Make a staff access token' }).click();
  const staff = (await desk.locator('#admin-key').textContent()).trim();
  const mine = new GhostAdminAPI({ url: base, key: staff, version: 'v6.0' });
  assert.ok((await mine.posts.browse({ limit: 1 })).length === 1, 'the staff token acts as its person');
  await snap(desk, 'desktop-staff-token');
});

test('users: an invitation link lets the new contributor set a password and TOTP; Settings are hidden and refused alike', async () => {
  await desk.goto(`${base}/admin/#/users`);
  await desk.getByLabel('Username').fill('writer');
  await desk.getByLabel('Role', { exact: true }).selectOption('contributor');
  await desk.getByRole('button', { name: 'Make an invitation link' }).click();
  const link = (await desk.locator('#invite-url').textContent()).trim();
  assert.ok(link.startsWith(`${base}/admin/#/invite/`), link);
  await desk.locator('tr[data-invite="writer"]').waitFor();
  await snap(desk, 'desktop-users-invited');

  // The invited person, on their phone, logged out.
  const context = await browser.newContext({ viewport: PHONE });
  context.setDefaultTimeout(10000);
  const page = watch(await context.newPage());
  await page.goto(link);
  await page.getByRole('heading', { name: 'Welcome, writer' }).waitFor();
  assert.equal(await page.locator('#bar').isVisible(), false);
  await snap(page, 'phone-invite');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Set my password' }).click();
  await page.locator('[data-field="password"] .error:not([hidden])').waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set my password' }).click();
  await page.locator('#totp-secret').waitFor();
  writerSecret = (await page.locator('#totp-secret').textContent()).replace(/\s+/g, '');
  await page.getByLabel('Code shown by the app').fill(totp(writerSecret));
  await page.getByRole('button', { name: 'Turn on two-factor login' }).click();
  await page.locator('#recovery-codes').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
  assert.equal(await page.evaluate(() => location.hash), '#/posts', 'the token leaves the address bar');
  // A contributor sees no Settings, and opening them by URL is refused before any form.
  assert.equal(await page.locator('#bar a[href="#/settings"]').isVisible(), false);
  await page.goto(`${base}/admin/#/settings`);
  await page.getByRole('heading', { name: 'Only an administrator or the owner can open this screen' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save and publish' }).count(), 0);
  await snap(page, 'phone-settings-refused');
  await page.goto(`${base}/admin/#/tokens`);
  await page.getByRole('heading', { name: 'Only an editor, an administrator or the owner can open this screen' }).waitFor();
  // The link worked once.
  const again = await browser.newContext({ viewport: PHONE });
  const reuse = await again.newPage();
  await reuse.goto(link);
  await reuse.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
  await again.close();
  await context.close();

  await desk.goto(`${base}/admin/#/posts`);
  await desk.goto(`${base}/admin/#/users`);
  await desk.locator('select[data-role-of="writer"]').waitFor();
  assert.equal(await desk.locator('select[data-role-of="writer"]').inputValue(), 'contributor');
  await desk.getByRole('heading', { name: 'No invitations pending' }).waitFor();
  // The only owner's row: no role to change, nothing to delete.
  assert.equal(await desk.locator('[data-role-of="owner"]').evaluate((el) => el.tagName), 'SPAN');
  const ownerRow = desk.locator('tr', { has: desk.locator('[data-role-of="owner"]') });
  assert.equal(await ownerRow.getByRole('button').count(), 0, 'no Delete, no Reset on the only owner');
  // Promoted to editor for the keyboard journey: editors publish.
  await desk.locator('select[data-role-of="writer"]').selectOption('editor');
  await desk.getByText('writer is now an editor.').waitFor();
});

test('keyboard only: log in, write a post and publish it', async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(10000);
  const page = watch(await context.newPage());
  const press = (key) => page.keyboard.press(key);
  await page.goto(`${base}/admin/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.keyboard.type('writer');
  await press('Tab');
  await page.keyboard.type(PASSWORD);
  await press('Enter');
  await page.getByRole('heading', { name: 'Two-factor code' }).waitFor();
  await page.keyboard.type(totp(writerSecret, 1));
  await press('Enter');
  await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
  // Tab to "New post" (a bounded walk: each stop must be reachable).
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await press('Tab');
    reached = await page.evaluate(() => document.activeElement.textContent === 'New post');
  }
  assert.ok(reached, 'New post is reachable with Tab');
  await press('Enter');
  await page.locator('.editor').waitFor();
  await page.keyboard.type('Typed without a mouse');
  await press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'markdown', 'Enter in the title goes to the text');
  await page.keyboard.type('Every step of this post was a key press.');
  await press('Control+Enter');
  await page.getByRole('dialog', { name: 'Ready to publish this post?' }).waitFor();
  await snap(page, 'desktop-keyboard-publish-step');
  await press('Enter');
  await page.locator('#toast').getByRole('link', { name: 'View post' }).waitFor();
  const published = await (await fetch(`${base}/typed-without-a-mouse/`)).text();
  assert.match(published, /Every step of this post was a key press\./);
  await context.close();
});

test('base URL: warned at start and in the admin when the site is served elsewhere, silent when right', async () => {
  assert.match(log(), /base_url is http:\/\/127\.0\.0\.1:8080 but the site is served on http:\/\/127\.0\.0\.1:\d+/);
  await desk.goto(`${base}/admin/#/posts`);
  const warning = desk.locator('#site-warning');
  await warning.waitFor();
  assert.ok((await warning.textContent()).includes(`open at ${base}, but base_url is http://127.0.0.1:8080`));
  // A server whose base_url is where it is served says nothing.
  const port = await freePort();
  const right = await startSite({ listen: `127.0.0.1:${port}`, env: { FOLIO_BASE_URL: `http://127.0.0.1:${port}` } });
  try {
    const secret = await setupOwner(right.base, right.setupToken);
    assert.doesNotMatch(right.log(), /base_url is/);
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = watch(await context.newPage());
    await logIn(page, right.base, 'owner', secret);
    assert.equal(await page.locator('#site-warning').isVisible(), false);
    await context.close();
  } finally {
    right.child.kill('SIGTERM');
  }
});

test('every screen at 1440 and 390 px, light and dark: screenshots, and axe-core finds nothing', async () => {
  const ids = await desk.evaluate(async () => {
    const posts = (await (await fetch('/admin/api/posts?limit=5')).json()).posts;
    const tags = (await (await fetch('/admin/api/tags')).json()).tags;
    const authors = (await (await fetch('/admin/api/authors')).json()).authors;
    return { post: posts[0].id, tag: tags[0].id, author: authors[0].id };
  });
  // Every screen the admin has, from its own list: a new screen is checked here too.
  const idOf = { editor: ids.post, tag: ids.tag, author: ids.author };
  const screens = SCREENS.map((s) => [s.name, s.path.replace(':id', idOf[s.name]).replace(':kind', 'post')]);
  assert.ok(screens.every(([, hash]) => !hash.includes('undefined')), 'an id for every screen that takes one');
  const violations = [];
  for (const [width, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    for (const scheme of ['light', 'dark']) {
      // axe is injected as a script, which the admin's Content-Security-Policy forbids.
      const context = await browser.newContext({ viewport, colorScheme: scheme, bypassCSP: true, storageState: await owner.storageState() });
      context.setDefaultTimeout(10000);
      const page = watch(await context.newPage());
      for (const [name, hash] of screens) {
        await page.goto(`${base}/admin/${hash}`);
        await page.locator('main h1, main .editor').first().waitFor();
        await page.evaluate(() => document.fonts.ready);
        await snap(page, `${width}-${scheme}-${name}`);
        await page.addScriptTag({ path: axeSource });
        const found = await page.evaluate(async () => (await window.axe.run(document, { exclude: [['iframe.preview']] })).violations
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
        for (const v of found) violations.push(`${width} ${scheme} ${name}: ${v}`);
      }
      await context.close();
    }
  }
  assert.deepEqual(violations, []);
});

test('login limit: the screen says how long to wait, and counts down', async () => {
  const context = await browser.newContext({ viewport: PHONE });
  context.setDefaultTimeout(10000);
  const page = watch(await context.newPage());
  await page.goto(`${base}/admin/`);
  const message = page.locator('.form-error');
  let limited = false;
  for (let i = 0; i < 8 && !limited; i++) {
    await page.getByLabel('Username').fill('nobody');
    await page.getByLabel('Password').fill(`wrong password ${i}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForFunction(() => { const e = document.querySelector('.error:not([hidden])'); return e && e.textContent; });
    limited = /Try again in/.test(await page.locator('.error:not([hidden])').first().textContent());
  }
  assert.ok(limited, 'the limit is reached');
  const first = await message.textContent();
  assert.match(first, /Too many attempts from this address\. Try again in 1[45]:\d\d\./);
  assert.equal(await page.getByRole('button', { name: 'Continue' }).isDisabled(), true);
  await page.waitForFunction((before) => document.querySelector('.form-error').textContent !== before, first);
  await snap(page, 'phone-login-limit');
  await context.close();
});
