// The featured image: a drop zone with its thumbnail (an upload not yet published is
// shown from the admin), a file chooser, and a way to remove it.

import { upload, adminMedia } from '../api.js';
import { h, toast } from '../dom.js';

/// The drop zone for the URL field `url` (and its alt text field `alt`); `changed`
/// runs after each change. Returns the zone, the remove button and `show`.
export function featuredImage(url, alt, { progress, changed }) {
  const chooser = h('input', { type: 'file', accept: 'image/*', id: 'featured-upload' });
  const thumbnail = h('img', { alt: '', id: 'featured-thumbnail', hidden: true });
  const dropText = h('span', {});
  const remove = h('button', { type: 'button', class: 'link', onclick: () => { url.value = ''; show(); changed(); } }, 'Remove the image');
  const zone = h('label', { class: 'dropzone', id: 'featured-drop', for: 'featured-upload' }, thumbnail, dropText, chooser);
  function show() {
    const value = url.value.trim();
    const src = adminMedia(value);
    thumbnail.hidden = !src;
    if (src) thumbnail.src = src;
    remove.hidden = !value;
    dropText.textContent = value ? (src ? 'Drop another image here, or choose one' : `${value} (shown on the site)`) : 'Drop an image here, or choose one';
  }
  async function set(file) {
    if (!file || !file.type.startsWith('image/')) { toast('Choose an image file (JPEG, PNG, WebP or GIF).'); return; }
    progress.hidden = false;
    try {
      const stored = await upload(file, (p) => { progress.value = p; });
      url.value = stored.url;
      if (!alt.value) alt.focus();
      show();
      changed();
    } catch (e) { toast(e.message); } finally { progress.hidden = true; }
  }
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); set(e.dataTransfer?.files[0]); });
  chooser.addEventListener('change', () => set(chooser.files[0]));
  url.addEventListener('change', show);
  return { zone, remove, show };
}
