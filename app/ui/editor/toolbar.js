// The formatting toolbar over the Markdown: bold, italic, heading, link, code, list,
// quote, image. One Tab stop; the arrow keys (and Home, End) move between its buttons.

import { h } from '../dom.js';

/// The toolbar for the textarea `text`; `changed` runs after each edit, `insertImage`
/// with a file picked. Returns the element and `wrap` (for the keyboard shortcuts).
export function formattingToolbar(text, { changed, insertImage, progress }) {
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
  const tool = (label, title, action) => h('button', { type: 'button', title, 'aria-label': title.replace(/ \(.*\)$/, ''), tabindex: '-1', onclick: action }, label);
  const element = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'markdown' },
    tool(h('b', {}, 'B'), 'Bold (Ctrl+B)', () => wrap('**')),
    tool(h('i', {}, 'I'), 'Italic (Ctrl+I)', () => wrap('*')),
    tool('H', 'Heading', () => linePrefix('## ')),
    tool('Link', 'Link', () => wrap('[', '](https://)', 'link')),
    tool('</>', 'Code', () => wrap('`')),
    tool('•', 'List', () => linePrefix('- ')),
    tool('❝', 'Quote', () => linePrefix('> ')),
    tool('Image', 'Image', () => picker.click()), picker, progress);
  const tools = [...element.querySelectorAll('button')];
  tools[0].tabIndex = 0;
  element.addEventListener('keydown', (e) => {
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
  return { element, wrap };
}
