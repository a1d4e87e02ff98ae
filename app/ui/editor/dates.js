// Dates as the editor shows and takes them.

/// datetime-local wants local time without a zone.
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/// A date to the minute, in the reader's words.
export const when = (d) => d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
