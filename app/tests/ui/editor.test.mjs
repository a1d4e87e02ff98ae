// The editor (CodeMirror over the stored Markdown) in Debian's Chromium against the
// real `folio serve`: every post of the sample site and of the Ghost fixtures opens
// and saves without a byte changed; a Ghost card's words are changed in the card, not
// in its HTML, and the site shows them; the "/" menu inserts cards; an image dropped
// in the text is uploaded and gets its alt text and caption in place; the keyboard
// reaches the cards' fields. Screenshots go to target/ui-screenshots/editor/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launch, serve, setupOwner, logIn } from './browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/editor');
const fixtures = path.join(repo, 'app/tests/fixtures/ghost');
const DESKTOP = { width: 1440, height: 900 };
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser;
const running = [];

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const server of running) server.child.kill('SIGTERM');
});

/// A site of `corpus` (the sample site, or a Ghost export imported with the real CLI)
/// served, and the owner logged in: { base, page, siteDir, errors }.
async function site(corpus, images) {
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-editor-ui-'));
  if (corpus === 'sample') {
    fs.cpSync(path.join(repo, 'content'), path.join(siteDir, 'content'), { recursive: true });
  } else {
    execFileSync(binary, ['import', 'ghost', path.join(fixtures, corpus), ...(images ? ['--images', path.join(fixtures, images)] : [])],
      { cwd: siteDir, env: { ...process.env, FOLIO_LOG: 'warn' } });
  }
  const server = await serve(binary, siteDir, {
    args: ['--insecure-cookies'],
    ready: (text) => /setup token \S+/.test(text),
    env: { FOLIO_SECRET_KEY: 'a secret key for the UI tests, long enough' },
  });
  running.push(server);
  const secret = await setupOwner(server.base, server.log.match(/setup token (\S+)/)[1]);
  const context = await browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  await logIn(page, server.base, 'owner', secret);
  // The admin's own errors (a preview's frame shows the post's own players, which
  // this offline machine cannot reach).
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.includes('/admin/api/preview/') && !/ERR_NAME_NOT_RESOLVED|ERR_CONNECTION/.test(m.text())) errors.push(m.text());
  });
  return { base: server.base, page, siteDir, errors };
}

const api = (page, route) => page.evaluate(async (r) => (await fetch(`/admin/api${r}`)).json(), route);

/// The editor of post `id`, loaded.
async function open(page, base, id, title) {
  await page.goto(`${base}/admin/#/edit/${id}`);
  await page.getByRole('heading', { name: `Edit “${title || 'Untitled'}”` }).waitFor();
  await page.locator('.cm-content').waitFor();
}

/// The line of the text that holds `words`, scrolled to (CodeMirror draws only the
/// lines in view).
async function line(page, words) {
  const found = page.locator('.cm-line', { hasText: words });
  for (let i = 0; i < 30 && !(await found.count()); i++) await page.mouse.wheel(0, 400);
  // In the middle of the window, clear of the sticky bar of actions.
  await found.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  // CodeMirror measures the lines it drew and corrects its estimates: the line
  // settles after a frame or two.
  const frames = () => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  let box = null;
  for (let i = 0; i < 20; i++) {
    await frames();
    const now = JSON.stringify(await found.boundingBox());
    if (now === box) break;
    box = now;
  }
  return found;
}

for (const [corpus, images] of [['sample'], ['ghost6-cards-a.json', 'ghost6-cards-a-content/images'],
  ['ghost-6.65.0-local-export.json'], ['v4_export.json'], ['products_export.json']]) {
  test(`every post of ${corpus} opens and saves without a byte changed`, async () => {
    const { base, page, siteDir, errors } = await site(corpus, images);
    const posts = [...(await api(page, '/posts?limit=200&type=post')).posts, ...(await api(page, '/posts?limit=200&type=page')).posts];
    assert.ok(posts.length > 0, 'the corpus has posts');
    let cards = 0;
    for (const item of posts) {
      const stored = await api(page, `/posts/${item.id}`);
      const file = stored.source_path && path.join(siteDir, 'content', stored.source_path);
      const bytes = file && fs.readFileSync(file);
      await open(page, base, item.id, stored.title);
      cards += await page.locator('.card-block').count();
      const sent = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/posts/${item.id}`));
      await page.getByRole('button', { name: /^Save/ }).click();
      assert.equal(JSON.parse((await sent).postData()).markdown, stored.markdown, `${stored.slug}: the text saved is the text stored`);
      await page.locator('#save-state', { hasText: /^Saved/ }).waitFor();
      if (file) assert.ok(fs.readFileSync(file).equals(bytes), `${stored.source_path} is unchanged`);
    }
    if (corpus === 'ghost6-cards-a.json') {
      assert.ok(cards >= 10, `Ghost's cards show as cards (${cards})`);
      await page.screenshot({ path: path.join(shots, 'cards-a-last-post.png'), fullPage: true });
    }
    assert.deepEqual(errors, [], 'no script error and no CSP violation');
  });
}

