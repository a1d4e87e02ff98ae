// What readers get, measured in Debian's Chromium against `folio serve`: Lighthouse
// (mobile) on the sample site's home, a post with images and code, a tag page and the
// 404 page (accessibility, best practices and SEO 100, performance 95 or more), axe-core
// with no violation on the same pages, and an image-heavy post (a Ghost import with
// its photos) that sends no more image bytes than the variants each viewport needs.
// The search: its index loads only when opened, and finds a word of a body (chosen
// from the sample's files here) and Japanese text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launch, serve } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.join(repo, 'target/ui-screenshots/readers');
const fixtures = path.join(repo, 'app/tests/fixtures/ghost');
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const servers = [];
let browser;

/// `folio serve` (public site only) in `siteDir`; its address.
async function serveSite(siteDir) {
  const { child, base } = await serve(binary, siteDir, { args: ['--no-admin'] });
  servers.push(child);
  return base;
}

/// The sample site as the README's first command makes it: `content/` and `folio.toml`.
function sampleSite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-readers-'));
  fs.cpSync(path.join(repo, 'content'), path.join(dir, 'content'), { recursive: true });
  fs.copyFileSync(path.join(repo, 'folio.toml'), path.join(dir, 'folio.toml'));
  return dir;
}

let sample;
before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  sample = await serveSite(sampleSite());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.kill('SIGTERM');
});

// The 404 page is audited at its own address: Lighthouse refuses a page answered 404.
const pages = ['/', '/getting-started/', '/tag/guides/', '/404.html'];

/// What Lighthouse (mobile) finds below accessibility, best practices and SEO 100 and
/// performance 95 on each of `urls` of the site at `base`.
function lighthouseFailures(base, urls) {
  const lighthouse = path.join(here, 'node_modules/.bin/lighthouse');
  const failures = [];
  for (const page of urls) {
    const report = path.join(os.tmpdir(), `folio-lighthouse-${process.pid}.json`);
    execFileSync(lighthouse, [`${base}${page}`, `--chrome-path=${chromium}`,
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic',
      '--only-categories=performance,accessibility,best-practices,seo',
      '--output=json', `--output-path=${report}`, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const result = JSON.parse(fs.readFileSync(report, 'utf8'));
    fs.rmSync(report);
    assert.equal(result.runtimeError, undefined, `${page}: ${JSON.stringify(result.runtimeError)}`);
    const wanted = { performance: 0.95, accessibility: 1, 'best-practices': 1, seo: 1 };
    for (const [category, least] of Object.entries(wanted)) {
      const score = result.categories[category].score;
      if (score < least) {
        const failed = result.categories[category].auditRefs
          .map((ref) => result.audits[ref.id])
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative')
          .map((a) => a.id);
        failures.push(`${page}: ${category} ${score} (${failed.join(', ')})`);
      }
    }
  }
  return failures;
}

test('Lighthouse on mobile: accessibility, best practices and SEO 100, performance 95 or more', async () => {
  assert.deepEqual(lighthouseFailures(sample, pages), []);
});

test('every page kind is laid out alike: no stray border on the body, one column width, the theme\'s fonts', async () => {
  const kinds = { home: '/', post: '/getting-started/', page: '/about/', tag: '/tag/guides/', author: '/author/editor/', missing: '/no-such-page/' };
  const problems = [];
  for (const [width, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1440, height: 900 }]]) {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();
      const seen = {};
      for (const [kind, url] of Object.entries(kinds)) {
        await page.goto(`${sample}${url}`);
        seen[kind] = await page.evaluate(() => {
          const body = getComputedStyle(document.body);
          const main = document.querySelector('main').getBoundingClientRect();
          return {
            border: ['Top', 'Right', 'Bottom', 'Left'].map((side) => body[`border${side}Style`]).filter((style) => style !== 'none'),
            radius: body.borderTopLeftRadius,
            padding: body.paddingLeft,
            font: body.fontFamily,
            size: body.fontSize,
            column: Math.round(main.width),
          };
        });
        await page.screenshot({ path: path.join(shots, `layout-${width}-${scheme}-${kind}.png`) });
      }
      for (const [kind, got] of Object.entries(seen)) {
        const where = `${width} ${scheme} ${kind}`;
        if (got.border.length) problems.push(`${where}: the body has a border (${got.border})`);
        if (got.radius !== '0px') problems.push(`${where}: the body is rounded (${got.radius})`);
        for (const key of ['padding', 'font', 'size', 'column']) {
          if (got[key] !== seen.home[key]) problems.push(`${where}: ${key} ${got[key]}, the home page's is ${seen.home[key]}`);
        }
      }
      await context.close();
    }
  }
  assert.deepEqual(problems, []);
});

