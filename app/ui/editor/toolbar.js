// The formatting toolbar over the Markdown: a card (the "/" menu), bold, italic,
// heading, link, code, list, quote, image. One Tab stop; the arrow keys (and Home,
// End) move between its buttons.

import { h } from '../dom.js';

/// The toolbar for `text` (editor/markdown.js); `insertImage` runs with a file picked.
export function formattingToolbar(text, { insertImage, progress }) {
  const picker = h('input', { type: 'file', accept: 'image/*', hidden: true, onchange: () => picker.files[0] && insertImage(picker.files[0]) });
  const tool = (label, title, action) => h('button', { type: 'button', title, 'aria-label': title.replace(/ \(.*\)$/, ''), tabindex: '-1', onclick: action }, label);
  const element = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'markdown' },
    tool('+', 'Add a card (/ at the start of a line)', () => text.openCardMenu()),
    tool(h('b', {}, 'B'), 'Bold (Ctrl+B)', () => text.wrap('**')),
    tool(h('i', {}, 'I'), 'Italic (Ctrl+I)', () => text.wrap('*')),
    tool('H', 'Heading (Ctrl+Alt+2)', () => text.linePrefix('## ')),
    tool('Link', 'Link (Ctrl+K)', () => text.wrap('[', '](https://)', 'link')),
    tool('</>', 'Code (Ctrl+E)', () => text.wrap('`')),
    tool('•', 'List (Ctrl+Shift+8)', () => text.linePrefix('- ')),
    tool('❝', 'Quote (Ctrl+Shift+9)', () => text.linePrefix('> ')),
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
  return { element };
}
