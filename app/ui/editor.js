// The editor: Markdown on the left, the page as the theme renders it on the right,
// the post's settings beside. Nothing typed is lost: every change is kept in this
// browser until the server has it, a stale save shows both versions (and keeps the
// user's until they discard it), and every published or draft version is in the
// revision history. Saving a live post keeps the changes off the site ("unpublished
// changes") until "Update" publishes them.

import { get, post, patch, del, upload, ApiError } from './api.js';
import { clearErrors, h, show, showError, toast } from './dom.js';
import { seoPreview } from './seo.js';
import { toLocalInput, when } from './editor/dates.js';
import { imageDrop } from './image_drop.js';
import { conflictView, revisionList } from './editor/history.js';
import { previewView } from './editor/preview_view.js';
import { publishStep, unpublishStep } from './editor/publish_step.js';
import { readSettings, settingsFields, settingsPanel, statusLine } from './editor/settings.js';
import { formattingToolbar } from './editor/toolbar.js';
import { markdownEditor } from './editor/markdown.js';
import { altOf, markdownAlt } from './editor/card_menu.js';

const FIELDS = ['type', 'slug', 'title', 'status', 'published_at', 'updated_at', 'excerpt', 'tags', 'authors',
  'featured', 'featured_image', 'featured_image_alt', 'featured_image_caption', 'meta_title', 'meta_description', 'canonical_url', 'og_title', 'og_description', 'og_image',
  'twitter_title', 'twitter_description', 'twitter_image', 'codeinjection_head', 'codeinjection_foot', 'aliases', 'markdown'];

const pick = (post) => Object.fromEntries(FIELDS.filter((f) => f in post).map((f) => [f, post[f]]));
// Counted as the site counts them (store/digest.rs `word_count`): runs between
// Unicode white space that hold a letter or a digit.
const words = (text) => text.split(/\p{White_Space}+/u).filter((w) => /[\p{Alphabetic}\p{N}]/u.test(w)).length;

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

