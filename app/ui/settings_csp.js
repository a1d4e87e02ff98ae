// What the site's Content-Security-Policy will do with the scripts of code injection,
// said before they are saved: a script the policy blocks is saved and published, and
// then silently refused by every reader's browser.

// Script types a browser runs (others, such as JSON-LD, are data: no policy applies).
const RUNS = new Set(['', 'text/javascript', 'application/javascript', 'module']);

/// The sources of the directive that governs scripts, or null with no policy.
function scriptSources(csp) {
  if (!csp) return null;
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0])
    .map(([name, ...sources]) => [name.toLowerCase(), sources]));
  return directives['script-src-elem'] || directives['script-src'] || directives['default-src'] || ['*'];
}

/// Whether a host source (`https://stats.example`, `*.example.com`, `https:`) lets `url` load.
function hostAllows(source, url) {
  if (source === '*') return url.protocol === 'https:' || url.protocol === 'http:';
  if (/^[a-z][a-z0-9+.-]*:$/i.test(source)) return url.protocol === source.toLowerCase();
  const found = source.match(/^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+)(?::(\d+|\*))?/i);
  if (!found) return false;
  const [, scheme, wild, host, port] = found;
  if (scheme && `${scheme.toLowerCase()}:` !== url.protocol) return false;
  if (!scheme && url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const name = url.hostname.toLowerCase();
  const matches = wild ? name.endsWith(`.${host.toLowerCase()}`) : name === host.toLowerCase();
  return matches && (!port || port === '*' || port === (url.port || (url.protocol === 'https:' ? '443' : '80')));
}

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/// One verdict ({ok, text}) per script of `html`, under the policy `csp` (null:
/// none); the origin is the site's, for `'self'`.
export async function scriptVerdicts(html, csp, origin = location.origin) {
  const sources = scriptSources(csp);
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const scripts = [...doc.querySelectorAll('script')]
    .filter((s) => RUNS.has((s.getAttribute('type') || '').trim().toLowerCase()));
  if (!sources) return [{ ok: true, text: 'The site sends no Content-Security-Policy: scripts here run as written.' }];
  const directive = `script-src ${sources.join(' ')}`;
  // Hashes let scripts run, never inline event handlers (onclick="...").
  const handlers = [...doc.querySelectorAll('*')]
    .flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${a.name} on <${el.localName}>`));
  const inline = sources.includes("'unsafe-inline'") && !sources.some((s) => /^'(sha\d+|nonce)-/.test(s));
  const verdicts = handlers.length && !inline
    ? [{ ok: false, text: `The inline event handler ${handlers[0]} will be blocked by readers' browsers (${directive}): move it into a script.` }]
    : [];
  if (!scripts.length && !verdicts.length) return [{ ok: true, text: `No script here. The site's Content-Security-Policy allows scripts by ${directive}.` }];
  for (const script of scripts) {
    const src = script.getAttribute('src');
    if (src) {
      let url;
      try { url = new URL(src, origin); } catch { verdicts.push({ ok: false, text: `${src} is not an address a browser can load.` }); continue; }
      const ok = sources.some((s) => (s === "'self'" ? url.origin === origin : hostAllows(s, url)));
      verdicts.push(ok
        ? { ok, text: `${url.href} runs: ${directive} allows it.` }
        : { ok, text: `${url.href} will be blocked by readers' browsers (${directive}). Add ${url.origin} to script-src in content_security_policy (folio.toml) to let it run.` });
      continue;
    }
    const code = script.textContent;
    const hash = `'sha256-${await sha256(code)}'`;
    const start = code.trim().slice(0, 40).replace(/\s+/g, ' ');
    // folio adds each inline script's hash to the policy when it publishes, unless
    // inline scripts run anyway ('unsafe-inline') or none may ('none').
    verdicts.push(sources.includes("'none'")
      ? { ok: false, text: `The inline script “${start}…” will be blocked by readers' browsers: ${directive} runs no script.` }
      : { ok: true, text: `The inline script “${start}…” runs: folio adds its hash (${hash}) to script-src when it publishes, and any other inline script stays blocked.` });
  }
  return verdicts;
}
