// An image field as Ghost has them: a drop zone with its thumbnail (an upload not yet
// published is shown from the admin), a file chooser, and a way to remove it, over
// the URL field it fills (a URL can still be typed). The featured image, the social
// image, a tag's image and an author's avatar are all this.

import { upload, adminMedia } from './api.js';
import { h, toast } from './dom.js';

/// The drop zone for the URL field `url`; `id` names its parts (`{id}-upload`,
/// `{id}-thumbnail`, `{id}-drop`), `alt` is the alt text field to focus after an
/// upload (if any), `progress` a progress bar shown elsewhere (else the zone has one),
/// `changed` runs after each change. Returns the zone, the remove button, the
/// progress bar and `show`.
export function imageDrop(url, { id, alt = null, progress: shared = null, changed = () => {} }) {
  // A progress bar of its own, in the zone, unless the caller shows one elsewhere.
  const progress = shared || h('progress', { max: 1, value: 0, hidden: true });
  const chooser = h('input', { type: 'file', accept: 'image/*', id: `${id}-upload`, 'aria-label': 'Choose an image' });
  const thumbnail = h('img', { alt: '', id: `${id}-thumbnail`, hidden: true });
  const dropText = h('span', {});
  const remove = h('button', { type: 'button', class: 'link', onclick: () => { url.value = ''; show(); changed(); } }, 'Remove the image');
  const zone = h('label', { class: 'dropzone', id: `${id}-drop`, for: `${id}-upload` }, thumbnail, dropText, chooser, shared ? null : progress);
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
      if (alt && !alt.value) alt.focus();
      show();
      changed();
    } catch (e) { toast(e.message); } finally { progress.hidden = true; }
  }
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); set(e.dataTransfer?.files[0]); });
  chooser.addEventListener('change', () => set(chooser.files[0]));
  url.addEventListener('change', show);
  show();
  return { zone, remove, progress, show };
}
