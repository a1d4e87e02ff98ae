// The card menu: "/" at the start of an empty line (or the toolbar's "+") offers
// Ghost's cards, each inserted in the form the site renders: Markdown where Markdown
// says it (an image with its caption, code, a divider, a callout as a quote), Ghost's
// card HTML where it does not (a gallery, a button, an embedded player).

import { startCompletion } from '../vendor/codemirror.js';

const escapeHtml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/// The alt text an image starts with: its file's name in words (the writer changes it
/// in the image's card).
export const altOf = (file) => file.name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
/// Alt text as Markdown writes it (brackets and backslashes escaped).
export const markdownAlt = (text) => text.replace(/([\\[\]])/g, '\\$1');

/// The player address of a YouTube or Vimeo link, or null.
export function playerOf(address) {
  let url;
  try { url = new URL(address); } catch { return null; }
  const host = url.hostname.replace(/^(www|m)\./, '');
  const youtube = host === 'youtu.be' ? url.pathname.slice(1)
    : host === 'youtube.com' ? (url.searchParams.get('v') || url.pathname.match(/^\/(?:embed|shorts)\/([\w-]+)/)?.[1]) : null;
  if (youtube && /^[\w-]+$/.test(youtube)) return { src: `https://www.youtube-nocookie.com/embed/${youtube}`, title: 'YouTube video' };
  const vimeo = host === 'vimeo.com' && url.pathname.match(/^\/(\d+)/)?.[1];
  if (vimeo) return { src: `https://player.vimeo.com/video/${vimeo}`, title: 'Vimeo video' };
  return null;
}

function gallery(urls) {
  const rows = [];
  for (let i = 0; i < urls.length; i += 3) rows.push(urls.slice(i, i + 3));
  const row = (images) => `<div class="kg-gallery-row">${images.map((u) => `<div class="kg-gallery-image"><img src="${escapeHtml(u.url)}" alt="${escapeHtml(u.alt)}"></div>`).join('')}</div>`;
  return `<figure class="kg-card kg-gallery-card kg-width-wide"><div class="kg-gallery-container">\n${rows.map(row).join('\n')}\n</div></figure>`;
}

/// The cards, each with what it inserts: text (with `|` where the caret goes), or a
/// promise of it (after an upload or a question).
function cards({ pick, upload, ask }) {
  const uploads = async (multiple) => {
    const files = await pick(multiple);
    const stored = [];
    for (const file of files) stored.push({ url: await upload(file), alt: altOf(file) });
    return stored;
  };
  return [
    { label: 'Image', detail: 'upload, with alt text and caption', insert: async () => {
      const [image] = await uploads(false);
      return image ? `![${markdownAlt(image.alt)}](${image.url})|` : null;
    } },
    { label: 'Gallery', detail: 'several images in rows', insert: async () => {
      const images = await uploads(true);
      return images.length ? `${gallery(images)}|` : null;
    } },
    { label: 'Bookmark', detail: 'a link with its title and description', insert: () => {
      const address = ask('The address to bookmark');
      return address ? `[|Title of the page](${address})\\\nWhat the page is about.` : null;
    } },
    { label: 'Callout', detail: 'a highlighted note', insert: () => '> [!NOTE]\n> 💡 |' },
    { label: 'Toggle', detail: 'a heading that opens to its text', insert: () => '<details class="kg-card kg-toggle-card">\n<summary>|A question</summary>\n<p>Its answer.</p>\n</details>' },
    { label: 'Button', detail: 'a link as a button', insert: () => {
      const address = ask('Where the button goes');
      return address ? `<div class="kg-card kg-button-card kg-align-center"><a href="${escapeHtml(address)}" class="kg-btn kg-btn-accent">|Read more</a></div>` : null;
    } },
    { label: 'Embed', detail: 'YouTube, Vimeo, or a link', insert: () => {
      const address = ask('The address of the video or page');
      if (!address) return null;
      const player = playerOf(address);
      return player
        ? `<figure class="kg-card kg-embed-card"><iframe src="${player.src}" title="${player.title}" width="560" height="315" frameborder="0" loading="lazy" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe></figure>|`
        : `[|${address}](${address})`;
    } },
    { label: 'Code', detail: 'a block of code', insert: () => '```\n|\n```' },
    { label: 'Divider', detail: 'a line across', insert: () => '---\n\n|' },
    { label: 'HTML', detail: 'your own HTML', insert: () => '<div>\n|\n</div>' },
  ];
}

/// Puts `text` where the "/" line is, a block of its own (blank lines around it), the
/// caret at its `|`.
function place(view, from, to, text) {
  const { doc } = view.state;
  const line = doc.lineAt(from);
  const br = view.state.lineBreak;
  const before = line.number > 1 && doc.line(line.number - 1).text.trim() ? br : '';
  const after = line.number < doc.lines && doc.line(line.number + 1).text.trim() ? br : '';
  const caret = text.replace(/\n/g, view.state.lineBreak).indexOf('|');
  const clean = text.replace('|', '').replace(/\n/g, view.state.lineBreak);
  view.dispatch({
    changes: { from, to, insert: `${before}${clean}${after}` },
    selection: { anchor: from + before.length + (caret < 0 ? clean.length : caret) },
    userEvent: 'input.card',
  });
  view.focus();
}

/// The completion source of the "/" menu.
export function cardMenu(helpers) {
  const all = cards(helpers);
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const typed = context.state.sliceDoc(line.from, context.pos);
    if (!/^\/\w*$/.test(typed)) return null;
    return {
      from: line.from + 1,
      validFor: /^\w*$/,
      options: all.map((card) => ({
        label: card.label,
        detail: card.detail,
        apply: async (view, _completion, from, to) => {
          const lineEnd = view.state.doc.lineAt(from).to;
          const start = from - 1;
          // The "/" line is emptied first: a card that needs an upload or an answer
          // leaves nothing behind when it is cancelled.
          view.dispatch({ changes: { from: start, to: Math.max(to, lineEnd) } });
          const text = await card.insert();
          if (text) place(view, start, start, text);
          else view.focus();
        },
      })),
    };
  };
}

/// The "+" of the toolbar: the menu at the caret's line (a new line if it has text).
export function openCardMenu(view) {
  const { state } = view;
  const line = state.doc.lineAt(state.selection.main.head);
  const insert = line.text.trim() ? `${state.lineBreak.repeat(2)}/` : '/';
  const at = line.text.trim() ? line.to : line.from;
  view.dispatch({ changes: { from: at, to: line.to, insert }, selection: { anchor: at + insert.length } });
  view.focus();
  startCompletion(view);
}
