// The site's search, with no server: the index folio writes at publish (search.json,
// which lists its chunks) is fetched the first time a reader opens the search, and
// queried here. A query's words are found as folio's indexer found the posts' words
// (app/src/render/search.rs): lowercased runs of letters and digits of two or more,
// and Chinese, Japanese or Korean text by pairs of characters. Every word of the
// query must match; each may be the start of a longer word (search as you type).
(() => {
  'use strict';
  const open = document.querySelector('[data-search-open]');
  const dialog = document.getElementById('search');
  if (!open || !dialog || typeof dialog.showModal !== 'function' || !window.fetch) return;
  const input = dialog.querySelector('input');
  const status = dialog.querySelector('[role="status"]');
  const results = dialog.querySelector('ol');
  const MAX_RESULTS = 20;
  const CJK = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u{20000}-\u{2a6df}]/u;
  const WORD = /[\p{Alphabetic}\p{N}]/u;
  let index;

  function terms(text) {
    const out = [];
    let word = '';
    let run = [];
    const flushWord = () => {
      const length = [...word].length;
      if (length >= 2 && length <= 40) out.push(word);
      word = '';
    };
    const flushRun = () => {
      if (run.length === 1) out.push(run[0]);
      for (let i = 0; i + 1 < run.length; i++) out.push(run[i] + run[i + 1]);
      run = [];
    };
    for (const c of text) {
      if (CJK.test(c)) {
        flushWord();
        run.push(c);
      } else if (WORD.test(c)) {
        flushRun();
        word += c.toLowerCase();
      } else {
        flushWord();
        flushRun();
      }
    }
    flushWord();
    flushRun();
    return out;
  }

  /// The chunks, each with its words in a list to scan.
  function load() {
    index ||= fetch('/search.json')
      .then((r) => r.json())
      .then((m) => Promise.all(m.chunks.map((url) => fetch(url).then((r) => r.json()))))
      .then((chunks) => chunks.map((c) => ({ docs: c.docs, terms: c.terms, words: Object.keys(c.terms) })));
    return index;
  }

  function search(chunks, query) {
    const words = [...new Set(terms(query))];
    if (!words.length) return null;
    const found = [];
    for (const chunk of chunks) {
      let hits = null;
      for (const w of words) {
        const posts = new Set();
        for (const key of chunk.words) {
          if (key.startsWith(w)) for (const p of chunk.terms[key]) posts.add(p);
        }
        hits = hits === null ? posts : new Set([...hits].filter((p) => posts.has(p)));
        if (!hits.size) break;
      }
      for (const p of hits) {
        const [url, title, date, excerpt] = chunk.docs[p];
        const inTitle = words.filter((w) => terms(title).some((t) => t.startsWith(w))).length;
        found.push({ url, title, date, excerpt, inTitle });
      }
    }
    // Titles that match first, then the newest.
    return found.sort((a, b) => b.inTitle - a.inTitle || (b.date > a.date ? 1 : b.date < a.date ? -1 : 0));
  }

  function show(found, query) {
    results.replaceChildren();
    if (found === null) {
      status.textContent = '';
      return;
    }
    // The theme's words in the site's language, on the dialog (English when a
    // template of the site's own leaves them out).
    const words = {
      one: '{count} post for “{query}”', many: '{count} posts for “{query}”', none: 'No post matches “{query}”',
      ...dialog.dataset,
    };
    const said = found.length === 1 ? words.one : found.length ? words.many : words.none;
    status.textContent = said.replace('{count}', found.length).replace('{query}', query);
    for (const hit of found.slice(0, MAX_RESULTS)) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = hit.url;
      link.textContent = hit.title;
      item.append(link);
      if (hit.excerpt) {
        const excerpt = document.createElement('p');
        excerpt.textContent = hit.excerpt;
        item.append(excerpt);
      }
      results.append(item);
    }
  }

  async function update() {
    const query = input.value.trim();
    try {
      const chunks = await load();
      if (input.value.trim() === query) show(search(chunks, query), query);
    } catch {
      index = undefined;
      status.textContent = dialog.dataset.failed || 'The search index could not be loaded.';
    }
  }

  function start() {
    dialog.showModal();
    input.select();
    update();
  }

  open.hidden = false;
  open.addEventListener('click', start);
  // Enter opens the first result; the Esc button (and the Escape key) close.
  dialog.querySelector('.search-close').addEventListener('click', () => dialog.close());
  dialog.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const first = results.querySelector('a');
    if (first) window.location.href = first.href;
  });
  input.addEventListener('input', update);
  document.addEventListener('keydown', (event) => {
    const typing = event.target.closest?.('input, textarea, select, [contenteditable]');
    if (event.key === '/' && !typing && !dialog.open) {
      event.preventDefault();
      start();
    }
  });
})();