test('a Ghost header card and a callout are edited without HTML, and the site shows them', async () => {
  const { base, page, siteDir, errors } = await site('ghost6-cards-a.json', 'ghost6-cards-a-content/images');
  const [welcome] = (await api(page, '/posts?q=Welcome%20Tidewater')).posts;
  const before = fs.readFileSync(path.join(siteDir, 'content/posts/welcome-to-tidewater-journal.md'), 'utf8');
  await open(page, base, welcome.id, welcome.title);
  const heading = page.getByLabel('Header card: Heading');
  assert.equal(await heading.inputValue(), 'Slow travel, salt air');
  // The card shows its image (visible once loaded).
  await page.locator('.card-block img.card-thumb').first().waitFor({ state: 'visible' });
  await heading.fill('Slow travel, sea air & light');
  await page.getByLabel('Call to action card: Button', { exact: true }).fill('Read the Lisbon story');
  await page.screenshot({ path: path.join(shots, 'header-card.png') });
  await page.getByRole('button', { name: 'Update' }).click();
  await page.locator('#publish-confirm').click();
  await page.locator('#save-state', { hasText: /^Updated/ }).waitFor();
  const after = fs.readFileSync(path.join(siteDir, 'content/posts/welcome-to-tidewater-journal.md'), 'utf8');
  const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
  assert.equal(changed.length, 2, `two lines changed:\n${changed.join('\n')}`);
  assert.ok(after.includes('<span style="white-space: pre-wrap;">Slow travel, sea air &amp; light</span></h2>'), 'the heading, escaped, in its HTML');
  const live = await (await fetch(`${base}/welcome-to-tidewater-journal/`)).text();
  assert.ok(live.includes('Slow travel, sea air &amp; light'), 'the site has the new heading');
  assert.ok(/Read the Lisbon story\s*<\/a>/.test(live), 'and the new button text');

  // A callout is a quote in the Markdown: its words are typed in place.
  const [lisbon] = (await api(page, '/posts?q=weekend%20Lisbon')).posts;
  await open(page, base, lisbon.id, lisbon.title);
  // Found with the editor's own search (Ctrl+F), as a keyboard user goes there.
  await (await line(page, 'Saturday: tiles and trams')).click();
  await page.keyboard.press('Control+f');
  await page.keyboard.type('single tram tickets.');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.type(' Keep the card for next time.');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.locator('#publish-confirm').click();
  await page.locator('#save-state', { hasText: /^Updated/ }).waitFor();
  const page2 = await (await fetch(`${base}/a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata/`)).text();
  assert.ok(page2.includes('single tram tickets. Keep the card for next time.'), 'the callout has the new words');
  assert.deepEqual(errors, []);
});

