// Settings as Ghost lays them out: General (title, description, time zone, language,
// what search engines and shared links show, social accounts), Design (accent colour,
// icon, logo, cover), Navigation, Code injection (with what the site's CSP will do
// with it). Each section saves on its own and publishes; a wrong field is named at
// the field.

import { patch } from './api.js';
import { clearErrors, field, h, showError, toast } from './dom.js';
import { imageDrop } from './image_drop.js';
import { scriptVerdicts } from './settings_csp.js';

const LANGUAGES = ['en', 'en-GB', 'en-US', 'fr', 'de', 'es', 'pt', 'pt-BR', 'pt-PT', 'it', 'nl', 'sv', 'da', 'nb', 'fi', 'pl', 'cs', 'ja', 'ko', 'zh-Hans', 'zh-Hant', 'ru', 'uk', 'tr', 'ar', 'he'];
const NETWORKS = [['x', 'X (Twitter)', '@handle'], ['facebook', 'Facebook', 'https://www.facebook.com/…'], ['bluesky', 'Bluesky', 'https://bsky.app/profile/…'],
  ['mastodon', 'Mastodon', 'https://mastodon.social/@…'], ['threads', 'Threads', 'https://www.threads.net/@…'], ['linkedin', 'LinkedIn', 'https://www.linkedin.com/in/…'],
  ['instagram', 'Instagram', 'https://www.instagram.com/…'], ['youtube', 'YouTube', 'https://www.youtube.com/@…']];

const opt = (value) => (value.trim() === '' ? null : value.trim());

/// A section: a card with its heading, fields, and a Save button that runs `save`
/// (which answers the changed settings). The settings `s` follow each save, so that
/// the next section saved starts from them.
function section(s, id, title, intro, fields, save) {
  const error = h('p', { class: 'error form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'card settings-section', id, novalidate: true, 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading` }, title), intro ? h('p', { class: 'hint' }, intro) : null, error, ...fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, `Save ${title.toLowerCase()}`)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const changed = save();
    if (Object.keys(changed).length === 0) { toast('Nothing changed.'); return; }
    try {
      const saved = await patch('/settings', changed);
      Object.assign(s, saved.settings);
      if (saved.published?.error) toast(`Saved, but the publish failed: ${saved.published.error}`);
      else if (saved.published) toast(`Saved and published: ${saved.published.written} files changed.`);
      else toast('Saved: it shows on the site at the next publish.');
    } catch (e) {
      showError(form, e);
    }
  });
  return form;
}

/// An image setting: the drop zone over its URL field.
function imageSetting(label, name, value, hint) {
  const url = h('input', { name, value: value || '', placeholder: '/images/… or https://…' });
  const drop = imageDrop(url, { id: name.replace(/\W+/g, '-') });
  const wrap = h('div', { class: 'field', 'data-field': name },
    h('span', { class: 'label' }, label), drop.zone, h('label', { class: 'hint' }, 'Or its address', url), drop.remove,
    hint ? h('p', { class: 'hint' }, hint) : null, h('p', { class: 'error', hidden: true }));
  return { wrap, url };
}

