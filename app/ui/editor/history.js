// A post's history in the editor: its revisions with what each changed against the
// text being edited, and restoring one; a stale save's conflict, both versions side
// by side.

import { post, ApiError } from '../api.js';
import { h, field, toast } from '../dom.js';

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

/// The revisions of post `id` (`data`, from the API) in `box`: the current one
/// (`revision`) marked, each other with its diff against `text` and a Restore button.
/// `restored` runs after a restore, `conflict` with the post when it moved on.
/// With Git, also the file's versions in Git (`data.git`: each person's commits, which
/// a new server has too), each restorable the same way.
export function revisionList(box, data, { id, revision, pendingSaves, hasPending, text, restored, conflict }) {
  box.hidden = false;
  const restore = (label, path) => h('button', { type: 'button', onclick: async () => {
    if (!confirm(`Restore the content of ${label} (title, text, excerpt, tags, fields)? The status and publish date stay as they are.`)) return;
    try {
      const done = await post(path, { revision, pending: pendingSaves });
      toast(`${label[0].toUpperCase()}${label.slice(1)} restored as revision ${done.revision}.`);
      restored();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) conflict(e.body.current);
      else toast(e.message);
    }
  } }, 'Restore');
  const inGit = (data.git || []).length ? [h('h3', {}, 'In Git'),
    h('ul', { class: 'revisions', id: 'git-history' }, data.git.map((v) => h('li', { 'data-commit': v.commit },
      `${v.commit.slice(0, 10)} · ${new Date(v.at).toLocaleString()} · ${v.author} · ${v.summary} `,
      v.document ? restore(`commit ${v.commit.slice(0, 10)}`, `/posts/${id}/history/${v.commit}/restore`) : h('em', {}, 'removed'),
      v.document ? diffView(v.document.markdown, text) : null)))] : [];
  box.replaceChildren(h('h2', {}, 'Revisions'),
    h('ul', { class: 'revisions' }, data.revisions.map((r) => h('li', { 'data-revision': r.number },
      `#${r.number} · ${new Date(r.created_at).toLocaleString()} · ${r.origin} · “${r.document.title}” `,
      r.number === revision ? h('em', {}, hasPending ? 'live' : 'current') : restore(`revision #${r.number}`, `/posts/${id}/revisions/${r.number}/restore`),
      r.number === revision ? null : diffView(r.document.markdown, text)))),
    ...inGit);
}

/// Both versions side by side in `box`, title and fields (of `fields`) included:
/// `mine` (what the editor holds) and `theirs` (the post as it is now; with `stale`,
/// the live post, changed since the unpublished changes `mine` were made). `keepMine`
/// gets the text to save over theirs; `takeTheirs` their document; `discard` drops
/// the kept copy of mine.
export function conflictView(box, { mine, theirs, stale, fields, keepMine, takeTheirs, discard }) {
  const theirsDoc = theirs.pending ? theirs.pending.document : theirs;
  const differing = (d) => fields.filter((f) => f !== 'markdown' && JSON.stringify(theirsDoc[f] ?? null) !== JSON.stringify(mine[f] ?? null))
    .map((f) => `${f}: ${JSON.stringify(d[f] ?? null)}`).join('\n');
  const mineText = h('textarea', { id: 'conflict-mine', rows: 8 }, mine.markdown);
  const buttons = h('div', { class: 'row' },
    h('button', { type: 'button', class: 'primary', onclick: () => keepMine(mineText.value) }, stale ? 'Keep mine (still unpublished)' : 'Keep mine (as a new revision)'),
    h('button', { type: 'button', onclick: () => {
      takeTheirs(theirsDoc);
      buttons.replaceChildren(h('button', { type: 'button', class: 'danger', onclick: discard }, 'Discard my text'));
    } }, 'Take theirs'));
  box.hidden = false;
  box.replaceChildren(
    h('h2', {}, stale ? 'The live post changed since these unpublished changes' : 'Someone else saved this post meanwhile'),
    h('p', {}, stale
      ? `The live post is revision ${theirs.revision}; your unpublished changes were made on an older one, so Update would undo what changed since. Nothing was published: both are here; edit yours to merge, keep it, then Update.`
      : `Their version is revision ${theirs.revision}${theirs.pending ? ` with unpublished changes by ${theirs.pending.saved_by}` : ''}. Nothing was overwritten: both are here; edit yours to merge.`),
    h('div', { class: 'split' },
      field('Their title', h('input', { id: 'conflict-theirs-title', readonly: true, value: theirsDoc.title })),
      field('Your title', h('input', { id: 'conflict-mine-title', readonly: true, value: mine.title }))),
    h('div', { class: 'split' },
      field('Their text', h('textarea', { id: 'conflict-theirs', readonly: true, rows: 8 }, theirsDoc.markdown)),
      field('Your text', mineText)),
    differing(theirsDoc) ? h('div', { class: 'split' },
      field('Their other fields', h('textarea', { readonly: true, rows: 3 }, differing(theirsDoc))),
      field('Yours', h('textarea', { readonly: true, rows: 3 }, differing(mine)))) : null,
    buttons);
  box.scrollIntoView();
}
