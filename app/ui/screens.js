// Every screen of the admin, in one list that the router (app.js), the menu and the
// browser tests all read: its name, its address (`:id` stands for a number, `:kind`
// for post or page), the least role that opens it, the menu section it belongs to,
// and, for the screens the menu lists, their label and icon (an SVG path).
// Data only: no DOM here, so the tests read it too.

export const SCREENS = [
  { name: 'posts', path: '#/posts', menu: 'Posts', icon: 'M6 3h9l4 4v14H6z M9 12h7 M9 16h7 M9 8h3' },
  { name: 'pages', path: '#/pages', menu: 'Pages', icon: 'M8 3h11v14H8z M5 7v14h11' },
  { name: 'trash', path: '#/trash', section: 'posts' },
  { name: 'new-post', path: '#/edit/new/:kind', section: 'posts' },
  { name: 'editor', path: '#/edit/:id', section: 'posts' },
  { name: 'tags', path: '#/tags', menu: 'Tags', icon: 'M3 12V4h8l10 10-8 8z M7.5 7.5h.01' },
  { name: 'new-tag', path: '#/tags/new', role: 'editor', section: 'tags' },
  { name: 'tag', path: '#/tags/:id', role: 'editor', section: 'tags' },
  { name: 'people', path: '#/people', menu: 'People', icon: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z M2 20c0-3.5 3-5.5 7-5.5s7 2 7 5.5 M16 4.5a3.5 3.5 0 0 1 0 6.5 M19 14.8c1.8.7 3 2.4 3 5.2' },
  // The addresses of the screens People joined, kept for bookmarks.
  { name: 'authors', path: '#/authors', section: 'people' },
  { name: 'users', path: '#/users', section: 'people' },
  { name: 'author', path: '#/authors/:id', section: 'people' },
  { name: 'settings', path: '#/settings', role: 'administrator', menu: 'Settings', icon: 'M4 6h10 M18 6h2 M16 4v4 M4 12h4 M12 12h8 M10 10v4 M4 18h12 M20 18h0 M18 16v4' },
  { name: 'tokens', path: '#/tokens', role: 'editor', menu: 'API tokens', icon: 'M8 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M12 12h9 M18 12v3 M21 12v2' },
  { name: 'integrations', path: '#/integrations', role: 'administrator', menu: 'Integrations', icon: 'M9 7V3 M15 7V3 M6 7h12v4a6 6 0 0 1-12 0z M12 17v4' },
  { name: 'audit', path: '#/audit', role: 'administrator', menu: 'Audit log', icon: 'M8 4h8v3H8z M6 5H5v16h14V5h-1 M9 12h6 M9 16h6' },
  { name: 'account', path: '#/account', menu: 'Account', icon: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z M12 13a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M6.5 18.5c1.3-1.7 3.3-2.5 5.5-2.5s4.2.8 5.5 2.5' },
];

const pattern = (path) => new RegExp(`^${path
  .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  .replace('/:kind', '(?:/(post|page))?')
  .replace(':id', '(\\d+)')}$`);
const PATTERNS = SCREENS.map((screen) => [screen, pattern(screen.path)]);

/// The screen `hash` opens, and what its address holds (an id, a kind), or null.
export function match(hash) {
  for (const [screen, re] of PATTERNS) {
    const found = hash.match(re);
    if (found) return { screen, param: found[1] };
  }
  return null;
}

/// The menu entry a screen belongs to: its own, or its section's.
export function section(screen) {
  return `#/${screen.section || screen.name}`;
}
