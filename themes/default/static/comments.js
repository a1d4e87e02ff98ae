// Comments under a post from the service `[comments]` in folio.toml names (Giscus or
// Remark42), loaded only when a reader comes near them. The site's CSP lets that
// service's origin load its script and frame, and nothing else.
(() => {
  const box = document.getElementById('comments');
  if (!box) return;
  const d = box.dataset;
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const load = () => {
    const script = document.createElement('script');
    if (d.provider === 'giscus') {
      script.src = 'https://giscus.app/client.js';
      script.crossOrigin = 'anonymous';
      Object.assign(script.dataset, {
        repo: d.repo, repoId: d.repoId, category: d.category, categoryId: d.categoryId,
        mapping: 'pathname', strict: '1', reactionsEnabled: '1', emitMetadata: '0',
        inputPosition: 'top', theme: 'preferred_color_scheme', lang: document.documentElement.lang || 'en', loading: 'lazy',
      });
    } else if (d.provider === 'remark42') {
      const frame = document.createElement('div');
      frame.id = 'remark42';
      box.append(frame);
      window.remark_config = {
        host: d.host, site_id: d.siteId, url: location.origin + location.pathname,
        components: ['embed'], theme: dark ? 'dark' : 'light', locale: document.documentElement.lang || 'en',
      };
      script.src = `${d.host}/web/embed.js`;
    } else {
      return;
    }
    script.async = true;
    box.append(script);
  };
  if (!('IntersectionObserver' in window)) { load(); return; }
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); load(); }
  }, { rootMargin: '600px' });
  seen.observe(box);
})();