test('the / menu inserts cards, an image dropped in the text gets alt text and a caption, the keyboard reaches it all', async () => {
  const { base, page, errors } = await site('sample');
  await page.goto(`${base}/admin/#/edit/new/post`);
  await page.getByRole('heading', { name: 'New post' }).waitFor();
  await page.getByLabel('Title', { exact: true }).fill('Cards from the menu');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'markdown', 'Enter in the title goes to the text');
  await page.keyboard.type('First words.\n\n/tog');
  await page.getByRole('option', { name: /Toggle/ }).waitFor();
  await page.screenshot({ path: path.join(shots, 'slash-menu.png') });
  await page.keyboard.press('Enter');
  const summary = page.getByLabel('Toggle card: Summary');
  await summary.waitFor();
  await summary.fill('Is it free?');
  await page.getByLabel('Toggle card: Text').fill('Yes, and it stays so.');

  // The keyboard: Ctrl+B in the text, then a callout from the menu.
  await page.locator('.cm-line', { hasText: 'First words.' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('strong');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type('/call');
  await page.getByRole('option', { name: /Callout/ }).waitFor();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Mind the tide.');
  // "+" in the toolbar opens the same menu, on a new line after the caret's.
  await page.getByRole('button', { name: 'Add a card' }).click();
  await page.getByRole('option', { name: /Divider/ }).click();

  // An image dropped on the text: uploaded, shown as a card with its fields.
  const png = fs.readFileSync(path.join(repo, 'content/images/banner.png'), 'base64');
  await page.evaluate(async (data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'harbour-at-dawn.png', { type: 'image/png' }));
    const target = document.querySelector('.cm-content');
    const box = target.getBoundingClientRect();
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true, clientX: box.left + 20, clientY: box.bottom - 5 }));
  }, png);
  const alt = page.getByLabel('Image card: Alt text');
  await alt.waitFor();
  assert.equal(await alt.inputValue(), 'harbour at dawn', 'the alt text starts from the file name');
  await alt.fill('The harbour at dawn');
  await page.getByLabel('Image card: Caption').fill('Shot on "film", at six');
  await page.screenshot({ path: path.join(shots, 'cards-inserted.png'), fullPage: true });

  // Tab from the text reaches the cards, their fields, then the settings.
  await page.locator('.cm-line', { hasText: 'First words.' }).click();
  const focusName = () => page.evaluate(() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent);
  await page.keyboard.press('Tab');
  assert.equal(await focusName(), 'Edit source', 'Tab goes to the first card');
  await page.keyboard.press('Tab');
  assert.equal(await focusName(), 'Toggle card: Summary');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.locator('.cm-line', { hasText: '<summary>Is it free?</summary>' }).waitFor();
  assert.equal(await page.getByLabel('Toggle card: Summary').count(), 0, '"Edit source" shows the HTML instead');

  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.locator('#save-state', { hasText: /^Saved/ }).waitFor();
  const id = page.url().match(/edit\/(\d+)/)[1];
  const { markdown } = await api(page, `/posts/${id}`);
  assert.match(markdown, /^First words\.\n\n\*\*strong\*\*\n\n> \[!NOTE\]\n> 💡 Mind the tide\.\n\n---\n/, markdown);
  assert.match(markdown, /<details class="kg-card kg-toggle-card">\n<summary>Is it free\?<\/summary>\n<p>Yes, and it stays so\.<\/p>\n<\/details>/);
  assert.match(markdown, /!\[The harbour at dawn\]\(\/images\/[^ )]+\.png "Shot on \\"film\\", at six"\)/);
  assert.match(await page.locator('#counts').textContent(), /^\d+ words · 1 min read$/);
  assert.deepEqual(errors, []);
});

test('cards pass axe-core at 1440 and 390 px, light and dark', async () => {
  const { base, page } = await site('ghost6-cards-a.json', 'ghost6-cards-a-content/images');
  const posts = (await api(page, '/posts?limit=200')).posts.filter((p) => /Welcome|weekend in Lisbon|Complete Guide/i.test(p.title));
  assert.ok(posts.length >= 3, posts.map((p) => p.title).join(', '));
  const violations = [];
  for (const [width, viewport] of [['desktop', DESKTOP], ['phone', { width: 390, height: 844 }]]) {
    for (const scheme of ['light', 'dark']) {
      // axe is injected as a script, which the admin's CSP forbids.
      const context = await browser.newContext({ viewport, colorScheme: scheme, bypassCSP: true, storageState: await page.context().storageState() });
      context.setDefaultTimeout(10000);
      const tab = await context.newPage();
      for (const post of posts) {
        await open(tab, base, post.id, post.title);
        await tab.screenshot({ path: path.join(shots, `${width}-${scheme}-${post.slug.slice(0, 30)}.png`) });
        await tab.addScriptTag({ path: axeSource });
        const found = await tab.evaluate(async () => (await window.axe.run(document, { exclude: [['iframe.preview']] })).violations
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
        for (const v of found) violations.push(`${width} ${scheme} ${post.slug}: ${v}`);
      }
      await context.close();
    }
  }
  assert.deepEqual(violations, []);
});

test('the words counted are the ones the site counts (a dash or a mark is not a word)', async () => {
  const { base, page } = await site('sample');
  await page.goto(`${base}/admin/#/edit/new/post`);
  await page.getByRole('heading', { name: 'New post' }).waitFor();
  await page.getByLabel('Markdown').fill('## One two\n\n— three, **four** --- 5\n\n```\n```\n');
  await page.locator('#counts', { hasText: '5 words' }).waitFor();
});
