// Ghost's cards as a migrated blog shows them: the fixture export with every card
// type Ghost 6 renders, imported with the real CLI and served by `folio serve`, each
// post opened in Chromium. Every card must be of a sane size (no page-wide icon, no
// 500 px star), with its text readable on its own background (WCAG AA contrast), and
// no empty control box. Screenshots under target/ui-screenshots/cards/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve } from './browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/cards');
const fixtures = path.join(repo, 'app/tests/fixtures/ghost');

let server;
let base;
let browser;
let page;

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-cards-'));
  execFileSync(binary, ['import', 'ghost', path.join(fixtures, 'ghost6-cards-a.json'), '--members', 'public',
    '--images', path.join(fixtures, 'ghost6-cards-a-content/images')], { cwd: siteDir, env: { ...process.env, FOLIO_LOG: 'warn' } });
  ({ child: server, base } = await serve(binary, siteDir, { args: ['--no-admin'] }));
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

/// Every card of the page: its type, box, and problems found in the browser.
async function cards() {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    // The colour behind an element: the first ancestor with an opaque-ish background.
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c[3] === undefined || c[3] > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    const contrast = (el) => {
      const a = luminance(rgb(getComputedStyle(el).color));
      const b = luminance(background(el));
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    };
    const content = document.querySelector('.content').getBoundingClientRect();
    return [...document.querySelectorAll('.kg-card, .content blockquote[class^="markdown-alert-"]')].map((card) => {
      const type = card.localName === 'blockquote' ? 'callout-alert'
        : [...card.classList].find((c) => /^kg-.+-card$/.test(c) && c !== 'kg-card') || 'card';
      const box = card.getBoundingClientRect();
      const problems = [];
      for (const svg of card.querySelectorAll('svg')) {
        const b = svg.getBoundingClientRect();
        if (b.width > 64 || b.height > 64) problems.push(`an icon of ${Math.round(b.width)}x${Math.round(b.height)} px`);
      }
      for (const button of card.querySelectorAll('button')) {
        const b = button.getBoundingClientRect();
        if (b.width > 0 && !button.textContent.trim() && !button.querySelector('svg')) problems.push('an empty button');
        const toggle = button.closest('.kg-toggle-card');
        if (b.width > 0 && getComputedStyle(button).display !== 'none' && toggle && !toggle.classList.contains('kg-toggle-ready')) problems.push('a toggle button that does nothing here');
      }
      for (const el of card.querySelectorAll('h1, h2, h3, h4, p, a, span, figcaption, div')) {
        if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
        const b = el.getBoundingClientRect();
        if (b.width === 0 || b.height === 0) continue;
        // Text over a photo has the photo's own tones; its card keeps a dark backing.
        const ratio = contrast(el);
        if (ratio < 4.5) problems.push(`text "${el.textContent.trim().slice(0, 30)}" at contrast ${ratio.toFixed(2)}`);
      }
      if (box.height > 1200) problems.push(`${Math.round(box.height)} px tall`);
      if (box.width > Math.max(content.width, window.innerWidth) + 1) problems.push(`${Math.round(box.width)} px wide`);
      return { type, problems };
    });
  });
}

test('every card type of a Ghost 6 export renders at a sane size with readable text', async () => {
  const export_ = JSON.parse(fs.readFileSync(path.join(fixtures, 'ghost6-cards-a.json'), 'utf8'));
  const posts = export_.db[0].data.posts.filter((p) => p.status === 'published' && (p.html || '').includes('kg-card'));
  assert.ok(posts.length >= 5, 'the fixture has posts with cards');
  const seen = new Set();
  const problems = [];
  for (const post of posts) {
    const response = await page.goto(`${base}/${post.slug}/`);
    assert.equal(response.status(), 200, post.slug);
    await page.waitForLoadState('load');
    await page.screenshot({ path: path.join(shots, `${post.slug}.png`), fullPage: true });
    for (const card of await cards()) {
      seen.add(card.type);
      for (const p of card.problems) problems.push(`${post.slug}: ${card.type}: ${p}`);
    }
  }
  // Bookmarks, callouts, buttons and images at text width become Markdown on import
  // (links, alert quotes, figures); the rest stay Ghost's HTML and are checked here.
  for (const type of ['kg-image-card', 'kg-gallery-card', 'kg-toggle-card',
    'kg-product-card', 'kg-file-card', 'kg-audio-card', 'kg-header-card', 'callout-alert']) {
    assert.ok(seen.has(type), `${type} was checked (seen: ${[...seen].join(', ')})`);
  }
  assert.deepEqual(problems, []);
});

