// What a card lets the writer change without touching its source: the texts, links
// and alt texts of a Ghost card's HTML, the alt text and caption of a Markdown image.
// Each field knows where its text sits in the card's source, so that a change
// rewrites those characters and no others (the rest of the card stays byte for byte
// as Ghost or the writer left it).

import { htmlParser } from '../vendor/codemirror.js';

// Ghost's card names, as its editor says them (`kg-cta-card` is a call to action).
const NAMES = {
  audio: 'Audio', bookmark: 'Bookmark', button: 'Button', callout: 'Callout', cta: 'Call to action',
  embed: 'Embed', file: 'File', gallery: 'Gallery', header: 'Header', html: 'HTML', image: 'Image',
  product: 'Product', signup: 'Signup', toggle: 'Toggle', video: 'Video',
};

/// The card an HTML block is, by Ghost's `kg-NAME-card` class, or null for other HTML
/// (an HTML card is its source).
export function cardName(source) {
  const found = /class="[^"]*\bkg-([a-z]+)-card\b/.exec(source);
  return found ? `${NAMES[found[1]] || found[1]} card` : null;
}

// An element's own words for its text, when its class does not say.
const TAG_LABELS = { h1: 'Heading', h2: 'Heading', h3: 'Heading', h4: 'Heading', h5: 'Heading', h6: 'Heading',
  p: 'Text', a: 'Link text', figcaption: 'Caption', summary: 'Summary', button: 'Button', blockquote: 'Quote', li: 'Item' };

// Text is decoded (entities) by the browser's own parser: a textarea's content is
// never markup, so nothing runs or loads.
const decoder = document.createElement('textarea');
function decode(raw) {
  decoder.innerHTML = raw;
  return decoder.value;
}
const encodeText = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const encodeAttr = (text) => encodeText(text).replace(/"/g, '&quot;');
const collapse = (text) => text.replace(/\s+/g, ' ').trim();

/// The tag name and attributes of an `Element` node of the HTML tree.
function tagOf(element, source) {
  const open = element.getChild('OpenTag') || element.getChild('SelfClosingTag');
  if (!open) return null;
  const name = open.getChild('TagName');
  const attrs = {};
  for (const attr of open.getChildren('Attribute')) {
    const key = attr.getChild('AttributeName');
    const value = attr.getChild('AttributeValue');
    if (!key) continue;
    let from = value ? value.from : attr.to;
    let to = value ? value.to : attr.to;
    if (value && /^["']/.test(source[from])) { from += 1; to -= 1; }
    attrs[source.slice(key.from, key.to).toLowerCase()] = { from, to, value: decode(source.slice(from, to)) };
  }
  return { name: name ? source.slice(name.from, name.to).toLowerCase() : '', attrs };
}

/// "Heading" for `kg-header-card-heading`, "Button" for `kg-cta-button`.
function classLabel(className) {
  const own = className.split(/\s+/).find((c) => /^kg-/.test(c) && !/-card$|^kg-card|^kg-(width|align|style|size)/.test(c));
  if (!own) return null;
  const words = own.replace(/^kg-([a-z]+-card-|cta-|toggle-|callout-|bookmark-|gallery-)?/, '').replace(/-/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : null;
}

/// The label of text inside `element`: the nearest class or tag that names it.
function labelOf(element, source) {
  for (let node = element; node; node = node.parent) {
    if (node.name !== 'Element') continue;
    const tag = tagOf(node, source);
    if (!tag) continue;
    const byClass = tag.attrs.class && classLabel(tag.attrs.class.value);
    if (byClass) return byClass;
    if (TAG_LABELS[tag.name]) return TAG_LABELS[tag.name];
  }
  return 'Text';
}

const TEXT = new Set(['Text', 'EntityReference', 'CharacterReference']);

/// The fields of a Ghost card's HTML: each run of words, each link's address, each
/// image's alt text; and the images, for thumbnails. Offsets are into `source`.
export function htmlFields(source) {
  const fields = [];
  const images = [];
  const tree = htmlParser.parse(source);
  let run = null;
  const flush = () => {
    if (!run) return;
    const raw = source.slice(run.from, run.to);
    const lead = raw.length - raw.trimStart().length;
    const trail = raw.length - raw.trimEnd().length;
    const text = collapse(decode(raw));
    // Punctuation between two links is left to the source.
    if (/[\p{L}\p{N}]/u.test(text)) {
      fields.push({ label: labelOf(run.parent, source), value: text, from: run.from + lead, to: run.to - trail, encode: encodeText });
    }
    run = null;
  };
  tree.iterate({
    enter(ref) {
      if (TEXT.has(ref.name)) {
        if (run && run.to === ref.from) run.to = ref.to;
        else { flush(); run = { from: ref.from, to: ref.to, parent: ref.node.parent }; }
        return false;
      }
      if (ref.name !== 'Element') return true;
      flush();
      const tag = tagOf(ref.node, source);
      if (tag?.name === 'a' && tag.attrs.href) {
        const label = labelOf(ref.node, source);
        fields.push({ label: `${label === 'Link text' ? 'Link' : label} address`, value: tag.attrs.href.value, ...span(tag.attrs.href), encode: encodeAttr, url: true });
      }
      if (tag?.name === 'img') {
        images.push(tag.attrs.src?.value || '');
        if (tag.attrs.alt) fields.push({ label: 'Image alt text', value: tag.attrs.alt.value, ...span(tag.attrs.alt), encode: encodeAttr });
      }
      return true;
    },
    leave(ref) { if (ref.name === 'Element') flush(); },
  });
  flush();
  return { fields, images };
}

const span = ({ from, to }) => ({ from, to });

// Markdown escapes: alt text is link text (brackets and backslashes), a caption is a
// link title in double quotes.
const unescape = (text) => text.replace(/\\([\\[\]"*_`])/g, '$1');
const escapeAlt = (text) => collapse(text).replace(/([\\[\]])/g, '\\$1');
const escapeTitle = (text) => collapse(text).replace(/(["\\])/g, '\\$1');

/// The fields of a Markdown image (`image`, a lezer-markdown `Image` node) whose
/// paragraph starts at `base`: its alt text and its caption (the title, which folio
/// renders as the figure's caption). A missing caption is inserted after the URL.
export function imageFields(image, doc, base) {
  const marks = image.getChildren('LinkMark');
  const url = image.getChild('URL');
  if (marks.length < 3 || !url) return null;
  const at = (node) => ({ from: node.from - base, to: node.to - base });
  const alt = { from: marks[0].to - base, to: marks[1].from - base };
  const title = image.getChild('LinkTitle');
  const caption = title
    ? { from: title.from - base + 1, to: title.to - base - 1 }
    : { from: url.to - base, to: url.to - base, missing: true };
  const text = (r) => doc.sliceString(r.from + base, r.to + base);
  return {
    images: [doc.sliceString(url.from, url.to)],
    url: at(url),
    fields: [
      { label: 'Alt text', value: unescape(text(alt)), ...alt, encode: escapeAlt },
      { label: 'Caption', value: caption.missing ? '' : unescape(text(caption)), from: caption.from, to: caption.to,
        encode: caption.missing ? (v) => (v ? ` "${escapeTitle(v)}"` : '') : escapeTitle },
    ],
  };
}
