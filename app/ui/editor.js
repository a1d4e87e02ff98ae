// The editor: Markdown on the left, the page as the theme renders it on the right,
// the post's settings beside. Nothing typed is lost: every change is kept in this
// browser until the server has it, a stale save shows both versions (and keeps the
// user's until they discard it), and every published or draft version is in the
// revision history. Saving a live post keeps the changes off the site ("unpublished
// changes") until "Update" publishes them.

import { api, get, post, patch, del, upload, adminMedia, ApiError } from './api.js';
import { h, show, field, showError, toast } from './dom.js';
import { seoPreview } from './seo.js';

const FIELDS = ['type', 'slug', 'title', 'status', 'published_at', 'updated_at', 'excerpt', 'tags', 'authors',
  'featured', 'featured_image', 'featured_image_alt', 'featured_image_caption', 'meta_title', 'meta_description', 'canonical_url', 'og_title', 'og_description', 'og_image',
  'twitter_title', 'twitter_description', 'twitter_image', 'codeinjection_head', 'codeinjection_foot', 'aliases', 'markdown'];

const pick = (post) => Object.fromEntries(FIELDS.filter((f) => f in post).map((f) => [f, post[f]]));
const words = (text) => (text.match(/\S+/g) || []).length;

/// "N words · M min read", at the pace the site's pages use (`/me` names it).
function countLine(text, me) {
  const n = words(text);
  const pace = me?.site?.words_per_minute;
  return pace ? `${n} words · ${Math.max(1, Math.ceil(n / pace))} min read` : `${n} words`;
}
const localKey = (id) => `folio-unsaved-${id ?? 'new'}`;

function debounce(fn, ms) {
  let timer;
  const wrapped = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/// The slug the server makes of a title, for Latin scripts (others are left to the
/// server, which transliterates them at save).
export function slugify(title) {
  return title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/ß/g, 'ss').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/// Nothing inside the preview takes the focus: Tab goes from the text to the settings.
function untab(doc) {
  for (const el of doc.querySelectorAll('a[href], button, input, select, textarea, summary, iframe, audio, video, [tabindex], [contenteditable]')) {
    el.setAttribute('tabindex', '-1');
  }
}

/// datetime-local wants local time without a zone.
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/// Lines removed from `before` and added in `after` (a longest-common-subsequence diff,
/// enough for a post), as a collapsed block.
function diffView(before, after) {
  const a = (before || '').split('\n').slice(0, 2000);
  const b = (after || '').split('\n').slice(0, 2000);
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const lines = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { i++; j++; }
    else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) lines.push(h('ins', {}, `+ ${b[j++]}`));
    else lines.push(h('del', {}, `- ${a[i++]}`));
  }
  return h('details', { class: 'diff' },
    h('summary', {}, lines.length ? `${lines.length} lines differ from the text in the editor` : 'the same text as in the editor'),
    h('pre', {}, ...lines.flatMap((l) => [l, '\n'])));
}

