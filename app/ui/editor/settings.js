// The post's settings beside the text: its address, tags, excerpt, featured image,
// status and date, and what search engines and social cards show.

import { h, field } from '../dom.js';
import { toLocalInput } from './dates.js';

/// The settings' fields, filled from `doc`.
export function settingsFields(doc) {
  return {
    slug: h('input', { name: 'slug', value: doc.slug || '' }),
    tags: h('input', { name: 'tags', value: (doc.tags || []).join(', '), placeholder: 'Rust, Notes' }),
    authors: h('input', { name: 'authors', value: (doc.authors || []).join(', '), list: 'author-names', autocomplete: 'off' }),
    excerpt: h('textarea', { name: 'excerpt', rows: 3 }, doc.excerpt || ''),
    featured_image: h('input', { name: 'featured_image', value: doc.featured_image || '', placeholder: '/images/…' }),
    featured_image_alt: h('input', { name: 'featured_image_alt', value: doc.featured_image_alt || '' }),
    featured_image_caption: h('input', { name: 'featured_image_caption', value: doc.featured_image_caption || '' }),
    featured: h('input', { name: 'featured', type: 'checkbox', checked: Boolean(doc.featured) }),
    // The date as stored stays as it was (seconds, zone) unless the writer changes it.
    published_at: h('input', { name: 'published_at', type: 'datetime-local', step: 60, value: toLocalInput(doc.published_at), 'data-iso': doc.published_at || '' }),
    meta_title: h('input', { name: 'meta_title', value: doc.meta_title || '' }),
    meta_description: h('textarea', { name: 'meta_description', rows: 2 }, doc.meta_description || ''),
    og_image: h('input', { name: 'og_image', value: doc.og_image || '' }),
  };
}

/// Puts what the fields `side` hold into `doc` (an empty text is no value).
export function readSettings(side, doc) {
  const opt = (v) => (v.trim() === '' ? null : v);
  doc.slug = side.slug.value.trim();
  doc.tags = side.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
  doc.authors = side.authors.value.split(',').map((a) => a.trim()).filter(Boolean);
  doc.excerpt = opt(side.excerpt.value);
  doc.featured_image = opt(side.featured_image.value);
  doc.featured_image_alt = opt(side.featured_image_alt.value);
  doc.featured_image_caption = opt(side.featured_image_caption.value);
  doc.featured = side.featured.checked;
  const { value, dataset } = side.published_at;
  doc.published_at = !value ? null : value === toLocalInput(dataset.iso) ? dataset.iso : new Date(value).toISOString();
  doc.meta_title = opt(side.meta_title.value);
  doc.meta_description = opt(side.meta_description.value);
  doc.og_image = opt(side.og_image.value);
}

/// The post's status, said (`canPublish`: the caller may publish it). It changes by
/// the publish step, Unpublish and Unschedule only, each on the site at once: a
/// field here would change what the admin says and not what readers see.
export function statusLine(el, post, canPublish) {
  const date = post.published_at ? new Date(post.published_at).toLocaleString() : null;
  el.textContent = post.trashed ? 'In the trash'
    : post.status === 'published' ? `Published${date ? ` ${date}` : ''}`
      : post.status === 'scheduled' ? `Scheduled for ${date}`
        : canPublish ? 'Draft' : 'Draft · an editor publishes it';
}

/// The panel of the fields `side`, with the post's status, the featured image's drop
/// zone, the SEO preview and the delete button.
export function settingsPanel(side, { status, featured, social, seo, deleteButton, authorNames, ownOnly }) {
  // Those who byline their own posts only see their name, unchangeable.
  side.authors.readOnly = ownOnly;
  return h('aside', { class: 'side', 'aria-label': 'Post settings' },
    field('URL slug', side.slug, 'Made from the title until you change it.'),
    field('Tags', side.tags, 'Comma-separated; the first is the primary tag.'),
    field('Authors', side.authors, ownOnly ? 'Your posts carry your name.' : 'Comma-separated; the first is the primary author. Co-authors are credited on the post.'),
    h('datalist', { id: 'author-names' }, (authorNames || []).map((name) => h('option', { value: name }))),
    field('Excerpt', side.excerpt),
    h('div', { class: 'field' }, h('span', { class: 'label', id: 'featured-label' }, h('strong', {}, 'Featured image')), featured.zone, featured.remove),
    field('Featured image URL', side.featured_image),
    field('Featured image alt text', side.featured_image_alt, 'What the image shows, for readers who cannot see it.'),
    field('Featured image caption', side.featured_image_caption, 'Markdown: a link to the photographer is fine.'),
    h('label', { class: 'check' }, side.featured, 'Featured post'),
    h('div', { class: 'field' }, h('span', { class: 'label' }, h('strong', {}, 'Status')), status),
    field('Publish date', side.published_at, 'To the minute, in your time zone. Publish → Later schedules it.'),
    h('details', { id: 'seo' }, h('summary', {}, 'SEO and social'), seo.view,
      field('Meta title', side.meta_title), seo.titleCount,
      field('Meta description', side.meta_description), seo.descriptionCount,
      h('div', { class: 'field' }, h('span', { class: 'label' }, h('strong', {}, 'Social image')), social.zone, social.remove),
      field('Social image URL', side.og_image, 'Shared links show it; the featured image when empty.')),
    h('div', { class: 'danger-zone' }, deleteButton));
}