/// The slug of the fixture's first published post whose body has `kind`.
function postWith(kind) {
  const export_ = JSON.parse(fs.readFileSync(path.join(fixtures, 'ghost6-cards-a.json'), 'utf8'));
  const post = export_.db[0].data.posts.find((p) => p.status === 'published' && (p.html || '').includes(kind));
  assert.ok(post, `the fixture has a ${kind}`);
  return post.slug;
}

test('cards that need a script work with the theme\'s: audio plays, toggles open by mouse and keyboard, gallery rows line up', async () => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Scripts of third-party embeds (a tweet's widgets.js) are the CSP's to refuse.
  page.on('console', (m) => { if (m.type() === 'error' && !/Content Security Policy/.test(m.text())) errors.push(m.text()); });
  await page.goto(`${base}/${postWith('kg-audio-card')}/`);
  const audio = page.locator('.kg-audio-card').first();
  await audio.locator('.kg-audio-play-icon').waitFor({ state: 'visible' });
  assert.equal(await audio.locator('audio').getAttribute('controls'), null, "Ghost's player in place of the browser's");
  await audio.locator('.kg-audio-play-icon').click();
  await page.waitForFunction(() => {
    const el = document.querySelector('.kg-audio-card audio');
    return !el.paused || el.ended || el.currentTime > 0;
  });
  await audio.locator('.kg-audio-pause-icon').waitFor({ state: 'visible' });
  assert.equal(await audio.locator('.kg-audio-seek-slider').getAttribute('aria-label'), 'Position');
  await audio.locator('.kg-audio-playback-rate').click();
  assert.equal(await audio.evaluate((card) => card.querySelector('audio').playbackRate), 1.5);

  await page.goto(`${base}/${postWith('kg-toggle-card')}/`);
  const toggle = page.locator('.kg-toggle-card').first();
  const answer = toggle.locator('.kg-toggle-content');
  const button = toggle.locator('.kg-toggle-card-icon');
  await button.waitFor({ state: 'visible' });
  assert.equal(await answer.isVisible(), false, 'closed, as Ghost saved it');
  await toggle.locator('.kg-toggle-heading-text').click();
  assert.equal(await answer.isVisible(), true, 'opened by a click on the heading');
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  await button.focus();
  await page.keyboard.press('Enter');
  assert.equal(await answer.isVisible(), false, 'closed from the keyboard');
  await page.keyboard.press('Space');
  assert.equal(await answer.isVisible(), true, 'opened from the keyboard');

  await page.goto(`${base}/${postWith('kg-gallery-card')}/`);
  const rows = await page.evaluate(() => [...document.querySelectorAll('.kg-gallery-row')].map((row) =>
    [...row.querySelectorAll('img')].map((img) => Math.round(img.getBoundingClientRect().height))));
  assert.ok(rows.some((r) => r.length > 1), 'a row of several images');
  for (const row of rows) assert.ok(Math.max(...row) - Math.min(...row) <= 2, `one height per row: ${JSON.stringify(rows)}`);
  assert.deepEqual(errors, []);
});

test('without the script the same cards fall back to the browser: native audio controls, toggles open', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const tab = await context.newPage();
  await tab.goto(`${base}/${postWith('kg-audio-card')}/`);
  const audio = tab.locator('.kg-audio-card audio').first();
  assert.notEqual(await audio.getAttribute('controls'), null, 'the browser\'s controls');
  assert.ok(await audio.isVisible(), 'shown');
  assert.equal(await tab.locator('.kg-audio-card .kg-audio-player').first().isVisible(), false, 'no dead buttons');
  assert.equal(await tab.locator('.kg-audio-card img').first().isVisible(), false, 'no broken thumbnail');
  await tab.goto(`${base}/${postWith('kg-toggle-card')}/`);
  assert.ok(await tab.locator('.kg-toggle-card .kg-toggle-content').first().isVisible(), 'the answer is shown');
  await context.close();
});
