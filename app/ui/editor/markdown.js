// The text of a post: CodeMirror 6 over the Markdown that is stored, byte for byte
// (no conversion on the way in or out, line endings included), with Ghost's cards
// drawn as cards (editor/cards.js), the "/" card menu, images pasted or dropped
// anywhere, and the shortcuts of Ghost's editor.

import {
  EditorState, EditorView, autocompletion, defaultKeymap, history, historyKeymap, keymap, markdown,
  markdownLanguage, placeholder, search, searchKeymap, syntaxHighlighting, tagHighlighter, tags,
} from '../vendor/codemirror.js';
import { cardBlocks } from './cards.js';
import { cardMenu, openCardMenu } from './card_menu.js';

/// The line separator that gives `text` back exactly: Windows line endings when the
/// text has only those, otherwise "\n" (a stray "\r" then stays a character of its
/// line, kept as it was).
const separatorOf = (text) => (text.includes('\r\n') && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n');

/// `text` as `before`text`after` around the selection (or `placeholder`), selected.
function wrap(view, before, after = before, placeholderText = 'text') {
  const { from, to } = view.state.selection.main;
  const inner = view.state.sliceDoc(from, to) || placeholderText;
  view.dispatch({
    changes: { from, to, insert: `${before}${inner}${after}` },
    selection: { anchor: from + before.length, head: from + before.length + inner.length },
    userEvent: 'input.format',
  });
  view.focus();
  return true;
}

/// The caret's line starting with `prefix` (a heading's, a list's): another prefix
/// of the same kind is replaced, the same one taken off.
function linePrefix(view, prefix) {
  const line = view.state.doc.lineAt(view.state.selection.main.head);
  const kind = /^#/.test(prefix) ? /^#{1,6} / : /^(- |\d+\. |> )/;
  const had = line.text.match(kind)?.[0] || '';
  const insert = had === prefix ? '' : prefix;
  view.dispatch({ changes: { from: line.from, to: line.from + had.length, insert }, userEvent: 'input.format' });
  view.focus();
  return true;
}

// Markdown's marks and kinds as classes: the admin's stylesheet colours them, in its
// light and dark palettes (contrast checked with the rest of the screens).
const highlighter = tagHighlighter([
  { tag: tags.heading, class: 'md-heading' },
  { tag: tags.strong, class: 'md-strong' },
  { tag: tags.emphasis, class: 'md-em' },
  { tag: tags.strikethrough, class: 'md-strike' },
  { tag: [tags.link, tags.url], class: 'md-link' },
  { tag: tags.monospace, class: 'md-code' },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator, tags.labelName], class: 'md-mark' },
  { tag: [tags.angleBracket, tags.tagName, tags.attributeName, tags.attributeValue, tags.comment], class: 'md-html' },
]);

const shortcuts = [
  { key: 'Mod-b', run: (v) => wrap(v, '**') },
  { key: 'Mod-i', run: (v) => wrap(v, '*') },
  { key: 'Mod-k', run: (v) => wrap(v, '[', '](https://)', 'link') },
  { key: 'Mod-e', run: (v) => wrap(v, '`') },
  ...[1, 2, 3, 4].map((n) => ({ key: `Mod-Alt-${n}`, run: (v) => linePrefix(v, `${'#'.repeat(n)} `) })),
  { key: 'Mod-Shift-7', run: (v) => linePrefix(v, '1. ') },
  { key: 'Mod-Shift-8', run: (v) => linePrefix(v, '- ') },
  { key: 'Mod-Shift-9', run: (v) => linePrefix(v, '> ') },
];

/// The editor over `text`. `changed` runs after each change of the text; `upload`
/// stores a file and gives its address; `ask` asks for an address (the card menu).
export function markdownEditor(text, { changed, upload, pick, ask, dropped }) {
  // Text set from outside (the other version of a conflict) is not the writer's change.
  let quiet = false;
  const view = new EditorView({
    parent: document.createElement('div'),
    state: EditorState.create({
      doc: text,
      extensions: [
        EditorState.lineSeparator.of(separatorOf(text)),
        // The page's CSP allows CodeMirror's own <style> by this nonce (admin/ui.rs).
        EditorView.cspNonce.of(document.querySelector('meta[name="style-nonce"]')?.content || ''),
        // Pasted lines end as the text's own do.
        EditorView.clipboardInputFilter.of((pasted, state) => pasted.replace(/\r?\n/g, state.lineBreak)),
        history(),
        // Ctrl+Enter is the page's (the publish step), Tab leaves the text (the
        // keyboard reaches the settings).
        keymap.of([...shortcuts, ...defaultKeymap.filter((k) => k.key !== 'Mod-Enter'), ...historyKeymap, ...searchKeymap]),
        markdown({ base: markdownLanguage }),
        syntaxHighlighting(highlighter),
        EditorView.lineWrapping,
        placeholder('Begin writing your post… (“/” at the start of a line adds a card)'),
        search({ top: true }),
        autocompletion({ override: [cardMenu({ upload, pick, ask })], icons: false }),
        cardBlocks,
        EditorView.contentAttributes.of({ id: 'markdown', 'aria-label': 'Markdown', spellcheck: 'true', 'aria-multiline': 'true' }),
        EditorView.updateListener.of((update) => { if (update.docChanged && !quiet) changed(); }),
        EditorView.domEventHandlers({
          paste: (event) => dropped(event.clipboardData, event, null),
          drop: (event, v) => dropped(event.dataTransfer, event, v.posAtCoords({ x: event.clientX, y: event.clientY })),
        }),
      ],
    }),
  });
  view.dom.classList.add('markdown');
  return {
    element: view.dom,
    view,
    get value() { return view.state.doc.toString(); },
    set value(next) {
      quiet = true;
      try { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } }); } finally { quiet = false; }
    },
    focus: () => view.focus(),
    hasFocus: () => view.hasFocus,
    /// The share of the text above the caret (the preview follows it).
    caretShare: () => view.state.doc.lineAt(view.state.selection.main.head).number / view.state.doc.lines,
    /// `block` (an image, a card) as a paragraph of its own at `at` (the caret by
    /// default), the caret after it.
    insertBlock(block, at = null) {
      const { from, to } = at === null ? view.state.selection.main : { from: at, to: at };
      const before = view.state.sliceDoc(Math.max(0, from - 2), from);
      const after = view.state.sliceDoc(to, to + 2);
      const lead = from === 0 || before === '\n\n' ? '' : before.endsWith('\n') ? '\n' : '\n\n';
      const trail = after === '\n\n' ? '' : after.startsWith('\n') ? '\n' : '\n\n';
      const insert = `${lead}${block}${trail}`.replace(/\n/g, view.state.lineBreak);
      view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + insert.length }, userEvent: 'input' });
      view.focus();
    },
    wrap: (before, after, placeholderText) => wrap(view, before, after, placeholderText),
    linePrefix: (prefix) => linePrefix(view, prefix),
    openCardMenu: () => openCardMenu(view),
  };
}
