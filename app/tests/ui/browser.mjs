// Debian's Chromium as every browser test launches it: headless, nothing fetched
// from anywhere (no updates, no sync), so the tests run offline.

import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/// `folio serve` on a free loopback port in `siteDir`, with `args` added: resolves to
/// { child, base, log } once it listens, has published, and `ready(log)` holds.
export function serve(binary, siteDir, { args = [], env = {}, ready = () => true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', ...args], {
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
