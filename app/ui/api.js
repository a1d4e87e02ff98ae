// The admin API over fetch: the session cookie goes by itself; changes carry the
// session's CSRF token. Errors come back as {status, error, field, ...}.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.field = this.body.field;
  }
}

export async function api(method, path, body, { raw = false } = {}) {
  const headers = {};
  const options = { method, headers, credentials: 'same-origin' };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(`/admin/api${path}`, options);
  if (raw && response.ok) return response.text();
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/// Uploads a file to /media with progress; resolves to the API's answer.
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name || 'image');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/admin/api/media');
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      xhr.status < 300 ? resolve(data) : reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, { error: 'the upload failed: network error' }));
    xhr.send(form);
  });
}

/// Where an upload shows in the admin before a publish gives it to the site: `/images/…`
/// (and files, media) through the API; null for an address elsewhere.
export const adminMedia = (url) => (/^\/(images|files|media)\//.test(url || '') ? `/admin/api/media${url}` : null);