export async function editor(id, kind = 'post', me = null) {
  const baseUrl = me?.site?.base_url || location.origin;
  let current = id
    ? await get(`/posts/${id}`)
    : { type: kind, title: '', markdown: '', status: 'draft', tags: [], authors: [], aliases: [], revision: 0 };
  let doc = pick(current.pending ? current.pending.document : current);
  let revision = current.revision;
  // The count of saves of the unpublished changes this editor started from.
  let pendingSaves = current.pending?.saves ?? 0;
  let dirty = false;
  const isLive = () => current.status === 'published' && !current.trashed;

  // Changes this browser kept and the server never got back in.
  const kept = JSON.parse(localStorage.getItem(localKey(id)) || 'null');
  let restoredNote = null;
  if (kept && JSON.stringify(kept.doc) !== JSON.stringify(doc)) {
    doc = { ...doc, ...kept.doc };
    dirty = true;
    restoredNote = h('p', { class: 'notice', id: 'restored' }, `Unsaved changes from ${new Date(kept.at).toLocaleString()} were restored. `,
      h('button', { type: 'button', class: 'link', onclick: () => { localStorage.removeItem(localKey(id)); editor(id, kind); } }, 'Discard them'));
  }

  // A title grows with its text (long titles are not cut), Enter goes to the text.
  const title = h('textarea', { name: 'title', class: 'title', placeholder: 'Title', rows: 1, 'aria-label': 'Title', autofocus: true }, doc.title || '');
  const grow = () => { title.style.height = 'auto'; title.style.height = `${title.scrollHeight + title.offsetHeight - title.clientHeight}px`; };
  title.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); text.focus(); } });
  const text = h('textarea', { name: 'markdown', id: 'markdown', class: 'markdown', spellcheck: 'true', 'aria-label': 'Markdown' }, doc.markdown || '');
  // Out of the Tab order (and so is all it shows, see untab): the keyboard crosses
  // from the text to the settings in one press.
  const frame = h('iframe', { class: 'preview', title: 'Preview', sandbox: 'allow-same-origin', tabindex: '-1' });
  const counts = h('span', { class: 'muted', id: 'counts' });
  const state = h('span', { class: 'muted', id: 'save-state' }, !id ? 'New' : current.pending ? 'Saved · unpublished changes' : 'Saved');
  const pendingNote = h('p', { class: 'notice', id: 'pending-note', hidden: !current.pending });
  function showPending(saved) {
    pendingNote.hidden = !saved.pending;
    if (!saved.pending) return;
    pendingNote.replaceChildren(
      `Unpublished changes, saved ${new Date(saved.pending.saved_at).toLocaleString()} by ${saved.pending.saved_by}: the site shows revision ${saved.revision} until you update it. `,
      h('button', { type: 'button', class: 'link', onclick: async () => {
        if (!confirm('Discard the unpublished changes? The live version stays.')) return;
        await del(`/posts/${id}/pending`);
        localStorage.removeItem(localKey(id));
        editor(id, kind);
      } }, 'Discard them'));
  }
  showPending(current);
  const live = h('a', { id: 'live-link', target: '_blank', rel: 'noopener', hidden: !(current.status === 'published' && id) }, 'View the live page');
  const conflict = h('section', { id: 'conflict', class: 'card conflict', hidden: true });
  const errors = h('p', { class: 'error form-error', role: 'alert', hidden: true });

  const side = {
    slug: h('input', { name: 'slug', value: doc.slug || '' }),
    tags: h('input', { name: 'tags', value: (doc.tags || []).join(', '), placeholder: 'Rust, Notes' }),
    excerpt: h('textarea', { name: 'excerpt', rows: 3 }, doc.excerpt || ''),
    featured_image: h('input', { name: 'featured_image', value: doc.featured_image || '', placeholder: '/images/…' }),
    featured_image_alt: h('input', { name: 'featured_image_alt', value: doc.featured_image_alt || '' }),
    featured_image_caption: h('input', { name: 'featured_image_caption', value: doc.featured_image_caption || '' }),
    featured: h('input', { name: 'featured', type: 'checkbox', checked: Boolean(doc.featured) }),
    status: h('select', { name: 'status' }, ...['draft', 'scheduled', 'published'].map((s) => h('option', { value: s, selected: s === doc.status }, s))),
    published_at: h('input', { name: 'published_at', type: 'datetime-local', step: 60, value: toLocalInput(doc.published_at) }),
    meta_title: h('input', { name: 'meta_title', value: doc.meta_title || '' }),
    meta_description: h('textarea', { name: 'meta_description', rows: 2 }, doc.meta_description || ''),
    og_image: h('input', { name: 'og_image', value: doc.og_image || '' }),
  };
  const progress = h('progress', { max: 1, value: 0, hidden: true });
  const featuredUpload = h('input', { type: 'file', accept: 'image/*', id: 'featured-upload' });
  const thumbnail = h('img', { alt: '', id: 'featured-thumbnail', hidden: true });
  const dropText = h('span', {});
  const removeFeatured = h('button', { type: 'button', class: 'link', onclick: () => { side.featured_image.value = ''; showFeatured(); changed(); } }, 'Remove the image');
  const dropzone = h('label', { class: 'dropzone', id: 'featured-drop', for: 'featured-upload' }, thumbnail, dropText, featuredUpload);
  function showFeatured() {
    const url = side.featured_image.value.trim();
    const src = adminMedia(url);
    thumbnail.hidden = !src;
    if (src) thumbnail.src = src;
    removeFeatured.hidden = !url;
    dropText.textContent = url ? (src ? 'Drop another image here, or choose one' : `${url} (shown on the site)`) : 'Drop an image here, or choose one';
  }
  async function setFeatured(file) {
    if (!file || !file.type.startsWith('image/')) { toast('Choose an image file (JPEG, PNG, WebP or GIF).'); return; }
    progress.hidden = false;
    try {
      const stored = await upload(file, (p) => { progress.value = p; });
      side.featured_image.value = stored.url;
      if (!side.featured_image_alt.value) side.featured_image_alt.focus();
      showFeatured();
      changed();
    } catch (e) { toast(e.message); } finally { progress.hidden = true; }
  }
  dropzone.addEventListener('dragover', (e) => { e.preventDefault(); dropzone.classList.add('over'); });
  dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
  dropzone.addEventListener('drop', (e) => { e.preventDefault(); dropzone.classList.remove('over'); setFeatured(e.dataTransfer?.files[0]); });

  function read() {
    const opt = (v) => (v.trim() === '' ? null : v);
    // A pasted title may hold line breaks: a title is one line, however it wraps.
    doc.title = title.value.replace(/\s*\n\s*/g, ' ');
    doc.markdown = text.value;
    doc.slug = side.slug.value.trim();
    doc.tags = side.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
    doc.excerpt = opt(side.excerpt.value);
    doc.featured_image = opt(side.featured_image.value);
    doc.featured_image_alt = opt(side.featured_image_alt.value);
    doc.featured_image_caption = opt(side.featured_image_caption.value);
    doc.featured = side.featured.checked;
    doc.status = side.status.value;
    doc.published_at = side.published_at.value ? new Date(side.published_at.value).toISOString() : null;
    doc.meta_title = opt(side.meta_title.value);
    doc.meta_description = opt(side.meta_description.value);
    doc.og_image = opt(side.og_image.value);
    return doc;
  }

  // The slug follows the title while nobody chose one and the post was never live
  // (a live address changing would need a redirect).
  let derivedFrom = doc.title || '';
  const slugFollows = () => !side.slug.dataset.chosen && current.status !== 'published'
    && (side.slug.value === '' || side.slug.value === slugify(derivedFrom));
  function changed(event) {
    if (event?.target === title) {
      grow();
      if (slugFollows()) side.slug.value = slugify(title.value);
      derivedFrom = title.value;
    }
    if (event?.target === side.slug) side.slug.dataset.chosen = side.slug.value ? 'yes' : '';
    read();
    seo.update();
    dirty = true;
    state.textContent = 'Unsaved changes';
    localStorage.setItem(localKey(id), JSON.stringify({ doc, at: Date.now() }));
    counts.textContent = countLine(text.value, me);
    refreshPreview();
    // Drafts, and a live post's unpublished changes: neither reaches the site.
    if (id && doc.status === current.status && (doc.status === 'draft' || isLive())) autosave();
  }

  // The page as publish would render it, in a sandboxed frame (no scripts run).
  // Drawn again, it stays where it was, or at the part being typed: the share of the
  // text above the caret, laid over the rendered body.
  async function renderPreview() {
    let html = '';
    try { html = await api('POST', '/preview', read(), { raw: true }); } catch { /* an empty frame */ }
    const before = frame.contentWindow?.scrollY || 0;
    const typing = document.activeElement === text && text.value.length
      ? text.value.slice(0, text.selectionStart).split('\n').length / text.value.split('\n').length
      : null;
    frame.onload = () => {
      const win = frame.contentWindow;
      const page = frame.contentDocument;
      if (!win || !page) return;
      untab(page);
      if (typing === null) { win.scrollTo(0, before); return; }
      const body = page.querySelector('.content') || page.body;
      const top = body.getBoundingClientRect().top + win.scrollY;
      win.scrollTo(0, Math.max(0, top + typing * body.scrollHeight - win.innerHeight / 2));
    };
    frame.srcdoc = html;
  }
  const refreshPreview = debounce(renderPreview, 400);

  const autosave = debounce(() => save({ quiet: true }), 3000);

  async function save({ quiet = false, publish = false } = {}) {
    autosave.cancel();
    read();
    errors.hidden = true;
    try {
      const saved = id
        ? await patch(`/posts/${id}`, { ...doc, revision, pending: pendingSaves, publish })
        : await post('/posts', doc);
      localStorage.removeItem(localKey(id));
      dirty = false;
      current = saved;
      revision = saved.revision;
      pendingSaves = saved.pending?.saves ?? 0;
      showPending(saved);
      updateButtons();
      state.textContent = saved.pending ? `Saved · revision ${revision} · unpublished changes` : `Saved · revision ${revision}`;
      live.hidden = saved.status !== 'published';
      live.href = saved.url;
      if (!id) {
        localStorage.removeItem(localKey(null));
        history.replaceState(null, '', `#/edit/${saved.id}`);
        id = saved.id;
      }
      side.slug.value = saved.slug;
      if (!quiet) toast('Saved.');
      return saved;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.body.current) {
        showConflict(e.body.current);
      } else {
        const target = showError(page, e) || errors;
        target.hidden = false;
        target.textContent = target.textContent || e.message;
        state.textContent = 'Not saved';
      }
      return null;
    }
  }

  // Both versions side by side, title and fields included; the user's stays (here
  // and in this browser) until they discard it, whichever they go on with.
  function showConflict(theirs) {
    const mine = { ...read() };
    const theirsDoc = theirs.pending ? theirs.pending.document : theirs;
    const conflictKey = `${localKey(id)}-conflict`;
    localStorage.setItem(conflictKey, JSON.stringify({ doc: mine, at: Date.now() }));
    const adopt = () => {
      revision = theirs.revision;
      pendingSaves = theirs.pending?.saves ?? 0;
      current = theirs;
    };
    const fieldsOf = (d) => FIELDS.filter((f) => f !== 'markdown' && JSON.stringify(d[f] ?? null) !== JSON.stringify(mine[f] ?? null))
      .map((f) => `${f}: ${JSON.stringify(d[f] ?? null)}`).join('\n');
    const mineText = h('textarea', { id: 'conflict-mine', rows: 8 }, mine.markdown);
    const buttons = h('div', { class: 'row' },
      h('button', { type: 'button', class: 'primary', onclick: async () => {
        adopt();
        text.value = mineText.value;
        conflict.hidden = true;
        if (await save()) localStorage.removeItem(conflictKey);
      } }, 'Keep mine (as a new revision)'),
      h('button', { type: 'button', onclick: () => {
        adopt();
        doc = pick(theirsDoc);
        title.value = theirsDoc.title;
        text.value = theirsDoc.markdown;
        localStorage.removeItem(localKey(id));
        state.textContent = `Took revision ${theirs.revision}; your text stays below until you discard it`;
        buttons.replaceChildren(h('button', { type: 'button', class: 'danger', onclick: () => {
          localStorage.removeItem(conflictKey);
          conflict.hidden = true;
        } }, 'Discard my text'));
      } }, 'Take theirs'));
    conflict.hidden = false;
    conflict.replaceChildren(
      h('h2', {}, 'Someone else saved this post meanwhile'),
      h('p', {}, `Their version is revision ${theirs.revision}${theirs.pending ? ` with unpublished changes by ${theirs.pending.saved_by}` : ''}. Nothing was overwritten: both are here; edit yours to merge.`),
      h('div', { class: 'split' },
        field('Their title', h('input', { id: 'conflict-theirs-title', readonly: true, value: theirsDoc.title })),
        field('Your title', h('input', { id: 'conflict-mine-title', readonly: true, value: mine.title }))),
      h('div', { class: 'split' },
        field('Their text', h('textarea', { id: 'conflict-theirs', readonly: true, rows: 8 }, theirsDoc.markdown)),
        field('Your text', mineText)),
      fieldsOf(theirsDoc) ? h('div', { class: 'split' },
        field('Their other fields', h('textarea', { readonly: true, rows: 3 }, fieldsOf(theirsDoc))),
        field('Yours', h('textarea', { readonly: true, rows: 3 }, FIELDS.filter((f) => f !== 'markdown' && JSON.stringify(theirsDoc[f] ?? null) !== JSON.stringify(mine[f] ?? null)).map((f) => `${f}: ${JSON.stringify(mine[f] ?? null)}`).join('\n')))) : null,
      buttons);
    state.textContent = 'Conflict: not saved';
    conflict.scrollIntoView();
  }

  const where = () => `${baseUrl}/${side.slug.value.trim() || slugify(title.value) || '…'}/`;
  const when = (d) => d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  // The publish step, as in Ghost's: what goes live (which post, at which address), now
  // or at a date, confirmed before anything reaches the site.
  const dialog = h('dialog', { id: 'publish-dialog', 'aria-labelledby': 'publish-heading' });
  function publishStep() {
    read();
    const live = isLive();
    const date = side.published_at.value ? new Date(side.published_at.value) : null;
    const later = !live && date && date > new Date();
    const nowChoice = h('input', { type: 'radio', name: 'when', value: 'now', checked: !later });
    const laterChoice = h('input', { type: 'radio', name: 'when', value: 'later', checked: Boolean(later) });
    const at = h('input', { type: 'datetime-local', step: 60, 'aria-label': 'Publish on', value: later ? side.published_at.value : toLocalInput(new Date(Date.now() + 3_600_000).toISOString()) });
    const confirmButton = h('button', { type: 'submit', class: 'primary', id: 'publish-confirm', autofocus: true });
    const label = () => { confirmButton.textContent = live ? 'Update' : laterChoice.checked ? 'Schedule' : 'Publish now'; };
    for (const el of [nowChoice, laterChoice]) el.addEventListener('change', label);
    at.addEventListener('focus', () => { laterChoice.checked = true; label(); });
    label();
    const what = doc.type === 'page' ? 'page' : 'post';
    const form = h('form', { method: 'dialog' },
      h('h2', { id: 'publish-heading' }, live ? `Update the live ${what}?` : `Ready to publish this ${what}?`),
      h('p', {}, h('strong', {}, `“${doc.title || 'Untitled'}”`), live ? ' changes for readers at once, at' : ' goes live at'),
      h('p', { class: 'live-url' }, where()),
      h('p', { class: 'muted' }, live ? 'The revision history keeps the version readers see now.'
        : what === 'page' ? 'A page is not listed on the home page or in the feed.' : `It shows on the home page${doc.tags?.length ? `, on ${doc.tags.filter((t) => !t.startsWith('#')).map((t) => `#${t}`).join(', ') || 'its tags'}` : ''} and in the feed.`),
      live ? null : h('fieldset', { class: 'when' }, h('legend', {}, 'When'),
        h('label', { class: 'check' }, nowChoice, 'Now'),
        h('label', { class: 'check' }, laterChoice, 'Later, on'), at),
      h('div', { class: 'actions' }, confirmButton, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!live && laterChoice.checked) {
        if (!at.value || new Date(at.value) <= new Date()) { toast('Choose a date to come.'); at.focus(); return; }
        dialog.close();
        goLive(new Date(at.value));
      } else {
        dialog.close();
        goLive(null);
      }
    });
    dialog.replaceChildren(form);
    dialog.showModal();
  }

  // Now (null) or at `date`; then the site is published and the toast links the post.
  async function goLive(date) {
    const wasLive = isLive();
    side.status.value = date ? 'scheduled' : 'published';
    if (date) side.published_at.value = toLocalInput(date.toISOString());
    else if (!side.published_at.value || new Date(side.published_at.value) > new Date()) side.published_at.value = toLocalInput(new Date().toISOString());
    const saved = await save({ quiet: true, publish: !date });
    if (!saved) return;
    try {
      await post('/publish');
      const verb = date ? 'Scheduled' : wasLive ? 'Updated' : 'Published';
      state.textContent = `${verb} · revision ${revision}`;
      if (date) toast(`Scheduled: “${saved.title}” goes live ${when(date)}.`);
      else toast(`${verb}: “${saved.title}” is live.`, { href: saved.url, label: `View ${saved.type === 'page' ? 'page' : 'post'}` });
      live.hidden = Boolean(date);
      live.href = saved.url;
      updateButtons();
    } catch (e) {
      errors.hidden = false;
      errors.textContent = e.message;
    }
  }

  // Back to a draft: off the site (or off the schedule).
  async function unpublish() {
    const was = current.status;
    side.status.value = 'draft';
    const saved = await save({ quiet: true });
    if (!saved) return;
    try {
      await post('/publish');
      state.textContent = `${was === 'scheduled' ? 'Unscheduled' : 'Unpublished'} · revision ${revision}`;
      toast(was === 'scheduled' ? 'Unscheduled: it is a draft again.' : 'Unpublished: it is off the site, a draft again.');
      live.hidden = true;
      updateButtons();
    } catch (e) {
      errors.hidden = false;
      errors.textContent = e.message;
    }
  }

  async function insertImage(file) {
    progress.hidden = false;
    try {
      const stored = await upload(file, (p) => { progress.value = p; });
      const at = text.selectionStart;
      const snippet = `![${file.name.replace(/\.[^.]+$/, '')}](${stored.url})`;
      text.setRangeText(snippet, at, text.selectionEnd, 'end');
      changed();
      return stored;
    } catch (e) {
      toast(e.message);
      return null;
    } finally {
      progress.hidden = true;
    }
  }

  function wrap(before, after = before, placeholder = 'text') {
    const { selectionStart: s, selectionEnd: e, value } = text;
    const inner = value.slice(s, e) || placeholder;
    text.setRangeText(`${before}${inner}${after}`, s, e, 'select');
    text.focus();
    changed();
  }
  function linePrefix(prefix) {
    const s = text.value.lastIndexOf('\n', text.selectionStart - 1) + 1;
    text.setRangeText(prefix, s, s, 'end');
    text.focus();
    changed();
  }
  const picker = h('input', { type: 'file', accept: 'image/*', hidden: true, onchange: () => picker.files[0] && insertImage(picker.files[0]) });
  // One Tab stop; the arrow keys (and Home, End) move between its buttons.
  const tool = (label, title, action) => h('button', { type: 'button', title, 'aria-label': title.replace(/ \(.*\)$/, ''), tabindex: '-1', onclick: action }, label);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'markdown' },
    tool(h('b', {}, 'B'), 'Bold (Ctrl+B)', () => wrap('**')),
    tool(h('i', {}, 'I'), 'Italic (Ctrl+I)', () => wrap('*')),
    tool('H', 'Heading', () => linePrefix('## ')),
    tool('Link', 'Link', () => wrap('[', '](https://)', 'link')),
    tool('</>', 'Code', () => wrap('`')),
    tool('•', 'List', () => linePrefix('- ')),
    tool('❝', 'Quote', () => linePrefix('> ')),
    tool('Image', 'Image', () => picker.click()), picker, progress);
  const tools = [...toolbar.querySelectorAll('button')];
  tools[0].tabIndex = 0;
  toolbar.addEventListener('keydown', (e) => {
    const at = tools.indexOf(document.activeElement);
    if (at < 0) return;
    const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: tools.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const to = (next + tools.length) % tools.length;
    tools[at].tabIndex = -1;
    tools[to].tabIndex = 0;
    tools[to].focus();
  });

  // The buttons fit the post's state: nothing to unpublish on a new post, Update on a
  // live one, Unschedule on a scheduled one; Delete sits apart, under the settings.
  const saveButton = h('button', { type: 'button', id: 'save', title: 'Save (Ctrl+S)', 'aria-keyshortcuts': 'Control+S', onclick: () => save() }, 'Save');
  const publishButton = h('button', { type: 'button', id: 'publish', class: 'primary', title: 'Publish (Ctrl+Enter)', 'aria-keyshortcuts': 'Control+Enter', onclick: publishStep });
  const unpublishButton = h('button', { type: 'button', id: 'unpublish', onclick: unpublish });
  const revisionsButton = h('button', { type: 'button', id: 'show-revisions', onclick: () => showRevisions() }, 'Revisions');
  const deleteButton = h('button', { type: 'button', id: 'delete', class: 'danger', onclick: async () => {
    const fromFile = current.source_path
      ? `\n\nIt comes from content/${current.source_path}: it stays in the trash while that file is unchanged. Delete the file too (in Git) to remove it for good; an edit to the file brings it back.`
      : '';
    if (!id || !confirm(`Move this post to the trash?${fromFile}`)) return;
    await del(`/posts/${id}`);
    await post('/publish').catch(() => null);
    localStorage.removeItem(localKey(id));
    toast('Moved to the trash.');
    location.hash = '#/trash';
  } }, 'Move to the trash');
  function updateButtons() {
    const scheduled = current.status === 'scheduled' && !current.trashed;
    publishButton.textContent = isLive() ? 'Update' : 'Publish';
    saveButton.textContent = !id || current.status === 'draft' ? 'Save draft' : 'Save';
    unpublishButton.hidden = !(isLive() || scheduled);
    unpublishButton.textContent = scheduled ? 'Unschedule' : 'Unpublish';
    revisionsButton.hidden = !id;
    deleteButton.hidden = !id;
  }
  updateButtons();

  // A tab learns, when it comes back into view, that the post changed elsewhere.
  window.onfocus = async () => {
    if (!id || !document.body.contains(page)) return;
    const now = await get(`/posts/${id}`).catch(() => null);
    if (!now || (now.revision === revision && (now.pending?.saves ?? 0) === pendingSaves)) return;
    if (dirty) {
      state.textContent = `Changed elsewhere (revision ${now.revision}): saving will show both versions`;
    } else {
      editor(id, kind);
    }
  };

  const revisionsBox = h('section', { id: 'revisions', class: 'card', hidden: true });
  async function showRevisions() {
    if (!id) return;
    const data = await get(`/posts/${id}/revisions`);
    revisionsBox.hidden = false;
    revisionsBox.replaceChildren(h('h2', {}, 'Revisions'),
      h('ul', { class: 'revisions' }, data.revisions.map((r) => h('li', { 'data-revision': r.number },
        `#${r.number} · ${new Date(r.created_at).toLocaleString()} · ${r.origin} · “${r.document.title}” `,
        r.number === revision ? h('em', {}, current.pending ? 'live' : 'current') : h('button', { type: 'button', onclick: async () => {
          if (!confirm(`Restore the content of revision #${r.number} (title, text, excerpt, tags, fields)? The status and publish date stay as they are.`)) return;
          try {
            const restored = await post(`/posts/${id}/revisions/${r.number}/restore`, { revision, pending: pendingSaves });
            toast(`Revision ${r.number} restored as revision ${restored.revision}.`);
            localStorage.removeItem(localKey(id));
            editor(id);
          } catch (e) {
            if (e instanceof ApiError && e.status === 409) showConflict(e.body.current);
            else toast(e.message);
          }
        } }, 'Restore'),
        r.number === revision ? null : diffView(r.document.markdown, text.value)))));
  }

  const seo = seoPreview({ baseUrl, side, title, text, where });
  const page = h('div', { class: 'editor', 'data-kind': current.type || kind },
    // The title field is the page's heading to the eye; this one names the screen.
    h('h1', { class: 'visually-hidden' }, id ? `Edit “${doc.title || 'Untitled'}”` : `New ${current.type || kind}`),
    h('div', { class: 'row head editor-actions' },
      h('a', { href: current.type === 'page' ? '#/pages' : '#/posts' }, '← All'),
      state, counts, live,
      h('span', { class: 'spacer' }),
      saveButton, unpublishButton, revisionsButton, publishButton),
    restoredNote, pendingNote, errors, conflict,
    h('div', { class: 'panes' },
      h('div', { class: 'write' }, title, toolbar, text),
      frame,
      h('aside', { class: 'side', 'aria-label': 'Post settings' },
        field('URL slug', side.slug, 'Made from the title until you change it.'),
        field('Tags', side.tags, 'Comma-separated; the first is the primary tag.'),
        field('Excerpt', side.excerpt),
        h('div', { class: 'field' }, h('span', { class: 'label', id: 'featured-label' }, h('strong', {}, 'Featured image')), dropzone, removeFeatured),
        field('Featured image URL', side.featured_image),
        field('Featured image alt text', side.featured_image_alt, 'What the image shows, for readers who cannot see it.'),
        field('Featured image caption', side.featured_image_caption, 'Markdown: a link to the photographer is fine.'),
        h('label', { class: 'check' }, side.featured, 'Featured post'),
        field('Status', side.status),
        field('Publish date', side.published_at, 'To the minute, in your time zone. Publish → Later schedules it.'),
        h('details', { id: 'seo' }, h('summary', {}, 'SEO and social'), seo.view,
          field('Meta title', side.meta_title), seo.titleCount,
          field('Meta description', side.meta_description), seo.descriptionCount,
          field('Social image', side.og_image)),
        h('div', { class: 'danger-zone' }, deleteButton))),
    revisionsBox, dialog);

  featuredUpload.addEventListener('change', () => setFeatured(featuredUpload.files[0]));
  side.featured_image.addEventListener('change', showFeatured);
  for (const input of [title, text, ...Object.values(side)]) input.addEventListener('input', changed);
  text.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith('image/'));
    if (file) { e.preventDefault(); insertImage(file); }
  });
  text.addEventListener('dragover', (e) => e.preventDefault());
  text.addEventListener('drop', (e) => {
    const file = [...(e.dataTransfer?.files || [])].find((f) => f.type.startsWith('image/'));
    if (file) { e.preventDefault(); insertImage(file); }
  });
  page.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key === 's') { e.preventDefault(); save(); }
    else if (mod && e.key === 'Enter') { e.preventDefault(); publishStep(); }
    else if (mod && e.key === 'b' && e.target === text) { e.preventDefault(); wrap('**'); }
    else if (mod && e.key === 'i' && e.target === text) { e.preventDefault(); wrap('*'); }
  });
  window.onbeforeunload = () => (dirty ? true : undefined);

  show(page);
  grow();
  showFeatured();
  seo.update();
  counts.textContent = countLine(text.value, me);
  if (id) live.href = current.url;
  renderPreview();
}
