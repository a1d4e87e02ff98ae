// Writing in the admin as a Ghost blogger expects, in Debian's Chromium against the
// real `folio serve`: nothing reaches the site or leaves it but through the publish
// step, and each step is on the site when it is done; a contributor is offered only
// what they may do; the preview is the site's page, fonts and all; the editor keeps
// the focus and the views where the writer looks.
// Screenshots go to target/ui-screenshots/writing/.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve, totp, setupOwner, logIn, PASSWORD, editorText, editorTextWhen } from './browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/writing');
const DESKTOP = { width: 1440, height: 900 };

let browser;
let server;
let base;
let owner;
let desk;
let consoleLog = [];

function watch(page) {
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
  return page;
}

/// The status of a page of the public site, as a reader's request gets it now.
async function onSite(url) {
  return (await fetch(`${base}${url}`, { redirect: 'manual' })).status;
}

/// A new post with `title` and `text`, saved as a draft; resolves to its slug.
async function draft(page, title, text) {
  await page.goto(`${base}/admin/#/edit/new/post`);
  // The new editor, not the screen before it still on show while this one loads.
  await page.getByRole('heading', { name: 'New post' }).waitFor();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Markdown').fill(text);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.locator('#save-state', { hasText: /^Saved/ }).waitFor();
  return page.getByLabel('URL slug').inputValue();
}

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-writing-ui-'));
  fs.cpSync(path.join(repo, 'content'), path.join(siteDir, 'content'), { recursive: true });
  server = await serve(binary, siteDir, {
    args: ['--insecure-cookies'],
    ready: (text) => /setup token \S+/.test(text),
    env: { FOLIO_SECRET_KEY: 'a secret key for the UI tests, long enough' },
  });
  base = server.base;
  const secret = await setupOwner(base, server.log.match(/setup token (\S+)/)[1]);
  browser = await launch();
  owner = await browser.newContext({ viewport: DESKTOP });
  owner.setDefaultTimeout(10000);
  desk = watch(await owner.newPage());
  await logIn(desk, base, 'owner', secret);
});

afterEach(async (t) => {
  const name = t.name.replace(/\W+/g, '-').slice(0, 80);
  fs.writeFileSync(path.join(shots, `${name}.console.log`), consoleLog.join('\n'));
  await desk.screenshot({ path: path.join(shots, `${name}-last.png`), fullPage: true }).catch(() => {});
  consoleLog = [];
});

after(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
});

test('status changes only by Publish and Unpublish, each on the site at once; Unpublish asks first', async () => {
  const slug = await draft(desk, 'Straight to readers', 'Words for readers.');
  assert.equal(await desk.locator('select[name="status"]').count(), 0, 'no Status select to bypass the publish step');
  assert.match(await desk.locator('#post-status').textContent(), /Draft/);
  await desk.getByRole('button', { name: 'Publish' }).click();
  await desk.locator('#publish-confirm').click();
  await desk.locator('#save-state', { hasText: /^Published/ }).waitFor();
  assert.equal(await onSite(`/${slug}/`), 200, 'live when the editor says so');
  assert.match(await desk.locator('#post-status').textContent(), /Published/);

  // Unpublish asks; Cancel leaves it live.
  await desk.getByRole('button', { name: 'Unpublish' }).click();
  const ask = desk.getByRole('dialog', { name: 'Unpublish this post?' });
  await ask.waitFor();
  await desk.screenshot({ path: path.join(shots, 'unpublish-asks.png') });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await onSite(`/${slug}/`), 200, 'still live after Cancel');
  await desk.getByRole('button', { name: 'Unpublish' }).click();
  await ask.getByRole('button', { name: 'Unpublish' }).click();
  await desk.locator('#save-state', { hasText: /^Unpublished/ }).waitFor();
  assert.equal(await onSite(`/${slug}/`), 404, 'off the site when the editor says so');
  assert.match(await desk.locator('#post-status').textContent(), /Draft/);
});

test('a new draft whose slug is taken gets the next free one, and says so', async () => {
  const slug = await draft(desk, 'Caching behind Cloudflare', 'My own take.');
  assert.equal(slug, 'caching-behind-cloudflare-2');
  assert.equal(await desk.locator('.form-error:not([hidden])').count(), 0, 'no error');
});