// WCAG's contrast of two #rrggbb colours.
function contrast(a, b) {
  const lum = (hex) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function general(s) {
  const d = s.design || {};
  const title = h('input', { name: 'title', value: s.title });
  const description = h('textarea', { name: 'description', rows: 2 }, s.description || '');
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const timezone = h('input', { name: 'design.timezone', value: d.timezone || 'Etc/UTC', list: 'time-zones', autocomplete: 'off' });
  const language = h('input', { name: 'language', value: s.language || 'en', list: 'languages', autocomplete: 'off' });
  const metaTitle = h('input', { name: 'design.meta_title', value: d.meta_title || '' });
  const metaDescription = h('textarea', { name: 'design.meta_description', rows: 2 }, d.meta_description || '');
  const ogImage = imageSetting('Social image', 'design.og_image', d.og_image, 'Shown with a shared link to a page that has no image of its own.');
  const social = NETWORKS.map(([key, label, placeholder]) => [key, h('input', { name: `design.social.${key}`, value: d.social?.[key] || '', placeholder })]);
  return section(s, 'general', 'General', null, [
    field('Title', title), field('Description', description, 'One sentence: the site\'s subtitle and its description for search engines.'),
    field('Time zone', timezone, 'The dates readers see are in it.'),
    h('datalist', { id: 'time-zones' }, zones.map((z) => h('option', { value: z }))),
    field('Language', language, 'The language of the pages (en, pt-BR…): browsers, screen readers and search engines read it.'),
    h('datalist', { id: 'languages' }, LANGUAGES.map((l) => h('option', { value: l }))),
    h('fieldset', {}, h('legend', {}, 'Search engines and shared links (the home page, and any page without its own)'),
      field('Meta title', metaTitle), field('Meta description', metaDescription), ogImage.wrap),
    h('fieldset', {}, h('legend', {}, 'Social accounts'), ...social.map(([, input]) => field(NETWORKS.find(([k]) => `design.social.${k}` === input.name)[1], input))),
  ], () => {
    const now = s.design || {};
    const changed = {};
    if (title.value !== s.title) changed.title = title.value;
    if (description.value !== (s.description || '')) changed.description = description.value;
    if (language.value.trim() !== s.language) changed.language = language.value.trim();
    const next = {
      ...now,
      timezone: timezone.value.trim(),
      meta_title: opt(metaTitle.value),
      meta_description: opt(metaDescription.value),
      og_image: opt(ogImage.url.value),
      social: Object.fromEntries(social.map(([key, input]) => [key, opt(input.value)])),
    };
    if (differs(next, now)) changed.design = next;
    return changed;
  });
}

/// Whether `a` and `b` differ, a missing value and null being the same.
function differs(a, b) {
  const norm = (v) => JSON.stringify(v, (_k, x) => (x === undefined ? null : x));
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].some((k) => (typeof a[k] === 'object' && a[k] && b[k] ? differs(a[k], b[k]) : norm(a[k] ?? null) !== norm(b[k] ?? null)));
}

