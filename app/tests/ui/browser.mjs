// Debian's Chromium as every browser test launches it: headless, nothing fetched
// from anywhere (no updates, no sync), so the tests run offline.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/// `folio serve` on a free loopback port in `siteDir`, with `args` added: resolves to
/// { child, base, log } once it listens (on `listen`, a free port by default), has published, and `ready(log)` holds.
export function serve(binary, siteDir, { args = [], env = {}, ready = () => true, listen = '127.0.0.1:0' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--listen', listen, ...args], {
      cwd: siteDir,
      env: { ...process.env, FOLIO_LOG: 'info', FOLIO_LOG_FORMAT: 'text', ...env },
    });
    let log = '';
    let started = false;
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const listening = log.match(/listening on (http:\/\/[0-9.:]+)/);
      if (listening && log.includes('site published') && ready(log) && !started) {
        started = true;
        resolve({ child, base: listening[1], log });
      }
    });
    child.on('exit', (code) => reject(new Error(`folio exited (${code}):\n${log}`)));
    setTimeout(() => reject(new Error(`folio did not start:\n${log}`)), 20000);
  });
}

/// A loopback port free a moment ago (for a server whose base_url must name it).
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/// TOTP (RFC 6238, SHA-1, 6 digits, 30 s) from a base32 key, written here from the RFC.
export function totp(base32, offsetSteps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offsetSteps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

export const PASSWORD = 'a long enough password';

/// The admin API from here, as a first run would call it: the owner is created and
/// enrolled; resolves to the owner's TOTP key.
export async function setupOwner(at, setupToken) {
  const call = async (route, body) => {
    const answer = await fetch(`${at}/admin/api${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await answer.json();
    if (!answer.ok) throw new Error(`${route}: ${answer.status} ${JSON.stringify(data)}`);
    return data;
  };
  const { challenge } = await call('/setup', { setup_token: setupToken, username: 'owner', password: PASSWORD });
  const { secret } = await call('/session/enroll', { challenge });
  await call('/session/enroll/confirm', { challenge, code: totp(secret) });
  return secret;
}

/// Logs in through the screens; `step` is the TOTP time step past the last one used.
export async function logIn(page, at, username, secret, step = 1) {
  await page.goto(`${at}/admin/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Code from the authenticator app').fill(totp(secret, step));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
}

/// The whole text of the post editor (CodeMirror draws only the lines in view, and
/// cards instead of their source): from its own state.
export function editorText(page) {
  return page.evaluate(async () => {
    const { EditorView } = await import('/admin/vendor/codemirror.js');
    const dom = document.querySelector('.cm-editor');
    return dom ? EditorView.findFromDOM(dom)?.state.doc.toString() ?? null : null;
  });
}

/// Waits until the post editor's text satisfies `holds`; resolves to the text.
export async function editorTextWhen(page, holds, timeout = 10000) {
  const until = Date.now() + timeout;
  for (;;) {
    const text = await editorText(page);
    if (text !== null && holds(text)) return text;
    if (Date.now() > until) throw new Error(`the editor's text never held: ${text}`);
    // sleep: polling the page's state, as waitForFunction does
    await new Promise((done) => setTimeout(done, 50));
  }
}

/// Replaces the whole text of the post editor with `text`, as a writer does (select
/// all, then type or paste): Playwright's `fill` on an editable element keeps the
/// editor's last empty line.
export async function replaceText(page, text) {
  await page.getByLabel('Markdown').focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}