test('every highlight colour of the theme\'s stylesheet reads on the code background, light and dark (4.5:1)', async () => {
  const problems = [];
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${sample}/`);
    problems.push(...await page.evaluate((which) => {
      // Every selector of the stylesheet that names a highlight class, as a span in a
      // code block: the cascade decides its colour, as on a page.
      const selectors = new Set();
      const walk = (rules) => {
        for (const rule of rules) {
          if (rule.cssRules) walk(rule.cssRules);
          if (rule.selectorText) for (const sel of rule.selectorText.split(',')) if (/\.hl-/.test(sel)) selectors.add(sel.trim());
        }
      };
      for (const sheet of document.styleSheets) walk(sheet.cssRules);
      const pre = document.createElement('pre');
      pre.className = 'hl';
      const code = document.createElement('code');
      pre.append(code);
      document.querySelector('main').append(pre);
      const rgb = (text) => text.match(/[\d.]+/g).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
      const background = rgb(getComputedStyle(pre).backgroundColor);
      const found = [];
      for (const sel of selectors) {
        const span = document.createElement('span');
        span.className = [...sel.matchAll(/\.(hl-[\w-]+)/g)].map((m) => m[1]).join(' ');
        span.textContent = '42';
        code.append(span);
        const [a, b] = [lum(rgb(getComputedStyle(span).color)), lum(background)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) found.push(`${which}: ${sel} is ${ratio.toFixed(2)}:1 on the code background`);
      }
      if (selectors.size < 8) found.push(`${which}: only ${selectors.size} highlight selectors found`);
      return found;
    }, scheme));
    await context.close();
  }
  assert.deepEqual(problems, []);
});

/// What axe-core finds on each of `urls` of the site at `base`, at `viewport` in `colorScheme`.
/// `bodyHeadings`: a body's own heading levels are its author's (an import warns of a
/// skipped one), so heading-order is not counted inside `.content`.
async function axeViolations(base, urls, { viewport = { width: 390, height: 844 }, colorScheme = 'light', bodyHeadings = false } = {}) {
  // axe is injected as a script, which the site's own Content-Security-Policy forbids.
  const context = await browser.newContext({ viewport, colorScheme, bypassCSP: true });
  const page = await context.newPage();
  const violations = [];
  for (const url of urls) {
    await page.goto(`${base}${url}`);
    await page.addScriptTag({ path: axeSource });
    const found = await page.evaluate(async (skipBody) => (await window.axe.run()).violations
      .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !(skipBody && v.id === 'heading-order'
        && document.querySelector(n.target.join(' '))?.closest('.content'))) }))
      .filter((v) => v.nodes.length)
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), bodyHeadings);
    for (const v of found) violations.push(`${viewport.width} ${colorScheme} ${url}: ${v}`);
  }
  await context.close();
  return violations;
}

test('axe-core finds no violation on the same pages', async () => {
  assert.deepEqual(await axeViolations(sample, pages), []);
});

test('an image-heavy post sends no more than the variants each viewport needs', async () => {
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-photos-'));
  execFileSync(binary, ['import', 'ghost', path.join(fixtures, 'ghost6-cards-a.json'),
    '--images', path.join(fixtures, 'ghost6-cards-a-content/images')],
  { cwd: siteDir, env: { ...process.env, FOLIO_LOG: 'warn' } });
  const base = await serveSite(siteDir);
  const post = 'a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata';
  const sizeOf = (url) => {
    const rel = decodeURIComponent(new URL(url).pathname).slice(1);
    return fs.statSync(path.join(siteDir, 'public', rel)).size;
  };
  for (const [width, scale] of [[390, 3], [1440, 1]]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: scale });
    const page = await context.newPage();
    const sent = new Map();
    page.on('response', async (response) => {
      if (response.request().resourceType() === 'image' && response.url().startsWith(base)) {
        sent.set(response.url(), (await response.body()).length);
      }
    });
    await page.goto(`${base}/${post}/`);
    // Scrolled through, so that every lazy image loads.
    for (let y = 0; y < 20; y++) {
      await page.mouse.wheel(0, 900);
      await page.waitForTimeout(100);
    }
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(shots, `photos-${width}.png`), fullPage: true });
    // Each resized image: the variant a browser needs is the narrowest at least as
    // wide as the image shows (times the screen's density), else the widest.
    const images = await page.evaluate(() => [...document.querySelectorAll('img')]
      .filter((img) => img.currentSrc && img.closest('picture')?.querySelector('source[type="image/webp"]'))
      .map((img) => {
        const source = img.closest('picture')?.querySelector('source[type="image/webp"]');
        const candidates = (source?.srcset || img.srcset).split(',').map((entry) => {
          const [url, w] = entry.trim().split(/\s+/);
          return { url: new URL(url, location.href).href, width: parseInt(w, 10) };
        }).sort((a, b) => a.width - b.width);
        return { shown: img.getBoundingClientRect().width * devicePixelRatio, current: img.currentSrc, candidates };
      }));
    assert.ok(images.length >= 4, `resized images on the post: ${images.length}`);
    // An image shown twice is fetched once, at the larger of the two needs: what a
    // URL may weigh is what its widest use needs.
    const allowed = new Map();
    for (const image of images) {
      const needed = image.candidates.find((c) => c.width >= image.shown) || image.candidates.at(-1);
      assert.ok(sent.has(image.current), `${image.current} was not loaded`);
      assert.match(image.current, /\.webp$/, 'WebP where the browser takes it');
      const bytes = sizeOf(needed.url);
      if ((allowed.get(image.current)?.bytes ?? -1) < bytes) {
        allowed.set(image.current, { bytes, why: `${needed.url} (${needed.width}w for ${Math.round(image.shown)} px)` });
      }
    }
    for (const [url, { bytes, why }] of allowed) {
      assert.ok(sent.get(url) <= bytes, `${width}px: ${url} sent ${sent.get(url)} bytes; ${why} has ${bytes}`);
    }
    await context.close();
  }
});

/// A word (7 letters or more) found in the body of one published post of the sample
/// only (no other post has a word starting with it), and that post's address.
function wordOfOneBody() {
  const posts = fs.readdirSync(path.join(repo, 'content/posts')).map((name) => {
    const text = fs.readFileSync(path.join(repo, 'content/posts', name), 'utf8');
    const [, front, body] = text.split(/^---$/m);
    const slug = front.match(/^slug:\s*(\S+)/m)?.[1] || name.replace(/\.md$/, '');
    const draft = /^draft:\s*true/m.test(front) || /^status:\s*draft/m.test(front);
    return { slug, draft, front: front.toLowerCase(), words: new Set(body.toLowerCase().match(/[a-z]{7,}/g)) };
  });
  const published = posts.filter((p) => !p.draft);
  for (const post of published) {
    for (const word of post.words) {
      const elsewhere = posts.some((p) => p !== post && ([...p.words].some((w) => w.startsWith(word)) || p.front.includes(word)));
      if (!elsewhere && !post.front.includes(word)) return { word, url: `/${post.slug}/` };
    }
  }
  throw new Error('no word of one body only in the sample');
}

test('search loads its index when opened and finds body words and Japanese text', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (request) => asked.push(new URL(request.url()).pathname));
  await page.goto(`${sample}/`);
  await page.waitForLoadState('networkidle');
  assert.ok(!asked.some((p) => p.startsWith('/search')), `index loaded before the search opened: ${asked}`);

  const { word, url } = wordOfOneBody();
  await page.keyboard.press('/');
  const dialog = page.locator('dialog#search');
  await dialog.waitFor({ state: 'visible' });
  await page.keyboard.type(word, { delay: 20 });
  await page.locator('.search-results a').first().waitFor();
  const links = await page.locator('.search-results a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.deepEqual(links, [url], `"${word}" finds its post only`);
  await page.screenshot({ path: path.join(shots, 'search-390.png') });
  await page.keyboard.press('Enter');
  await page.waitForURL(`**${url}`);

  await page.goto(`${sample}/`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.keyboard.type('zzqqxxnothing');
  await page.locator('.search-status', { hasText: 'No post matches' }).waitFor();
  await context.close();

  // Japanese, written without spaces, on the Ghost import's site.
  const photos = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-search-'));
  execFileSync(binary, ['import', 'ghost', path.join(fixtures, 'ghost6-cards-a.json')],
    { cwd: photos, env: { ...process.env, FOLIO_LOG: 'warn' } });
  const base = await serveSite(photos);
  const japanese = await (await browser.newContext()).newPage();
  await japanese.goto(`${base}/`);
  await japanese.getByRole('button', { name: 'Search' }).click();
  await japanese.keyboard.type('玉子焼');
  await japanese.locator('.search-results a').first().waitFor();
  const found = await japanese.locator('.search-results a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.ok(found.includes('/dong-jing-nozhao-shi-wobu-ku/'), `found: ${found}`);
});

test('the theme ships its serif, and every page sets its headings alike', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const fonts = [];
  page.on('response', (r) => { if (r.request().resourceType() === 'font') fonts.push([new URL(r.url()).pathname, r.status()]); });
  const headings = {};
  for (const url of pages) {
    await page.goto(`${sample}${url}`);
    await page.evaluate(() => document.fonts.ready);
    headings[url] = await page.evaluate(() => getComputedStyle(document.querySelector('main h1, main h2')).fontFamily);
    if (url === '/getting-started/') {
      assert.ok(await page.evaluate(() => document.fonts.check('1rem "Source Serif 4"')), 'the serif is loaded');
    }
  }
  assert.ok(fonts.some(([p, status]) => /^\/assets\/fonts\/source-serif-4-latin-400-normal\.[0-9a-f]{8}\.woff2$/.test(p) && status === 200),
    `the serif comes from the site, fingerprinted: ${JSON.stringify(fonts)}`);
  assert.equal(new Set(Object.values(headings)).size, 1, JSON.stringify(headings));
  await context.close();
});

test('code injection: the owner\'s inline scripts run under the site\'s CSP, any other inline script is refused', async () => {
  const dir = sampleSite();
  const mark = (name) => `<script>document.documentElement.dataset.${name} = 'ran';</script>`;
  // A top-level key: before the file's tables.
  const toml = path.join(dir, 'folio.toml');
  const head = JSON.stringify(`${mark('site')}\r\n<script type="application/ld+json">{}</script>`);
  fs.writeFileSync(toml, `codeinjection_head = ${head}\n${fs.readFileSync(toml, 'utf8')}`);
  fs.writeFileSync(path.join(dir, 'content/posts/injected.md'), [
    '---', 'title: Injected', 'slug: injected', 'date: 2026-01-02T10:00:00Z',
    `codeinjection_foot: ${JSON.stringify(mark('post'))}`, '---',
    'A body with a script of its own:', '', mark('body'), '',
  ].join('\n'));
  const base = await serveSite(dir);
  const context = await browser.newContext();
  const tab = await context.newPage();
  const refused = [];
  tab.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) refused.push(m.text()); });
  await tab.goto(`${base}/injected/`);
  const ran = await tab.evaluate(() => ({ ...document.documentElement.dataset }));
  assert.equal(ran.site, 'ran', 'the site\'s injected script runs');
  assert.equal(ran.post, 'ran', 'the post\'s injected script runs');
  assert.equal(ran.body, undefined, 'an inline script of a body is refused');
  assert.ok(refused.length >= 1, 'the browser said it refused one');
  // A post's own script runs on its page only: elsewhere, the same text is refused.
  const csp = (await fetch(`${base}/`)).headers.get('content-security-policy');
  const own = (await fetch(`${base}/injected/`)).headers.get('content-security-policy');
  assert.ok(own.length > csp.length && own.startsWith(csp.split('script-src')[0]), `${csp}\n${own}`);
  assert.match(csp, /script-src 'self' 'sha256-/);
  await tab.goto(`${base}/`);
  assert.equal(await tab.evaluate(() => document.documentElement.dataset.site), 'ran');
  await context.close();
});

test('an imported Ghost blog: its design, a designed home, and every page kind passes axe and Lighthouse', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-readers-ghost-'));
  const report = JSON.parse(execFileSync(binary, ['import', 'ghost', path.join(fixtures, 'ghost6-cards-a.json'), '--json',
    '--images', path.join(fixtures, 'ghost6-cards-a-content/images')], { cwd: dir, env: { ...process.env, FOLIO_LOG: 'warn' } }));
  // A body that skips a heading level is its author's to fix: the import says which.
  assert.ok(report.warnings.some((w) => /a-weekend-in-lisbon.*level-2 heading to a level-4/.test(w)), JSON.stringify(report.warnings));
  const base = await serveSite(dir);
  const home = await (await fetch(`${base}/`)).text();
  // Ghost's settings came over: accent, X account, meta title; Ghost's stock cover did not.
  assert.match(home, /--accent: #1f4e9c/);
  assert.match(home, /<meta name="twitter:site" content="@tidewaterjrnl">/);
  assert.match(home, /<title>Tidewater Journal — notes from the Atlantic edge<\/title>/);
  assert.doesNotMatch(home, /static\.ghost\.org/);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const tab = await context.newPage();
  await tab.goto(`${base}/`);
  const featured = await tab.locator('.featured-posts .card h2').allTextContents();
  assert.ok(featured.length >= 1 && featured.length <= 3, `featured first: ${featured}`);
  const columns = await tab.evaluate(() => new Set([...document.querySelectorAll('main > section:last-of-type .card')]
    .map((card) => Math.round(card.getBoundingClientRect().left))).size);
  assert.equal(columns, 2, 'a grid of cards on a wide screen');
  await tab.screenshot({ path: path.join(shots, 'ghost-home-1440.png'), fullPage: true });
  await context.close();

  // Every page kind: the home, posts with cards, a page (Ghost's About, a header card
  // and a button), a tag, an author, and the 404 page at its own address.
  const urls = ['/', '/a-weekend-in-lisbon-trams-tiles-and-pasteis-de-nata/', '/sounds-of-the-harbour-at-dawn/', '/about/',
    '/tag/travel/', '/author/mara/', '/404.html'];
  for (const url of urls) assert.equal((await fetch(`${base}${url}`)).status, 200, url);
  assert.equal((await fetch(`${base}/no-such-page/`)).status, 404);
  const violations = [];
  for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
    for (const colorScheme of ['light', 'dark']) violations.push(...await axeViolations(base, urls, { viewport, colorScheme, bodyHeadings: true }));
  }
  assert.deepEqual(violations, []);
  // Posts whose embeds load nothing from elsewhere (this machine has no internet).
  assert.deepEqual(lighthouseFailures(base, ['/', '/welcome-to-tidewater-journal/', '/cataplana-a-copper-pot-seafood-stew/', '/about/',
    '/tag/travel/', '/author/mara/', '/404.html']), []);
});
