// Ghost's cards that need a script (kept as HTML by the Ghost import): the audio and
// video players, toggles, and gallery rows. Without this file each still works: the
// players are the browser's own (`controls`), toggles stay open, gallery images share
// a row evenly. A file of the theme's, so the site's CSP (`script-src 'self'`) runs it.
(() => {
  const time = (seconds) => {
    if (!Number.isFinite(seconds)) return '0:00';
    const s = Math.floor(seconds % 60);
    return `${Math.floor(seconds / 60)}:${s < 10 ? '0' : ''}${s}`;
  };
  const RATES = [1, 1.5, 2, 0.5];

  // Ghost's player (`kg-audio-...` or `kg-video-...`) on the card's media element.
  function player(card, kind) {
    const media = card.querySelector(kind);
    const part = (name) => card.querySelector(`.kg-${kind}-${name}`);
    const controls = part('player');
    if (!media || !controls) return;
    const show = (el, on) => el && el.classList.toggle(`kg-${kind}-hide`, !on);
    const [play, pause, seek, volume] = ['play-icon', 'pause-icon', 'seek-slider', 'volume-slider'].map(part);
    const [mute, unmute, rate] = ['mute-icon', 'unmute-icon', 'playback-rate'].map(part);
    const [current, duration, large] = ['current-time', 'duration', 'large-play-icon'].map(part);
    seek?.setAttribute('aria-label', 'Position');
    volume?.setAttribute('aria-label', 'Volume');
    const toggle = () => (media.paused ? media.play() : media.pause());
    play?.addEventListener('click', toggle);
    pause?.addEventListener('click', toggle);
    large?.addEventListener('click', toggle);
    media.addEventListener('play', () => {
      show(play, false); show(pause, true);
      card.classList.add('kg-player-playing');
    });
    media.addEventListener('pause', () => {
      show(play, true); show(pause, false);
      card.classList.remove('kg-player-playing');
    });
    const length = () => {
      if (duration) duration.textContent = time(media.duration);
    };
    media.addEventListener('loadedmetadata', length);
    length();
    media.addEventListener('timeupdate', () => {
      if (current) current.textContent = time(media.currentTime);
      if (seek && media.duration) seek.value = String((media.currentTime / media.duration) * 100);
    });
    seek?.addEventListener('input', () => {
      if (media.duration) media.currentTime = (Number(seek.value) / 100) * media.duration;
    });
    volume?.addEventListener('input', () => {
      media.volume = Number(volume.value) / 100;
      media.muted = media.volume === 0;
    });
    const muted = () => {
      show(unmute, media.muted); show(mute, !media.muted);
    };
    mute?.addEventListener('click', () => { media.muted = true; });
    unmute?.addEventListener('click', () => { media.muted = false; });
    media.addEventListener('volumechange', muted);
    muted();
    rate?.addEventListener('click', () => {
      const next = RATES[(RATES.indexOf(media.playbackRate) + 1) % RATES.length] ?? 1;
      media.playbackRate = next;
      rate.textContent = `${next}×`;
    });
    // Ghost's own controls from here on, in place of the browser's.
    media.removeAttribute('controls');
    card.classList.add('kg-player-ready');
  }

  function toggleCard(card) {
    const button = card.querySelector('.kg-toggle-card-icon');
    const heading = card.querySelector('.kg-toggle-heading');
    if (!button || !heading) return;
    const set = (open) => {
      card.dataset.kgToggleState = open ? 'open' : 'close';
      button.setAttribute('aria-expanded', String(open));
      button.setAttribute('aria-label', open ? 'Collapse toggle' : 'Expand toggle to read content');
    };
    set(card.dataset.kgToggleState === 'open');
    heading.addEventListener('click', () => set(card.dataset.kgToggleState !== 'open'));
    card.classList.add('kg-toggle-ready');
  }

  // Each image takes its share of the row by its aspect ratio, so a row has one height.
  function gallery(card) {
    for (const image of card.querySelectorAll('.kg-gallery-image')) {
      const img = image.querySelector('img');
      const [w, h] = [Number(img?.getAttribute('width')), Number(img?.getAttribute('height'))];
      if (w > 0 && h > 0) image.style.flex = `${w / h} 1 0%`;
    }
  }

  const all = (selector, each) => document.querySelectorAll(selector).forEach(each);
  all('.kg-audio-card', (card) => player(card, 'audio'));
  all('.kg-video-card', (card) => player(card, 'video'));
  all('.kg-toggle-card', toggleCard);
  all('.kg-gallery-card', gallery);
})();
