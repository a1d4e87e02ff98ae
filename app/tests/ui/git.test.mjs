// The content repository in the admin, against a real Git server on loopback
// (Debian's `git http-backend`) with the real `git` client as the person editing in
// Git: a conflict is shown side by side in Settings and resolved there, and the
// editor lists the post's versions in Git. Screenshots go to target/ui-screenshots/git/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve, setupOwner, logIn } from './browser.mjs';
import { gitServer, git, TOKEN } from './git_server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const binary = process.env.FOLIO_BIN || path.join(repo, 'target/debug/folio');
const shots = path.join(repo, 'target/ui-screenshots/git');

let remote;
let person;
let server;
let browser;
let page;

const hello = (line) => `---\ntitle: Hello\ndate: 2026-01-02T03:04:05Z\n---\n${line}\n\nA line nobody changes.\n`;

/// `text` as posts/hello.md, committed and pushed by the person, on top of the
/// remote's branch.
async function pushHello(text, message) {
  // What the server pushed first (the site's data files it writes at start).
  await git(person, 'pull', '-q', '--rebase', 'origin', 'main').catch(() => {});
  fs.mkdirSync(path.join(person, 'posts'), { recursive: true });
  fs.writeFileSync(path.join(person, 'posts/hello.md'), text);
  await git(person, 'add', '-A');
  await git(person, 'commit', '-qm', message);
  await git(person, 'push', '-q', 'origin', 'main');
}

/// The admin API from the logged-in page (its session and CSRF token).
function api(method, route, body) {
  return page.evaluate(async ([method, route, body]) => {
    const me = await (await fetch('/admin/api/me')).json();
    const answer = await fetch(`/admin/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: answer.status, body: await answer.json().catch(() => null) };
  }, [method, route, body]);
}

async function until(what, check) {
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    if (await check()) return;
    // sleep: the server pushes and pulls on its own task; poll its state.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  remote = await gitServer();
  person = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-ui-person-'));
  await git(person, 'clone', '-q', remote.url, '.');
  await pushHello(hello('The first line.'), 'first');
  // An empty volume: the server clones the repository.
  const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-ui-git-site-'));
  server = await serve(binary, siteDir, {
    args: ['--insecure-cookies'],
    ready: (text) => /setup token \S+/.test(text),
    env: { FOLIO_SECRET_KEY: 'a secret key for the UI tests, long enough', FOLIO_GIT_REMOTE: remote.url, FOLIO_GIT_TOKEN: TOKEN },
  });
  const secret = await setupOwner(server.base, server.log.match(/setup token (\S+)/)[1]);
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  context.setDefaultTimeout(10000);
  page = await context.newPage();
  await logIn(page, server.base, 'owner', secret);
});

after(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  remote?.close();
});

test('a conflict with Git is shown side by side in Settings and resolved there; the editor lists the versions in Git', async () => {
  // The person changes the line in Git; the admin changes the same line meanwhile.
  await pushHello(hello('The line as the person wrote it.'), "the person's line");
  const posts = (await api('GET', '/posts?limit=50')).body.posts;
  const post = posts.find((p) => p.slug === 'hello');
  const edited = await api('PATCH', `/posts/${post.id}`, { revision: post.revision, markdown: 'The line as the admin wrote it.\n\nA line nobody changes.\n', publish: true });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  await until('the conflict', async () => (await api('GET', '/git')).body.conflict_branch);

  await page.goto(`${server.base}/admin/#/settings`);
  const file = page.locator('#git .conflict-file[data-path="posts/hello.md"]');
  await file.waitFor();
  await page.locator('#git-conflict').waitFor();
  const [here, there] = [file.locator('.side').nth(0), file.locator('.side').nth(1)];
  assert.equal(await here.locator('h4').textContent(), 'Changed here');
  assert.equal(await there.locator('h4').textContent(), 'In Git');
  // Each side's changed line is marked; the line nobody changed is not.
  assert.match(await here.locator('mark').allTextContents().then((t) => t.join('')), /as the admin wrote it/);
  assert.match(await there.locator('mark').allTextContents().then((t) => t.join('')), /as the person wrote it/);
  assert.doesNotMatch(await there.locator('mark').allTextContents().then((t) => t.join('')), /nobody changes/);
  const [a, b] = [await here.boundingBox(), await there.boundingBox()];
  assert.ok(a.x + a.width <= b.x, 'the two sides are next to each other');
  await page.locator('#git').screenshot({ path: path.join(shots, 'conflict.png') });
  assert.match(await page.locator('#git').innerText(), /Last push \S.*\. Last pull \S/);
  assert.doesNotMatch(await page.locator('#git').innerText(), /\[object|undefined|null/);

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Take the lines from Git' }).click();
  await page.getByText('Resolved, published and pushed.').waitFor();
  // The screen is drawn again once the server has answered: the conflict goes then.
  await page.locator('#git-conflict').waitFor({ state: 'detached' });
  await page.locator('#git').getByText(/everything is in Git|change(s)? not yet in Git/).waitFor();
  assert.equal(await page.locator('#git-conflict').count(), 0, 'the conflict is gone');
  assert.match(await (await fetch(`${server.base}/hello/`)).text(), /as the person wrote it/);

  // The editor's Revisions list the file's versions in Git, each person's commit.
  await page.goto(`${server.base}/admin/#/posts`);
  await page.getByRole('link', { name: 'Hello' }).click();
  await page.getByRole('button', { name: 'Revisions' }).click();
  const versions = page.locator('#git-history li');
  await versions.first().waitFor();
  const listed = (await versions.allTextContents()).join('\n');
  assert.match(listed, /A Person · the person's line/);
  assert.match(listed, /A Person · first/);
  // The admin's version, kept in history though Git's lines won (the merge that took
  // them made no version of its own).
  assert.match(listed, /owner · post.updated: hello/);
  await page.screenshot({ path: path.join(shots, 'history.png'), fullPage: true });
});