test('a contributor is offered no Publish; errors name the field, in view, and clear once fixed', async () => {
  // The owner invites a contributor (drafts only).
  await desk.goto(`${base}/admin/#/users`);
  await desk.getByLabel('Username').fill('drafter');
  await desk.getByLabel('Role', { exact: true }).selectOption('contributor');
  await desk.getByRole('button', { name: 'Make an invitation link' }).click();
  const link = (await desk.locator('#invite-url').textContent()).trim();
  const context = await browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(10000);
  const page = watch(await context.newPage());
  await page.goto(link);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set my password' }).click();
  const secret = (await page.locator('#totp-secret').textContent()).replace(/\s+/g, '');
  await page.getByLabel('Code shown by the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-factor login' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();

  await draft(page, 'A contributor writes', 'Only a draft.');
  for (const name of ['Publish', 'Update', 'Unpublish']) {
    assert.equal(await page.getByRole('button', { name, exact: true }).isVisible(), false, `no ${name} for a contributor`);
  }
  assert.match(await page.locator('#post-status').textContent(), /an editor publishes/i);
  assert.equal(await page.getByLabel('Authors', { exact: true }).evaluate((el) => el.readOnly), true, 'a contributor bylines their own posts');
  // A refused save: the reason is in view and at the field; fixed, both go.
  await page.getByLabel('URL slug').fill('Not A Slug!');
  await page.getByRole('button', { name: 'Save draft' }).click();
  const banner = page.locator('.editor > .form-error');
  await banner.waitFor();
  assert.match(await banner.textContent(), /slug/);
  assert.ok(await banner.evaluate((el) => el.getBoundingClientRect().bottom <= innerHeight), 'the reason is in view');
  await page.getByLabel('URL slug').fill('a-contributor-writes');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.locator('#save-state', { hasText: /^Saved/ }).waitFor();
  assert.equal(await page.locator('.editor .error:not([hidden])').count(), 0, 'every error cleared once fixed');
  await context.close();
});

test('the preview is the site\'s page: its fonts load, as on the site', async () => {
  await draft(desk, 'Typeset like the site', 'A paragraph in the body font, *and italic*.');
  const frame = desk.frameLocator('iframe.preview');
  await frame.locator('.content').waitFor();
  // The theme's own faces, loaded as the page asks for them: none when its
  // @font-face rules are refused (the admin's CSP once did), however long one waits.
  const fonts = await desk.locator('iframe.preview').evaluate(async (el) => {
    const doc = el.contentDocument;
    const family = getComputedStyle(doc.querySelector('.content p')).fontFamily;
    const faces = await doc.fonts.load('16px "Source Serif 4"', 'A paragraph');
    return { family, loaded: faces.filter((f) => f.status === 'loaded').map((f) => f.family) };
  });
  assert.match(fonts.family, /Source Serif 4/, 'the body is set in the theme\'s font');
  assert.ok(fonts.loaded.some((f) => f.includes('Source Serif 4')), `the theme's font is loaded in the preview: ${JSON.stringify(fonts)}`);
});

test('revisions open in view; after inserting an image the typing goes on in the text', async () => {
  await draft(desk, 'Pictures and history', 'First line.');
  await desk.getByLabel('Markdown').fill('First line, changed.');
  await desk.getByRole('button', { name: 'Save draft' }).click();
  await desk.locator('#save-state', { hasText: /revision 2/ }).waitFor();
  await desk.getByRole('button', { name: 'Revisions' }).click();
  const box = desk.locator('#revisions');
  await box.waitFor();
  await desk.waitForFunction(() => {
    const r = document.getElementById('revisions').getBoundingClientRect();
    return r.top >= 0 && r.top < innerHeight;
  });
  assert.ok(await box.evaluate((el) => el.contains(document.activeElement)), 'the focus moves to the revisions');

  const text = desk.getByLabel('Markdown');
  await text.focus();
  await text.press('End');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const chooser = desk.waitForEvent('filechooser');
  await desk.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Image' }).click();
  await (await chooser).setFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
  await editorTextWhen(desk, (value) => value.includes('!['));
  await desk.keyboard.type('typed on');
  const value = await editorText(desk);
  assert.match(value, /\)\n\ntyped on$/, `the words typed after the image are in the text: ${value}`);
});