export async function editor(id, kind = 'post', me = null) {
  const baseUrl = me?.site?.base_url || location.origin;
  let current = id
    ? await get(`/posts/${id}`)
    : { type: kind, title: '', markdown: '', status: 'draft', tags: [], authors: [], aliases: [], revision: 0 };
  let doc = pick(current.pending ? current.pending.document : current);
  let revision = current.revision;
  // The count of saves of the unpublished changes this editor started from.
  let pendingSaves = current.pending?.saves ?? 0;
  // The live revision the unpublished changes were compared with and are carried
  // over, after they turned out to be made on an older one (sent once, with a save).
  let over = null;
  let dirty = false;
  const isLive = () => current.status === 'published' && !current.trashed;
  // What the server lets this caller do: a contributor saves drafts, and is offered
  // nothing that would be refused.
  const canPublish = me?.can_publish !== false;
  // Editors and up credit anyone; others byline their own posts (the server holds
  // them to it).
  const editsAll = ['editor', 'administrator', 'owner'].includes(me?.role);
  const authorNames = editsAll ? (await get('/authors')).authors.map((a) => a.name) : [];

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
  const text = markdownEditor(doc.markdown || '', {
    changed: () => changed(),
    upload: async (file) => (await uploadImage(file)).url,
    pick: pickFiles,
    ask: (question) => prompt(question)?.trim() || null,
    dropped: (data, event, at) => {
      const file = [...(data?.files || [])].find((f) => f.type.startsWith('image/'));
      if (!file) return false;
      event.preventDefault();
      insertImage(file, at);
      return true;
    },
  });
  // Out of the Tab order (and so is all it shows, see untab): the keyboard crosses
  // from the text to the settings in one press.
  const frame = h('iframe', { class: 'preview', title: 'Preview', sandbox: 'allow-same-origin', tabindex: '-1' });
  const counts = h('span', { class: 'muted', id: 'counts' });
  const state = h('span', { class: 'muted', id: 'save-state' }, !id ? 'New' : current.pending ? 'Saved · unpublished changes' : 'Saved');
  const pendingNote = h('p', { class: 'notice', id: 'pending-note', hidden: !current.pending });
  function showPending(saved) {
    pendingNote.hidden = !saved.pending;
    if (!saved.pending) return;
    const older = saved.pending.base_revision !== saved.revision
      ? `They were made on revision ${saved.pending.base_revision}, and the live post has changed since: Update shows you both first. `
      : '';
    pendingNote.replaceChildren(
      `Unpublished changes, saved ${new Date(saved.pending.saved_at).toLocaleString()} by ${saved.pending.saved_by}: the site shows revision ${saved.revision} until you update it. ${older}`,
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
  const statusText = h('span', { id: 'post-status' });

  const side = settingsFields(doc);
  const progress = h('progress', { max: 1, value: 0, hidden: true });
  const featured = imageDrop(side.featured_image, { id: 'featured', alt: side.featured_image_alt, progress, changed: () => changed() });
  const social = imageDrop(side.og_image, { id: 'social', changed: () => changed() });

  function read() {
    // A pasted title may hold line breaks: a title is one line, however it wraps.
    doc.title = title.value.replace(/\s*\n\s*/g, ' ');
    doc.markdown = text.value;
    readSettings(side, doc);
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

  // The page as publish would render it, in a sandboxed frame (no scripts run), at
  // its own address: it has the site's CSP, fonts and all, not the admin's.
  // Drawn again, it stays where it was, or at the part being typed: the share of the
  // text above the caret, laid over the rendered body.
  let previewUrl = null;
  async function renderPreview() {
    let url = 'about:blank';
    try { ({ url } = await post('/preview', read())); } catch { /* an empty frame */ }
    previewUrl = url;
    const before = frame.contentWindow?.scrollY || 0;
    const typing = text.hasFocus() && text.value.length ? text.caretShare() : null;
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
    // Replaced, not navigated: the Back button leaves the editor, not a preview.
    if (frame.contentWindow && frame.getAttribute('src')) frame.contentWindow.location.replace(url);
    else frame.src = url;
  }
  const refreshPreview = debounce(renderPreview, 400);

  const autosave = debounce(() => save({ quiet: true }), 3000);

  async function save({ quiet = false, publish = false } = {}) {
    autosave.cancel();
    read();
    clearErrors(page);
    try {
      const saved = id
        ? await patch(`/posts/${id}`, { ...doc, revision, pending: pendingSaves, publish, ...(over ? { over } : {}) })
        : await post('/posts', doc);
      localStorage.removeItem(localKey(id));
      dirty = false;
      over = null;
      current = saved;
      revision = saved.revision;
      pendingSaves = saved.pending?.saves ?? 0;
      if (!id) {
        localStorage.removeItem(localKey(null));
        history.replaceState(null, '', `#/edit/${saved.id}`);
        id = saved.id;
      }
      showPending(saved);
      updateButtons();
      state.textContent = saved.pending ? `Saved · revision ${revision} · unpublished changes` : `Saved · revision ${revision}`;
      const asked = side.slug.value;
      side.slug.value = saved.slug;
      if (asked && asked !== saved.slug && saved.status === 'draft') {
        toast(`The address /${asked}/ is taken: this draft is at /${saved.slug}/ until you change it.`);
      } else if (!quiet) toast('Saved.');
      return saved;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.body.current) {
        showConflict(e.body.current, Boolean(e.body.stale));
      } else {
        // At the field it names, and above the text, where the writer looks.
        showError(page, e);
        errors.textContent = e.message;
        errors.hidden = false;
        errors.scrollIntoView({ block: 'nearest' });
        state.textContent = 'Not saved';
      }
      return null;
    }
  }

  // Both versions side by side, title and fields included; the user's stays (here
  // and in this browser) until they discard it, whichever they go on with.
  // `stale`: theirs is the live post, changed since the unpublished changes (mine)
  // were made; keeping mine carries them over it.
  function showConflict(theirs, stale = false) {
    const mine = { ...read() };
    const conflictKey = `${localKey(id)}-conflict`;
    localStorage.setItem(conflictKey, JSON.stringify({ doc: mine, at: Date.now() }));
    const adopt = () => {
      revision = theirs.revision;
      if (stale) {
        over = theirs.revision;
        return;
      }
      pendingSaves = theirs.pending?.saves ?? 0;
      current = theirs;
    };
    conflictView(conflict, {
      mine,
      theirs,
      stale,
      fields: FIELDS,
      keepMine: async (mineText) => {
        adopt();
        text.value = mineText;
        dirty = true;
        conflict.hidden = true;
        if (await save()) localStorage.removeItem(conflictKey);
      },
      takeTheirs: (theirsDoc) => {
        adopt();
        doc = pick(theirsDoc);
        title.value = theirsDoc.title;
        text.value = theirsDoc.markdown;
        localStorage.removeItem(localKey(id));
        state.textContent = `Took revision ${theirs.revision}; your text stays below until you discard it`;
      },
      discard: () => {
        localStorage.removeItem(conflictKey);
        conflict.hidden = true;
      },
    });
    state.textContent = 'Conflict: not saved';
  }

  const where = () => `${baseUrl}/${side.slug.value.trim() || slugify(title.value) || '…'}/`;

  // The publish step: what goes live, where, now or at a date (editor/publish_step.js).
  const dialog = h('dialog', { id: 'publish-dialog', 'aria-labelledby': 'publish-heading' });
  const openPublishStep = () => publishStep(dialog, {
    doc: read(),
    live: isLive(),
    publishedAt: side.published_at.value,
    address: where(),
    goLive,
  });

  // Now (null) or at `date`; then the site is published and the toast links the post.
  // The server publishes the site before it answers: a refused step changes nothing
  // here either.
  async function goLive(date) {
    const wasLive = isLive();
    const before = { status: doc.status, at: side.published_at.value, iso: side.published_at.dataset.iso };
    // To the second: the input shows minutes, the exact time goes with it.
    const at = (d) => { side.published_at.dataset.iso = d.toISOString(); side.published_at.value = toLocalInput(d.toISOString()); };
    if (date) at(date);
    else if (!side.published_at.value || new Date(side.published_at.value) > new Date()) at(new Date());
    read();
    doc.status = date ? 'scheduled' : 'published';
    const saved = await save({ quiet: true, publish: !date });
    if (!saved) {
      doc.status = before.status;
      side.published_at.value = before.at;
      side.published_at.dataset.iso = before.iso;
      return;
    }
    if (!published(saved)) return;
    const verb = date ? 'Scheduled' : wasLive ? 'Updated' : 'Published';
    state.textContent = `${verb} · revision ${revision}`;
    if (date) toast(`Scheduled: “${saved.title}” goes live ${when(date)}.`);
    else toast(`${verb}: “${saved.title}” is live.`, { href: saved.url, label: `View ${saved.type === 'page' ? 'page' : 'post'}` });
  }

  // Whether the publish that came with a save went through; if not, the change is
  // saved and the previous site stays up: said above the text.
  function published(saved) {
    if (!saved.published?.error) return true;
    errors.textContent = `Saved, but the site was not published: ${saved.published.error}`;
    errors.hidden = false;
    state.textContent = 'Saved · not on the site yet';
    return false;
  }

  // Back to a draft, off the site (or off the schedule), once confirmed.
  const unpublish = () => unpublishStep(dialog, {
    doc: read(),
    scheduled: current.status === 'scheduled',
    address: where(),
    takeOff,
  });
  async function takeOff() {
    const was = current.status;
    read();
    doc.status = 'draft';
    const saved = await save({ quiet: true });
    if (!saved) {
      doc.status = was;
      return;
    }
    if (!published(saved)) return;
    state.textContent = `${was === 'scheduled' ? 'Unscheduled' : 'Unpublished'} · revision ${revision}`;
    toast(was === 'scheduled' ? 'Unscheduled: it is a draft again.' : 'Unpublished: it is off the site, a draft again.');
  }

  async function uploadImage(file) {
    progress.hidden = false;
    try {
      return await upload(file, (p) => { progress.value = p; });
    } finally {
      progress.hidden = true;
    }
  }
  // Files for the card menu's image and gallery (an empty list when cancelled).
  function pickFiles(multiple) {
    return new Promise((resolve) => {
      const picker = h('input', { type: 'file', accept: 'image/*', multiple });
      picker.addEventListener('change', () => resolve([...picker.files]));
      picker.addEventListener('cancel', () => resolve([]));
      picker.click();
    });
  }

  // At the caret, or where it was dropped (`at`); the image shows as a card with its
  // alt text and caption.
  async function insertImage(file, at = null) {
    try {
      const stored = await uploadImage(file);
      // The writer goes on typing where the image went, not on the button.
      text.insertBlock(`![${markdownAlt(altOf(file))}](${stored.url})`, at);
      return stored;
    } catch (e) {
      toast(e.message);
      return null;
    }
  }

  const toolbar = formattingToolbar(text, { insertImage, progress });

  // The buttons fit the post's state: nothing to unpublish on a new post, Update on a
  // live one, Unschedule on a scheduled one; Delete sits apart, under the settings.
  const saveButton = h('button', { type: 'button', id: 'save', title: 'Save (Ctrl+S)', 'aria-keyshortcuts': 'Control+S', onclick: () => save() }, 'Save');
  const publishButton = h('button', { type: 'button', id: 'publish', class: 'primary', title: 'Publish (Ctrl+Enter)', 'aria-keyshortcuts': 'Control+Enter', onclick: openPublishStep });
  const unpublishButton = h('button', { type: 'button', id: 'unpublish', onclick: unpublish });
  const revisionsButton = h('button', { type: 'button', id: 'show-revisions', onclick: () => showRevisions() }, 'Revisions');
  const previewButton = h('button', { type: 'button', id: 'preview-button', onclick: async () => {
    refreshPreview.cancel();
    await renderPreview();
    previewView(dialog, { url: previewUrl, card: document.getElementById('seo-social') });
  } }, 'Preview');
  const deleteButton = h('button', { type: 'button', id: 'delete', class: 'danger', onclick: async () => {
    const fromFile = current.source_path
      ? `\n\nIt comes from content/${current.source_path}: it stays in the trash while that file is unchanged. Delete the file too (in Git) to remove it for good; an edit to the file brings it back.`
      : '';
    if (!id || !confirm(`Move this post to the trash?${fromFile}`)) return;
    await del(`/posts/${id}`);
    localStorage.removeItem(localKey(id));
    toast('Moved to the trash.');
    location.hash = '#/trash';
  } }, 'Move to the trash');
  function updateButtons() {
    const scheduled = current.status === 'scheduled' && !current.trashed;
    publishButton.textContent = isLive() ? 'Update' : 'Publish';
    publishButton.hidden = !canPublish;
    saveButton.textContent = !id || current.status === 'draft' ? 'Save draft' : 'Save';
    unpublishButton.hidden = !canPublish || !(isLive() || scheduled);
    live.hidden = !isLive() || !id;
    if (current.url) live.href = current.url;
    statusLine(statusText, current, canPublish);
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

  const revisionsBox = h('section', { id: 'revisions', class: 'card', hidden: true, tabindex: '-1', 'aria-label': 'Revisions' });
  async function showRevisions() {
    if (!id) return;
    const data = await get(`/posts/${id}/revisions`);
    revisionList(revisionsBox, data, {
      id,
      revision,
      pendingSaves,
      hasPending: Boolean(current.pending),
      text: text.value,
      restored: () => {
        localStorage.removeItem(localKey(id));
        editor(id);
      },
      conflict: showConflict,
    });
    // Below the panes: brought into view, the focus on them, or the click would seem
    // to do nothing.
    revisionsBox.scrollIntoView({ block: 'start' });
    revisionsBox.focus({ preventScroll: true });
  }

  const seo = seoPreview({ baseUrl, side, title, text, where });
  const page = h('div', { class: 'editor', 'data-kind': current.type || kind },
    // The title field is the page's heading to the eye; this one names the screen.
    h('h1', { class: 'visually-hidden' }, id ? `Edit “${doc.title || 'Untitled'}”` : `New ${current.type || kind}`),
    h('div', { class: 'row head editor-actions' },
      h('a', { href: current.type === 'page' ? '#/pages' : '#/posts' }, '← All'),
      state, counts, live,
      h('span', { class: 'spacer' }),
      saveButton, unpublishButton, revisionsButton, previewButton, publishButton),
    restoredNote, pendingNote, errors, conflict,
    h('div', { class: 'panes' },
      h('div', { class: 'write' }, title, toolbar.element, text.element),
      frame,
      settingsPanel(side, { status: statusText, featured, social, seo, deleteButton, authorNames, ownOnly: !editsAll })),
    revisionsBox, dialog);

  for (const input of [title, ...Object.values(side)]) input.addEventListener('input', changed);
  page.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key === 's') { e.preventDefault(); save(); }
    else if (mod && e.key === 'Enter' && canPublish) { e.preventDefault(); openPublishStep(); }
  });
  window.onbeforeunload = () => (dirty ? true : undefined);

  show(page);
  grow();
  featured.show();
  seo.update();
  counts.textContent = countLine(text.value, me);
  renderPreview();
}
