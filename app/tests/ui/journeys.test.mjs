// The admin UI end to end: the real `folio serve` (the binary `cargo test` built)
// on a loopback port with a fresh SQLite file, driven in Debian's Chromium through
// playwright-core. Each journey saves screenshots under target/ui-screenshots/journeys/; on
// a failure, the page's screenshot and the browser console log are kept there too.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve, totp, editorTextWhen, replaceText } from './browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/journeys');
const PASSWORD = 'a long enough password';

let server;
let base;
let setupToken;
let browser;
let context;
let page;
let consoleLog = [];
let shot = 0;
let secret;
let recoveryCodes;
let siteDir;

async function snap(name) {
  shot += 1;
  await page.screenshot({ path: path.join(shots, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function startServer() {
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-ui-'));
  fs.cpSync(path.join(repo, 'content'), path.join(siteDir, 'content'), { recursive: true });
  const started = await serve(binary, siteDir, {
    args: ['--insecure-cookies'],
    env: { FOLIO_SECRET_KEY: 'a secret key for the UI tests, long enough' },
    ready: (log) => /setup token \S+/.test(log),
  });
  base = started.base;
  setupToken = started.log.match(/setup token (\S+)/)[1];
  return started.child;
}

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  context.setDefaultTimeout(10000);
  page = await context.newPage();
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && consoleLog.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`));
});

afterEach(async (t) => {
  // node:test gives no result here; keep the evidence of every journey.
  const name = t.name.replace(/\W+/g, '-');
  fs.writeFileSync(path.join(shots, `${name}.console.log`), consoleLog.join('\n'));
  await page.screenshot({ path: path.join(shots, `${name}-last.png`), fullPage: true }).catch(() => {});
  consoleLog = [];
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('first run: setup token, owner, TOTP enrollment, recovery codes, dashboard', async () => {
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Setup token').fill(setupToken);
  // Nobody is signed in: no menu of screens they cannot reach.
  assert.equal(await page.locator('#bar').isVisible(), false, 'no menu on the setup screen');
  await page.getByLabel('Username').fill('owner');
  await page.getByLabel('Password').fill(PASSWORD);
  // Ghost asks the site's title and the owner's name: the first post is not
  // bylined with a login name.
  await page.getByLabel('Your name').fill('Ada Owner');
  await page.getByLabel('Site title').fill('Field notes of Ada');
  await snap('setup');
  await page.getByRole('button', { name: 'Create the owner' }).click();
  await page.locator('#totp-secret').waitFor();
  await snap('enroll');
  // The key in groups of four, copied whole.
  const shown = await page.locator('#totp-secret').textContent();
  assert.match(shown, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  secret = shown.replace(/\s+/g, '');
  assert.ok(await page.getByRole('button', { name: 'Copy the key' }).isVisible());
  assert.match(await (await fetch(`${base}/`)).text(), /Field notes of Ada/, 'the site has its title');
  await page.getByLabel('Code shown by the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-factor login' }).click();
  await page.locator('#recovery-codes').waitFor();
  await snap('recovery-codes');
  recoveryCodes = (await page.locator('#recovery-codes').textContent()).trim().split('\n');
  assert.equal(recoveryCodes.length, 10);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Posts' }).waitFor();
  await snap('posts');
  assert.ok(await page.getByRole('link', { name: 'Getting started with folio' }).isVisible());
});

async function logOutAndIn() {
  // The login form is drawn once: drawn twice, the second replaced the first while
  // someone typed into it (the username was lost).
  let drawn = 0;
  const count = (r) => { if (r.url().endsWith('/admin/api/setup')) drawn += 1; };
  page.on('request', count);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await page.locator('#bar').isVisible(), false, 'no menu on the login screen');
  await page.getByLabel('Username').fill('owner');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Two-factor code' }).waitFor();
  page.off('request', count);
  assert.equal(drawn, 1, 'logging out draws the login form once');
}

test('login: a wrong code is refused, the right one lands on the posts, a recovery code works once', async () => {
  await logOutAndIn();
  const right = totp(secret, 1);
  await page.getByLabel('Code from the authenticator app').fill(right === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('wrong code').waitFor();
  await snap('wrong-code');
  await page.getByLabel('Code from the authenticator app').fill(right);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Posts' }).waitFor();

  await logOutAndIn();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Posts' }).waitFor();
  await logOutAndIn();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('wrong or already used recovery code').waitFor();
  await snap('recovery-code-reused');
  await page.getByLabel('Recovery code').fill(recoveryCodes[1]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Posts' }).waitFor();
});

test('write a post with a heading, a list, code and an uploaded image; preview; publish', async () => {
  await page.goto(`${base}/admin/#/edit/new/post`);
  await page.getByLabel('Title', { exact: true }).fill('Written in the browser');
  const body = '## A heading\n\n- first\n- second\n\n```rust\nfn main() {}\n```\n\n';
  await page.getByLabel('Markdown').fill(body);
  await page.getByLabel('Markdown').press('End');
  await page.setInputFiles('input[type=file][accept="image/*"][hidden]', path.join(repo, 'content/images/banner.png'));
  await editorTextWhen(page, (text) => text.includes('](/images/'));
  const preview = page.frameLocator('iframe.preview');
  await preview.locator('h2', { hasText: 'A heading' }).waitFor();
  await preview.locator('li', { hasText: 'second' }).waitFor();
  await preview.locator('pre code').first().waitFor();
  // The uploaded image shows in the preview before any publish.
  const image = preview.locator('img[alt="banner"]');
  await image.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('iframe.preview').contentDocument.querySelector('img[alt="banner"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  await snap('editor-preview');
  // The publish step says what goes live, and where, before anything does.
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Ready to publish this post?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /“Written in the browser” goes live at/);
  assert.match(await dialog.locator('.live-url').textContent(), /\/written-in-the-browser\/$/);
  await snap('publish-step');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await page.locator('#live-link:not([hidden])').waitFor();
  // The toast links the live post.
  const view = page.locator('#toast').getByRole('link', { name: 'View post' });
  await view.waitFor();
  assert.match(await view.getAttribute('href'), /\/written-in-the-browser\/$/);
  await snap('published');
  const post = await (await fetch(`${base}/written-in-the-browser/`)).text();
  assert.match(post, /A heading/);
  assert.match(post, /<img[^>]+\/images\/\d{4}\/\d{2}\/banner/);
  assert.match(await (await fetch(`${base}/`)).text(), /Written in the browser/);
  assert.match(await (await fetch(`${base}/rss.xml`)).text(), /Written in the browser/);
});

test('two tabs edit one post: the second save shows the conflict and keeps both texts', async () => {
  await page.goto(`${base}/admin/#/posts`);
  await page.getByRole('link', { name: 'Written in the browser' }).click();
  const url = page.url();
  const other = await context.newPage();
  await other.goto(url);
  await replaceText(other, 'Text from the second tab.');
  await other.keyboard.press('Control+s');
  await other.getByText(/Saved · revision/).waitFor();
  await replaceText(page, 'Text from the first tab.');
  await page.keyboard.press('Control+s');
  await page.locator('#conflict:not([hidden])').waitFor();
  await snap('conflict');
  assert.equal(await page.locator('#conflict-theirs').inputValue(), 'Text from the second tab.');
  assert.equal(await page.locator('#conflict-mine').inputValue(), 'Text from the first tab.');
  await page.getByRole('button', { name: 'Keep mine (as a new revision)' }).click();
  await page.getByText(/Saved · revision \d+ · unpublished changes/).waitFor();
  await other.close();
  // Saved changes to a live post stay off the site, even through a publish.
  await page.evaluate(async () => {
    const me = await (await fetch('/admin/api/me')).json();
    const published = await fetch('/admin/api/publish', { method: 'POST', headers: { 'x-csrf-token': me.csrf_token } });
    if (!published.ok) throw new Error(`publish: ${published.status}`);
  });
  assert.doesNotMatch(await (await fetch(`${base}/written-in-the-browser/`)).text(), /first tab/);
  await page.locator('#pending-note:not([hidden])').waitFor();
  await snap('unpublished-changes');
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  await page.getByRole('dialog', { name: 'Update the live post?' }).getByRole('button', { name: 'Update' }).click();
  await page.getByText(/Updated · revision/).waitFor();
  assert.match(await (await fetch(`${base}/written-in-the-browser/`)).text(), /Text from the first tab/);
  // The published versions are in the history, each with what differs.
  await page.getByRole('button', { name: 'Revisions' }).click();
  await page.locator('#revisions li').first().waitFor();
  assert.ok((await page.locator('#revisions li').count()) >= 2);
  await page.locator('#revisions li[data-revision="1"] details summary').click();
  await snap('revisions');
});

test('unpublished changes made before a change from Git: Update shows both first, nothing is lost', async () => {
  await page.goto(`${base}/admin/#/posts`);
  await page.getByRole('link', { name: 'Written in the browser' }).click();
  await replaceText(page, 'Text from the first tab.\n\nChanges from the browser.');
  await page.keyboard.press('Control+s');
  await page.getByText(/Saved · revision \d+ · unpublished changes/).waitFor();
  // Meanwhile the file changes (a push from CI, an edit on the server) and is published.
  const file = path.join(siteDir, 'content/posts/written-in-the-browser.md');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Text from the first tab.', 'Text from the first tab.\n\nA line from Git.'));
  await page.evaluate(async () => {
    const me = await (await fetch('/admin/api/me')).json();
    const published = await fetch('/admin/api/publish', { method: 'POST', headers: { 'x-csrf-token': me.csrf_token } });
    if (!published.ok) throw new Error(`publish: ${published.status}`);
  });
  assert.match(await (await fetch(`${base}/written-in-the-browser/`)).text(), /A line from Git/);
  await page.reload();
  await page.getByText(/were made on revision \d+, and the live post has changed since/).waitFor();
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  await page.getByRole('dialog', { name: 'Update the live post?' }).getByRole('button', { name: 'Update' }).click();
  await page.getByRole('heading', { name: 'The live post changed since these unpublished changes' }).waitFor();
  await snap('unpublished-changes-on-an-older-revision');
  assert.match(await page.locator('#conflict-theirs').inputValue(), /A line from Git/);
  const site = await (await fetch(`${base}/written-in-the-browser/`)).text();
  assert.match(site, /A line from Git/);
  assert.doesNotMatch(site, /Changes from the browser/, 'nothing was published');
  await page.locator('#conflict-mine').fill('Text from the first tab.\n\nA line from Git.\n\nChanges from the browser.');
  await page.getByRole('button', { name: 'Keep mine (still unpublished)' }).click();
  await page.getByText(/Saved · revision \d+ · unpublished changes/).waitFor();
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  await page.getByRole('dialog', { name: 'Update the live post?' }).getByRole('button', { name: 'Update' }).click();
  await page.getByText(/Updated · revision/).waitFor();
  const merged = await (await fetch(`${base}/written-in-the-browser/`)).text();
  assert.match(merged, /A line from Git/);
  assert.match(merged, /Changes from the browser/);
});

test('schedule, unpublish, restore a revision, trash and restore', async () => {
  // Unpublish, once confirmed: the page leaves the public site.
  await page.getByRole('button', { name: 'Unpublish' }).click();
  await page.getByRole('dialog', { name: 'Unpublish this post?' }).getByRole('button', { name: 'Unpublish' }).click();
  await page.getByText(/Unpublished · revision/).waitFor();
  assert.equal((await fetch(`${base}/written-in-the-browser/`)).status, 404);
  // Restore an earlier revision (the first one's text comes back).
  await page.getByRole('button', { name: 'Revisions' }).click();
  const first = page.locator('#revisions li[data-revision="1"]');
  page.once('dialog', (d) => d.accept());
  await first.getByRole('button', { name: 'Restore' }).click();
  await editorTextWhen(page, (text) => text.includes('A heading'));
  await snap('revision-restored');
  // Schedule it an hour ahead (the input has minutes only: a minute ahead could be
  // one second ahead at :59): not public yet.
  const soon = new Date(Date.now() + 3_600_000);
  const pad = (n) => String(n).padStart(2, '0');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Ready to publish this post?' });
  await dialog.getByLabel('Later, on').check();
  await dialog.getByLabel('Publish on').fill(`${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}T${pad(soon.getHours())}:${pad(soon.getMinutes())}`);
  await dialog.getByRole('button', { name: 'Schedule' }).click();
  await page.getByText(/Scheduled · revision/).waitFor();
  // A scheduled post can go back to a draft; there is nothing to unpublish on a draft.
  await page.getByRole('button', { name: 'Unschedule' }).waitFor();
  assert.equal((await fetch(`${base}/written-in-the-browser/`)).status, 404);
  // Trash and back.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Move to the trash' }).click();
  await page.getByRole('heading', { name: 'Trash' }).waitFor();
  await snap('trash');
  await page.locator('tr', { hasText: 'Written in the browser' }).getByRole('button', { name: 'Restore' }).click();
  await page.getByRole('heading', { name: 'The trash is empty' }).waitFor();
});

test('an API token is shown once and can be revoked', async () => {
  await page.goto(`${base}/admin/#/tokens`);
  await page.getByRole('heading', { name: 'New API token' }).waitFor();
  // Least privilege by default: reading only, until more is ticked.
  const ticked = await page.locator('input[name=scope]:checked').evaluateAll((c) => c.map((i) => i.value));
  assert.deepEqual(ticked, ['content:read']);
  await page.getByLabel('Name').fill('ci');
  await page.getByLabel('content:write').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.locator('#new-token').waitFor();
  // Listed at once, beside the one-time notice.
  await page.locator('tr[data-token="ci"]').waitFor();
  await snap('token-created');
  const token = (await page.locator('#new-token').textContent()).trim();
  assert.match(token, /^folio_/);
  const me = await fetch(`${base}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#new-token').waitFor({ state: 'detached' });
  assert.equal(await page.getByText(token).count(), 0, 'the token is not shown again');
  page.once('dialog', (d) => d.accept());
  await page.locator('tr[data-token="ci"]').getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr[data-token="ci"]', { hasText: 'revoked' }).waitFor();
  await snap('token-revoked');
  const refused = await fetch(`${base}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401);
});

test('settings and navigation: a change is published at once, untouched fields stay folio.toml\'s', async () => {
  await page.goto(`${base}/admin/#/settings`);
  await page.getByLabel('Title', { exact: true }).fill('Renamed in the browser');
  const saved = () => page.waitForResponse((r) => r.url().endsWith('/admin/api/settings') && r.request().method() === 'PATCH');
  let answer = saved();
  await page.getByRole('button', { name: 'Save general' }).click();
  assert.equal((await answer).status(), 200);
  // Two links in the menu, the second moved first.
  await page.getByRole('button', { name: 'Add a link' }).click();
  await page.getByLabel('Link label').last().fill('Archive');
  await page.getByLabel('Link URL').last().fill('/archive/');
  await page.getByRole('button', { name: 'Add a link' }).click();
  await page.getByLabel('Link label').last().fill('Colophon');
  await page.getByLabel('Link URL').last().fill('/colophon/');
  await page.locator('#navigation li').last().getByTitle('Move up').click();
  await snap('settings');
  answer = saved();
  await page.getByRole('button', { name: 'Save navigation' }).click();
  assert.equal((await answer).status(), 200);
  const home = await (await fetch(`${base}/`)).text();
  assert.match(home, /Renamed in the browser/);
  assert.match(home, /href="\/colophon\/">Colophon<\/a><\/li><li><a href="\/archive\/">Archive/);
  const overridden = await page.evaluate(async () => (await (await fetch('/admin/api/settings')).json()).overridden);
  assert.deepEqual(overridden.sort(), ['navigation', 'title']);
  // The screen names what it holds over folio.toml, and the file that keeps it.
  await page.reload();
  const notice = await page.locator('#overridden').textContent();
  assert.match(notice, /Title, Navigation|Navigation, Title/);
  assert.match(notice, /content\/site\.yaml/);
  assert.match(fs.readFileSync(path.join(siteDir, 'content/site.yaml'), 'utf8'), /title: Renamed in the browser/);
});

test('design settings: a logo dropped, the accent colour checked for contrast, a wrong time zone named, code injection told what the CSP does', async () => {
  await page.goto(`${base}/admin/#/settings`);
  const colour = page.getByLabel('Accent colour', { exact: true });
  await colour.fill('#f0c000');
  await page.locator('#accent-contrast', { hasText: 'hard to read' }).waitFor();
  await colour.fill('#24584a');
  await page.locator('#accent-contrast', { hasText: 'Readable' }).waitFor();
  await page.locator('#design-logo-upload').setInputFiles(path.join(repo, 'content/images/banner.png'));
  await page.waitForFunction(() => document.querySelector('input[name="design.logo"]').value.startsWith('/images/'));
  const saved = () => page.waitForResponse((r) => r.url().endsWith('/admin/api/settings') && r.request().method() === 'PATCH');
  let answer = saved();
  await page.getByRole('button', { name: 'Save design' }).click();
  assert.equal((await answer).status(), 200);
  const design = await page.evaluate(async () => (await (await fetch('/admin/api/settings')).json()).settings.design);
  assert.equal(design.accent_color, '#24584a');
  assert.match(design.logo, /^\/images\/.+\.png$/);

  await page.getByLabel('Time zone').fill('Mars/Olympus');
  answer = saved();
  await page.getByRole('button', { name: 'Save general' }).click();
  assert.equal((await answer).status(), 400);
  assert.match(await page.locator('[data-field="design.timezone"] .error').textContent(), /not an IANA time zone/);
  await page.getByLabel('Time zone').fill('Europe/Lisbon');
  await page.getByLabel('X (Twitter)').fill('@tidewater');
  answer = saved();
  await page.getByRole('button', { name: 'Save general' }).click();
  assert.equal((await answer).status(), 200);
  const after = await page.evaluate(async () => (await (await fetch('/admin/api/settings')).json()).settings.design);
  assert.equal(after.timezone, 'Europe/Lisbon');
  assert.equal(after.social.x, '@tidewater');
  assert.equal(after.logo, design.logo, 'saving General kept what Design saved');
  // The public site wears it: the logo for the title, the accent where it reads (the
  // dark page keeps the theme's: #24584a is too dark there), the X account, and dates
  // in the site's time zone (a post of 09:00 UTC is the day before in Honolulu).
  await page.getByLabel('Time zone').fill('Pacific/Honolulu');
  answer = saved();
  await page.getByRole('button', { name: 'Save general' }).click();
  assert.equal((await answer).status(), 200);
  const post = await (await fetch(`${base}/getting-started/`)).text();
  const utc = post.match(/<time datetime="([^"]+)">([^<]+)<\/time>/);
  assert.ok(utc, 'the post has a date');
  const shown = (timeZone) => new Date(utc[1]).toLocaleDateString('en-US', { timeZone, month: 'long', day: 'numeric', year: 'numeric' });
  assert.notEqual(shown('Pacific/Honolulu'), shown('UTC'), 'a post whose day differs');
  assert.equal(utc[2], shown('Pacific/Honolulu'), `${utc[1]} shown in Honolulu's time`);
  const branded = await (await fetch(`${base}/`)).text();
  assert.match(branded, new RegExp(`<img class="site-logo" src="${design.logo}" alt="[^"]+">`));
  assert.match(branded, /@media \(prefers-color-scheme: light\) \{ :root \{ --accent: #24584a; \} \}/);
  assert.doesNotMatch(branded, /prefers-color-scheme: dark\) \{ :root \{ --accent: #24584a/);
  assert.match(branded, /<meta name="twitter:site" content="@tidewater">/);
  assert.match(branded, /<a href="https:\/\/x\.com\/tidewater" rel="me">X<\/a>/);

  const head = page.getByLabel('Site header (before </head>)');
  await head.fill('<script>console.log("hello")</script>');
  await page.locator('#csp-verdict', { hasText: 'runs: folio adds its hash' }).waitFor();
  assert.match(await page.locator('#csp-verdict').textContent(), /'sha256-[A-Za-z0-9+/]+=*'/, 'the hash it runs by is given');
  await head.fill('<button onclick="go()">Go</button>');
  await page.locator('#csp-verdict', { hasText: "onclick on <button> will be blocked by readers' browsers" }).waitFor();
  await head.fill('<script src="/assets/stats.js" defer></script><script type="application/ld+json">{}</script>');
  await page.locator('#csp-verdict', { hasText: '/assets/stats.js runs' }).waitFor();
  await snap('settings-design');
});

test('tags and profiles: a tag renamed keeps its old address, a profile shows on the site', async () => {
  await page.goto(`${base}/admin/#/tags`);
  await page.getByRole('link', { name: 'Kubernetes', exact: true }).click();
  await page.getByLabel('Name').fill('K3s and Kubernetes');
  await page.getByLabel('Slug').fill('k3s');
  await page.getByLabel('Description', { exact: true }).fill('Running folio on a small cluster.');
  await snap('tag-editor');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.getByText(/Tag saved and published/).waitFor();
  const tagPage = await (await fetch(`${base}/tag/k3s/`)).text();
  assert.match(tagPage, /K3s and Kubernetes/);
  assert.match(tagPage, /Running folio on a small cluster\./);
  const moved = await fetch(`${base}/tag/kubernetes/`, { redirect: 'manual' });
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.get('location'), '/tag/k3s/');

  // The owner's own profile: a script link is refused next to the field.
  await page.goto(`${base}/admin/#/account`);
  await page.getByRole('link', { name: 'Edit your profile' }).click();
  await page.getByLabel('Name').fill('Olga Owner');
  await page.getByLabel('Website').fill('javascript:alert(1)');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.locator('[data-field="website"] .error:not([hidden])').waitFor();
  await page.getByLabel('Website').fill('https://olga.example/');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.getByText(/Profile saved and published/).waitFor();

  // The owner edits the profile of the sample's author (from content/, no account).
  await page.goto(`${base}/admin/#/authors`);
  await page.getByRole('link', { name: 'Editor', exact: true }).click();
  await page.getByLabel('Bio').fill('The people who build folio.');
  await page.getByLabel('Location').fill('A small cluster');
  // Another network than X's: a wrong account is named at its field, a right one linked.
  await page.getByLabel('Mastodon').fill('folio');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.locator('[data-field="social.mastodon"] .error:not([hidden])').waitFor();
  await page.getByLabel('Mastodon').fill('@folio@fosstodon.org');
  await snap('profile');
  // The toast of the first save may still show: wait for this one's answer.
  const saved = page.waitForResponse((r) => r.url().includes('/admin/api/authors/') && r.request().method() === 'PATCH');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  assert.equal((await saved).status(), 200);
  const post = await (await fetch(`${base}/getting-started/`)).text();
  assert.match(post, /The people who build folio\./);
  const authorPage = await (await fetch(`${base}/author/editor/`)).text();
  assert.match(authorPage, /A small cluster/);
  assert.match(authorPage, /<a href="https:\/\/fosstodon\.org\/@folio" rel="me">Mastodon<\/a>/);
});