test('lists: by tag and by author, a scheduled post says when, a search finds titles first; the brand is the site\'s title', async () => {
  await desk.goto(`${base}/admin/#/posts`);
  await desk.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
  const brand = (await desk.locator('#bar .brand').textContent()).trim();
  const home = await (await fetch(`${base}/`)).text();
  assert.notEqual(brand, 'folio', 'the brand is the site\'s title');
  assert.ok(home.includes(brand), `the brand "${brand}" is the title the site shows`);

  // Scheduled an hour ahead: the list says for when.
  await draft(desk, 'Due later today', 'Soon.');
  await desk.getByRole('button', { name: 'Publish' }).click();
  const dialog = desk.getByRole('dialog', { name: 'Ready to publish this post?' });
  await dialog.getByLabel('Later, on').check();
  const soon = new Date(Date.now() + 3_600_000);
  const pad = (n) => String(n).padStart(2, '0');
  await dialog.getByLabel('Publish on').fill(`${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}T${pad(soon.getHours())}:${pad(soon.getMinutes())}`);
  await dialog.getByRole('button', { name: 'Schedule' }).click();
  await desk.locator('#save-state', { hasText: /^Scheduled/ }).waitFor();
  await desk.goto(`${base}/admin/#/posts`);
  const row = desk.locator('tr', { hasText: 'Due later today' });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`Scheduled for .*${soon.getMinutes() < 10 ? '0' : ''}${soon.getMinutes()}`));

  // By tag: only the posts with it.
  await desk.getByLabel('Tag', { exact: true }).selectOption({ label: 'Kubernetes' });
  await desk.waitForFunction(() => document.querySelectorAll('#results tbody tr').length > 0
    && [...document.querySelectorAll('#results tbody tr')].every((tr) => tr.children[2].textContent.includes('Kubernetes')));
  await desk.getByLabel('Tag', { exact: true }).selectOption('');
  // By author: the owner's own posts only.
  await desk.getByLabel('Author', { exact: true }).selectOption({ label: 'owner' });
  await desk.waitForFunction(() => {
    const titles = [...document.querySelectorAll('#results tbody tr a')].map((a) => a.textContent);
    return titles.includes('Due later today') && !titles.includes('Getting started with folio');
  });
  await desk.getByLabel('Author', { exact: true }).selectOption('');
  // A search: the title that has the word before the newer posts whose text has it.
  await desk.getByLabel('Search').fill('cloudflare');
  await desk.waitForFunction(() => document.querySelector('#results tbody tr a')?.textContent === 'Caching behind Cloudflare');
  await desk.getByLabel('Search').fill('');
});

