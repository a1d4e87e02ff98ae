// A real Git server on loopback for the browser tests, as `tests/common/git_server.rs`
// is for the Rust ones: Debian's `git http-backend` (Git's smart HTTP server, a CGI
// program) behind node's HTTP server asking for Basic auth with a token. People are
// the real `git` client.

import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TOKEN = 'ui-test-git-token-0123456789';
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';
const BASIC = `Basic ${Buffer.from(`ci:${TOKEN}`).toString('base64')}`;

const ARGS = ['-c', 'user.name=A Person', '-c', 'user.email=person@example.com',
  '-c', 'init.defaultBranch=main', '-c', `http.extraHeader=Authorization: ${BASIC}`];

/// Runs the real `git` in `dir` as a person; resolves to its output. Never blocking:
/// the server answering it runs in this process.
export async function git(dir, ...args) {
  const { stdout } = await run('git', [...ARGS, ...args], { cwd: dir, encoding: 'utf8' });
  return stdout;
}

/// A server with one empty repository, `site.git` (branch `main`): resolves to
/// { url, close }.
export function gitServer() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-ui-git-'));
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', 'site.git'], { cwd: root });
  execFileSync('git', ['config', 'http.receivepack', 'true'], { cwd: path.join(root, 'site.git') });
  const server = http.createServer((req, res) => {
    // Any user name, as GitHub takes it; the token is what counts.
    const given = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
    if (given.slice(given.indexOf(':') + 1) !== TOKEN) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      const input = Buffer.concat(body);
      const url = new URL(req.url, 'http://127.0.0.1');
      const cgi = spawn(HTTP_BACKEND, [], {
        env: {
          GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', REQUEST_METHOD: req.method,
          PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] || '', CONTENT_LENGTH: String(input.length),
          REMOTE_USER: 'ci', REMOTE_ADDR: '127.0.0.1',
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const out = [];
      cgi.stdout.on('data', (chunk) => out.push(chunk));
      cgi.on('close', () => answer(res, Buffer.concat(out)));
      cgi.stdin.on('error', () => {});
      cgi.stdin.end(input);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/site.git`, close: () => server.close() });
    });
  });
}

/// A CGI program's output as the HTTP answer: headers (with `Status:`) up to the first
/// blank line, then the body.
function answer(res, out) {
  let end = out.indexOf('\r\n\r\n');
  let skip = 4;
  if (end < 0) { end = out.indexOf('\n\n'); skip = 2; }
  if (end < 0) { res.writeHead(502); res.end(); return; }
  let status = 200;
  const headers = {};
  for (const line of out.subarray(0, end).toString().split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at < 0) continue;
    const [name, value] = [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  res.writeHead(status, headers);
  res.end(out.subarray(end + skip));
}