function design(s) {
  const d = s.design || {};
  const colour = h('input', { name: 'design.accent_color', value: d.accent_color || '', placeholder: '#24584a', 'aria-describedby': 'accent-contrast' });
  const picker = h('input', { type: 'color', value: d.accent_color || '#24584a', 'aria-label': 'Pick the accent colour', class: 'swatch' });
  const note = h('p', { class: 'hint', id: 'accent-contrast', 'aria-live': 'polite' });
  const judge = () => {
    const value = colour.value.trim();
    if (!/^#[0-9a-fA-F]{6}$/.test(value)) { note.textContent = value ? 'A colour as #rrggbb.' : 'The theme\'s own colour.'; note.classList.remove('error'); return; }
    const ratio = contrast(value, '#ffffff');
    const dark = contrast(value, '#15181b');
    note.textContent = `Links and buttons in it: ${ratio.toFixed(1)}:1 on white. ${ratio < 4.5 ? 'Below 4.5:1, text in it is hard to read: choose a darker one.' : 'Readable (4.5:1 or more).'}`
      + (dark < 4.5 ? ' In dark mode the theme keeps its own colour, as this one does not read on a dark page.' : ' Dark mode uses it too.');
    note.classList.toggle('error', ratio < 4.5);
  };
  picker.addEventListener('input', () => { colour.value = picker.value; judge(); });
  colour.addEventListener('input', () => { if (/^#[0-9a-fA-F]{6}$/.test(colour.value)) picker.value = colour.value; judge(); });
  judge();
  const icon = imageSetting('Icon', 'design.icon', d.icon, 'A square image, 512 × 512 or more: the browser tab and saved bookmarks.');
  const logo = imageSetting('Logo', 'design.logo', d.logo, 'Shown instead of the title at the top of every page.');
  const cover = imageSetting('Cover', 'design.cover_image', d.cover_image, 'The wide image at the top of the home page.');
  const feed = h('select', { id: 'post-feed', name: 'design.post_feed' },
    h('option', { value: 'grid' }, 'A grid of cards with their images'), h('option', { value: 'list' }, 'One column'));
  feed.value = d.post_feed || 'grid';
  return section(s, 'design', 'Design', 'The site\'s brand: the theme uses them on every page.', [
    h('div', { class: 'field', 'data-field': 'design.accent_color' }, h('label', { for: 'accent-color' }, 'Accent colour'),
      h('div', { class: 'row' }, picker, Object.assign(colour, { id: 'accent-color' })), note, h('p', { class: 'error', hidden: true })),
    icon.wrap, logo.wrap, cover.wrap,
    h('div', { class: 'field', 'data-field': 'design.post_feed' }, h('label', { for: 'post-feed' }, 'Lists of posts'), feed,
      h('p', { class: 'hint' }, 'How the home, tag and author pages show their posts.'), h('p', { class: 'error', hidden: true })),
  ], () => {
    const now = s.design || {};
    const next = { ...now, accent_color: opt(colour.value), icon: opt(icon.url.value), logo: opt(logo.url.value), cover_image: opt(cover.url.value), post_feed: feed.value };
    return differs(next, now) ? { design: next } : {};
  });
}

export function navigationSection(s, navigationEditor) {
  const primary = navigationEditor(s.navigation || [], 'navigation', 'Add a link');
  const footer = navigationEditor(s.secondary_navigation || [], 'secondary-navigation', 'Add a footer link');
  return section(s, 'navigation-settings', 'Navigation', 'The menu at the top of every page, and the links in its footer.', [
    h('fieldset', {}, h('legend', {}, 'Primary'), primary),
    h('fieldset', {}, h('legend', {}, 'Footer'), footer),
  ], () => {
    const changed = {};
    if (JSON.stringify(primary.value()) !== JSON.stringify(s.navigation || [])) changed.navigation = primary.value();
    if (JSON.stringify(footer.value()) !== JSON.stringify(s.secondary_navigation || [])) changed.secondary_navigation = footer.value();
    return changed;
  });
}

function codeInjection(s, csp) {
  const head = h('textarea', { name: 'codeinjection_head', rows: 5, class: 'mono' }, s.codeinjection_head || '');
  const foot = h('textarea', { name: 'codeinjection_foot', rows: 5, class: 'mono' }, s.codeinjection_foot || '');
  const verdict = h('div', { id: 'csp-verdict', 'aria-live': 'polite' });
  // The latest typing's verdict only (a hash is computed on the way).
  let asked = 0;
  const judge = async () => {
    const mine = ++asked;
    const found = await scriptVerdicts(`${head.value}\n${foot.value}`, csp);
    if (mine === asked) verdict.replaceChildren(...found.map(({ ok, text }) => h('p', { class: ok ? 'notice' : 'notice warn' }, text)));
  };
  head.addEventListener('input', judge);
  foot.addEventListener('input', judge);
  judge();
  return section(s, 'code-injection', 'Code injection', 'HTML added to every page: analytics, fonts, verification tags.', [
    field('Site header (before </head>)', head), field('Site footer (before </body>)', foot), verdict,
  ], () => {
    const changed = {};
    if (head.value !== (s.codeinjection_head || '')) changed.codeinjection_head = head.value;
    if (foot.value !== (s.codeinjection_foot || '')) changed.codeinjection_foot = foot.value;
    return changed;
  });
}

/// The sections, with a table of contents to reach each.
export function settingsSections(data, navigationEditor) {
  const s = data.settings;
  const parts = [general(s), design(s), navigationSection(s, navigationEditor), codeInjection(s, data.site_csp)];
  const toc = h('nav', { class: 'settings-toc', 'aria-label': 'Settings sections' },
    parts.map((p) => h('a', { href: `#/settings`, 'data-target': p.id, onclick: (e) => { e.preventDefault(); p.scrollIntoView({ block: 'start' }); p.querySelector('input, textarea, button')?.focus({ preventScroll: true }); } },
      p.querySelector('h2').textContent)));
  return { toc, parts };
}