test('post settings: co-authors credited from a list of the site\'s authors, on the live page', async () => {
  const slug = await draft(desk, 'Written by two', 'Two hands.');
  const authors = desk.getByLabel('Authors', { exact: true });
  const offered = await desk.locator('#author-names option').evaluateAll((o) => o.map((x) => x.value));
  assert.ok(offered.includes('Editor'), `the site's authors are offered: ${offered}`);
  await authors.fill('owner, Editor');
  await desk.getByRole('button', { name: 'Save draft' }).click();
  await desk.locator('#save-state', { hasText: /revision 2/ }).waitFor();
  await desk.reload();
  assert.equal(await desk.getByLabel('Authors', { exact: true }).inputValue(), 'owner, Editor');
  await desk.getByRole('button', { name: 'Publish' }).click();
  await desk.locator('#publish-confirm').click();
  await desk.locator('#save-state', { hasText: /^Published/ }).waitFor();
  const page = await (await fetch(`${base}/${slug}/`)).text();
  assert.match(page, /\/author\/editor\//, 'the co-author is credited on the page');
});

test('uploads everywhere: a tag\'s image, an avatar and a post\'s social image are dropped, not typed', async () => {
  const png = path.join(repo, 'content/images/banner.png');
  // A tag's image.
  await desk.goto(`${base}/admin/#/tags`);
  await desk.getByRole('link', { name: 'Kubernetes' }).first().click();
  await desk.locator('#tag-image-upload').setInputFiles(png);
  await desk.waitForFunction(() => document.querySelector('input[name="feature_image"]').value.startsWith('/images/'));
  await Promise.all([
    desk.waitForResponse((r) => r.url().includes('/admin/api/tags/') && r.request().method() === 'PATCH'),
    desk.getByRole('button', { name: 'Save and publish' }).click(),
  ]);
  // The owner's avatar.
  await desk.goto(`${base}/admin/#/authors`);
  await desk.getByRole('link', { name: 'owner' }).click();
  await desk.locator('#avatar-upload').setInputFiles(png);
  await desk.waitForFunction(() => document.querySelector('input[name="profile_image"]').value.startsWith('/images/'));
  // Shown once the upload's thumbnail has loaded (an image has no size before).
  await desk.locator('#avatar-thumbnail').waitFor({ state: 'visible' });
  await Promise.all([
    desk.waitForResponse((r) => r.url().includes('/admin/api/authors/') && r.request().method() === 'PATCH'),
    desk.getByRole('button', { name: 'Save and publish' }).click(),
  ]);
  // People: the profile, its avatar and the account behind it, in one row; the
  // sample's author, who has no account, in the same list.
  await desk.goto(`${base}/admin/#/people`);
  await desk.getByRole('heading', { name: 'People', exact: true }).waitFor();
  const me = desk.locator('tr[data-person="owner"]');
  assert.match(await me.locator('img.avatar').getAttribute('src'), /^\/admin\/api\/media\/images\//, 'the avatar shows in the list');
  assert.equal(await me.locator('[data-role-of="owner"]').textContent(), 'owner');
  assert.equal(await me.getByRole('button').count(), 0, 'the only owner: no role change, no Delete');
  const fromFiles = desk.locator('tr[data-author="editor"]');
  assert.match(await fromFiles.textContent(), /no account \(writes from content\/\)/);
  assert.equal(await fromFiles.locator('.avatar.initials').textContent(), 'E');
  await desk.screenshot({ path: path.join(shots, 'people.png'), fullPage: true });
  // A post's social image.
  await draft(desk, 'Shared widely', 'Text.');
  await desk.locator('#seo summary').click();
  await desk.locator('#social-upload').setInputFiles(png);
  await desk.waitForFunction(() => document.querySelector('input[name="og_image"]').value.startsWith('/images/'));
});

test('on a phone, every section of the menu is in view: none past the edge of a row that scrolls', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await owner.storageState() });
  const page = watch(await context.newPage());
  await page.goto(`${base}/admin/#/posts`);
  await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
  const links = await page.locator('#bar nav a').evaluateAll((all) => all.map((a) => {
    const box = a.getBoundingClientRect();
    return { text: a.textContent.trim(), left: box.left, right: box.right, width: box.width };
  }));
  assert.ok(links.length >= 9, `the owner's sections: ${links.map((l) => l.text)}`);
  for (const link of links) {
    assert.ok(link.left >= 0 && link.right <= 390 && link.width > 0, `${link.text} is in view: ${JSON.stringify(link)}`);
  }
  await page.screenshot({ path: path.join(shots, 'phone-menu.png') });
  await context.close();
});

test('Preview: the page at a desktop\'s and a phone\'s width, and the shared card, in tabs', async () => {
  await draft(desk, 'Seen before it is out', 'A paragraph readers will see.');
  await desk.getByRole('button', { name: 'Preview', exact: true }).click();
  const view = desk.getByRole('dialog', { name: 'Preview' });
  await view.waitFor();
  assert.equal(await view.getByRole('tab', { name: 'Desktop' }).getAttribute('aria-selected'), 'true');
  const desktop = view.frameLocator('#preview-panel-desktop iframe');
  await desktop.getByText('A paragraph readers will see.').waitFor();
  await view.getByRole('tab', { name: 'Desktop' }).press('ArrowRight');
  assert.equal(await view.getByRole('tab', { name: 'Mobile' }).getAttribute('aria-selected'), 'true');
  const phone = view.locator('#preview-panel-mobile iframe');
  assert.equal(Math.round((await phone.boundingBox()).width), 390);
  await view.frameLocator('#preview-panel-mobile iframe').getByText('A paragraph readers will see.').waitFor();
  await view.getByRole('tab', { name: 'Social card' }).click();
  await view.locator('#preview-panel-social').getByText('Seen before it is out').first().waitFor();
  await desk.screenshot({ path: path.join(shots, 'preview-social.png') });
  await view.getByRole('button', { name: 'Close' }).click();
  assert.equal(await view.isVisible(), false);
});
