// How a post shows outside the site: as a search result and as a shared card, from
// the same fields the theme's <title>, meta description and og: tags use, with
// character counts against the lengths search engines show.

import { adminMedia } from './api.js';
import { h } from './dom.js';

/// What search results show before cutting (Ghost's admin counts to the same).
export const TITLE_MAX = 60;
export const DESCRIPTION_MAX = 145;

/// Markdown as the plain words a description falls back to.
function plain(markdown) {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const cut = (text, max) => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text);

function counter(id, max) {
  const el = h('p', { class: 'count', id, 'aria-live': 'polite' });
  el.set = (length, from) => {
    el.textContent = `${length} / ${max} characters${from ? ` (${from})` : ''}`;
    el.classList.toggle('over', length > max);
  };
  return el;
}

export function seoPreview({ baseUrl, side, title, text, where }) {
  const serpTitle = h('p', { class: 'serp-title' });
  const serpUrl = h('p', { class: 'url' });
  const serpText = h('p', { class: 'serp-text' });
  const socialImage = h('img', { alt: '', hidden: true });
  const socialTitle = h('p', { class: 'social-title' });
  const socialText = h('p', { class: 'social-text' });
  let domain = baseUrl;
  try { domain = new URL(baseUrl).host; } catch { /* shown as it is */ }
  const view = h('div', {},
    h('p', { class: 'hint' }, 'In search results'),
    h('div', { class: 'serp', id: 'seo-search' }, serpUrl, serpTitle, serpText),
    h('p', { class: 'hint' }, 'Shared on social media'),
    h('div', { class: 'social', id: 'seo-social' }, socialImage, h('div', {}, h('p', { class: 'domain' }, domain), socialTitle, socialText)));
  const titleCount = counter('meta-title-count', TITLE_MAX);
  const descriptionCount = counter('meta-description-count', DESCRIPTION_MAX);

  function update() {
    const metaTitle = side.meta_title.value.trim();
    const shownTitle = metaTitle || title.value.trim() || 'Untitled';
    const metaDescription = side.meta_description.value.trim();
    const excerpt = side.excerpt.value.trim();
    const description = metaDescription || excerpt || plain(text.value);
    serpTitle.textContent = cut(shownTitle, TITLE_MAX);
    serpUrl.textContent = where();
    serpText.textContent = cut(description, DESCRIPTION_MAX + 15);
    socialTitle.textContent = shownTitle;
    socialText.textContent = cut(description, 120);
    const image = side.og_image.value.trim() || side.featured_image.value.trim();
    const local = adminMedia(image);
    socialImage.hidden = !local;
    if (local) socialImage.src = local;
    titleCount.set(shownTitle.length, metaTitle ? null : 'the title');
    descriptionCount.set(description.length, metaDescription ? null : excerpt ? 'the excerpt' : 'the text');
  }
  return { view, titleCount, descriptionCount, update };
}
