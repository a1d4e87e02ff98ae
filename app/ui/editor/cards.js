// Cards in the text: a Ghost card kept from an import (its `kg-` HTML) and an image
// alone in its paragraph show as a card whose words, links and alt texts are fields,
// instead of as source. The Markdown stays what is stored: a field rewrites only its
// own characters (editor/card_fields.js), and "Edit source" shows the card's source.

import { Decoration, EditorView, StateEffect, StateField, WidgetType, ensureSyntaxTree, syntaxTree } from '../vendor/codemirror.js';
import { h } from '../dom.js';
import { cardName, htmlFields, imageFields } from './card_fields.js';

/// A card shown as its source from now on (the position of its first character).
const showSource = StateEffect.define({ map: (at, changes) => changes.mapPos(at) });

// Site images are served to the admin under its own API until they are published.
const thumbnail = (src) => (/^\/(images|media|files)\//.test(src) ? `/admin/api/media${src}` : null);

/// The card a piece of the text is: {name, fields, images}, offsets from its start.
function cardAt(state, node) {
  if (node.name === 'HTMLBlock') {
    const source = state.doc.sliceString(node.from, node.to);
    const name = cardName(source);
    return name ? { name, source, ...htmlFields(source) } : null;
  }
  if (node.name !== 'Paragraph') return null;
  // An image alone in its paragraph (maybe inside a link): a figure on the site.
  const only = node.node.firstChild;
  if (!only || only.nextSibling || only.from !== node.from || only.to !== node.to) return null;
  let image = only;
  if (only.name === 'Link') {
    image = only.getChild('Image');
    const marks = only.getChildren('LinkMark');
    if (!image || image.from !== marks[0]?.to || image.to !== marks[1]?.from) return null;
  }
  if (image.name !== 'Image') return null;
  const fields = imageFields(image, state.doc, node.from);
  return fields && { name: 'Image card', source: state.doc.sliceString(node.from, node.to), ...fields };
}

/// The field that gets the focus back when its card is drawn again during its own
/// change (the change altered the card's fields).
let refocus = null;

class CardWidget extends WidgetType {
  constructor(card) {
    super();
    this.card = card;
  }

  eq(other) { return other.card.source === this.card.source; }

  // A card whose text changed keeps its DOM (and the focus in its field) while its
  // fields are the same ones.
  updateDOM(dom) {
    const inputs = dom.querySelectorAll('.card-field-input');
    const same = inputs.length === this.card.fields.length
      && this.card.fields.every((f, i) => inputs[i].dataset.label === f.label);
    if (!same) return false;
    this.card.fields.forEach((f, i) => { if (document.activeElement !== inputs[i]) inputs[i].value = f.value; });
    return true;
  }

  ignoreEvent() { return true; }

  toDOM(view) {
    const { card } = this;
    const write = (index, value) => {
      const at = view.posAtDOM(box);
      const now = cardsAt(view.state, at);
      const field = now?.fields[index];
      if (!field) return;
      // Drawn again within this dispatch (when the field's structure changed), the
      // card puts the focus back in the same field; never later.
      refocus = { index };
      try {
        view.dispatch({ changes: { from: at + field.from, to: at + field.to, insert: field.encode(value) }, userEvent: 'input.card' });
      } finally {
        refocus = null;
      }
    };
    const inputs = card.fields.map((f, index) => {
      const long = f.value.length > 60;
      const input = h(long ? 'textarea' : 'input', { class: 'card-field-input', 'data-label': f.label, 'aria-label': `${card.name}: ${f.label}`, rows: long ? 3 : undefined, type: long ? undefined : f.url ? 'url' : 'text' });
      input.value = f.value;
      // Words are written as they are typed; an emptied field when it is left (a
      // card's text is never removed by a slip of the backspace key).
      input.addEventListener('input', () => { if (input.value.trim()) write(index, input.value); });
      input.addEventListener('change', () => write(index, input.value));
      return h('label', { class: 'card-field' }, h('span', {}, f.label), input);
    });
    const images = card.images.map(thumbnail).filter(Boolean).slice(0, 4)
      .map((src) => h('img', { src, alt: '', class: 'card-thumb', loading: 'lazy' }));
    const box = h('div', { class: 'card-block', role: 'group', 'aria-label': card.name },
      h('div', { class: 'card-head' },
        h('strong', {}, card.name),
        h('button', { type: 'button', class: 'link', onclick: () => view.dispatch({ effects: showSource.of(view.posAtDOM(box)) }) }, 'Edit source')),
      images.length ? h('div', { class: 'card-thumbs' }, images) : null,
      inputs.length ? inputs : h('p', { class: 'muted' }, 'No text to change here: “Edit source” shows its HTML.'));
    if (refocus) {
      const { index } = refocus;
      refocus = null;
      requestAnimationFrame(() => box.querySelectorAll('.card-field-input')[index]?.focus());
    }
    return box;
  }
}

/// The card that starts at `at`, as the text is now.
function cardsAt(state, at) {
  let found = null;
  state.field(cards).decorations.between(at, at + 1, (from, _to, deco) => {
    if (from === at) found = deco.spec.widget.card;
  });
  return found;
}

function decorate(state, sources) {
  const tree = ensureSyntaxTree(state, state.doc.length, 1000) || syntaxTree(state);
  const ranges = [];
  tree.iterate({
    enter(node) {
      if (node.name !== 'HTMLBlock' && node.name !== 'Paragraph') return true;
      const card = !sources.includes(node.from) && cardAt(state, node);
      if (card) ranges.push(Decoration.replace({ widget: new CardWidget(card), block: true }).range(node.from, node.to));
      return false;
    },
  });
  return Decoration.set(ranges, true);
}

const cards = StateField.define({
  create: (state) => ({ sources: [], decorations: decorate(state, []) }),
  update(value, tr) {
    let { sources } = value;
    if (tr.docChanged) sources = sources.map((at) => tr.changes.mapPos(at));
    for (const effect of tr.effects) if (effect.is(showSource)) sources = [...sources, effect.value];
    if (!tr.docChanged && sources === value.sources) return value;
    return { sources, decorations: decorate(tr.state, sources) };
  },
  provide: (field) => EditorView.decorations.from(field, (value) => value.decorations),
});

/// The extension that draws cards.
export const cardBlocks = [cards];
