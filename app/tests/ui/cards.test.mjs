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
    return [...document.querySelectorAll('.kg-card')].map((card) => {
      const type = [...card.classList].find((c) => /^kg-.+-card$/.test(c) && c !== 'kg-card') || 'card';
      const box = card.getBoundingClientRect();
      const problems = [];
      for (const svg of card.querySelectorAll('svg')) {
        const b = svg.getBoundingClientRect();
        if (b.width > 64 || b.height > 64) problems.push(`an icon of ${Math.round(b.width)}x${Math.round(b.height)} px`);
      }
      for (const button of card.querySelectorAll('button')) {
        const b = button.getBoundingClientRect();
        if (b.width > 0 && !button.textContent.trim() && !button.querySelector('svg')) problems.push('an empty button');
        if (b.width > 0 && getComputedStyle(button).display !== 'none' && button.closest('.kg-toggle-card')) problems.push('a toggle button that does nothing here');
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
  // (links, quotes, figures); the rest stay Ghost's HTML and are checked here.
  for (const type of ['kg-image-card', 'kg-gallery-card', 'kg-toggle-card',
    'kg-product-card', 'kg-file-card', 'kg-audio-card', 'kg-header-card']) {
    assert.ok(seen.has(type), `${type} was checked (seen: ${[...seen].join(', ')})`);
  }
  assert.deepEqual(problems, []);
});
