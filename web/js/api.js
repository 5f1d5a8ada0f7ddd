// api: how every hylla page talks to the JSON API. Bodies go out as application/json, the
// session's CSRF token goes with every request that changes something, problem+json answers
// become ApiError (with the stable `code` the server sent), and a 401 sends the browser to the
// login page, which brings it back here afterwards.
//
//   import { get, post, patch, del, requireUser, errorMessage } from '/js/api.js';
//   const user = await requireUser();             // at the start of a staff page
//   try { await post('/api/loans', { ... }); }
//   catch (err) { status.textContent = errorMessage(err); }
import { t, has } from './i18n.js';

const TIMEOUT_MS = 30000;
let csrfToken = null;

/** A refused or failed request. code is the problem's code, or "network" when nothing came back. */
export class ApiError extends Error {
  constructor(status, problem = null, retryAfter = null) {
    super(problem?.title || (status ? `HTTP ${status}` : 'network error'));
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code || (status ? `http_${status}` : 'network');
    this.problem = problem;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : []; // [{ field, code, message }]
    this.retryAfter = retryAfter; // seconds, from Retry-After, or null
  }
}

/** Where to go after a login: a path of this site, or null for anything else. */
export function safeNext(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return null;
  try {
    const url = new URL(value, location.origin);
    if (url.origin !== location.origin || url.pathname === '/login') return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

/** The login page's address, coming back to next (default: this page) afterwards. */
export function loginUrl(next = location.pathname + location.search + location.hash) {
  const back = safeNext(next);
  return back ? `/login?next=${encodeURIComponent(back)}` : '/login';
}

function toLogin() {
  if (location.pathname !== '/login') location.assign(loginUrl());
}

async function send(method, path, body, headers) {
  const init = { method, headers: { accept: 'application/json', ...headers }, credentials: 'same-origin',
    signal: AbortSignal.timeout(TIMEOUT_MS) };
  if (body instanceof Blob) {
    init.headers['content-type'] = body.type || 'application/octet-stream';
    init.body = body; // a photo, say: its bytes as they are
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0);
  }
}

async function failure(res) {
  let problem = null;
  if (/json/.test(res.headers.get('content-type') || '')) problem = await res.json().catch(() => null);
  const retry = Number.parseInt(res.headers.get('retry-after') || '', 10);
  return new ApiError(res.status, problem, Number.isFinite(retry) ? retry : null);
}

/**
 * Send a request; resolves the parsed JSON answer (null for 204) or throws ApiError. Options:
 * redirect (default true) sends the browser to the login page on 401 before throwing; headers
 * adds request headers (an Idempotency-Key, say); a Blob body is sent as its bytes and type.
 */
export async function request(method, path, { body, headers: extra = {}, redirect = true } = {}) {
  const changes = method !== 'GET' && method !== 'HEAD';
  if (changes && !csrfToken) await currentUser(); // a fresh page has no token yet
  for (let attempt = 0; ; attempt++) {
    const headers = changes && csrfToken ? { ...extra, 'x-csrf-token': csrfToken } : { ...extra };
    const res = await send(method, path, body, headers);
    if (res.ok) return res.status === 204 ? null : res.json();
    const err = await failure(res);
    // Another tab may have logged in again since this page got its token: fetch it and retry once.
    if (err.code === 'csrf_failed' && attempt === 0) {
      await currentUser();
      continue;
    }
    if (err.status === 401 && redirect) toLogin();
    throw err;
  }
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
export const put = (path, body, opts) => request('PUT', path, { ...opts, body });
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body });
export const del = (path, opts) => request('DELETE', path, opts);

/** The logged-in staff member { id, username, display_name, role, branch }, or null. */
export async function currentUser() {
  const res = await send('GET', '/api/session');
  if (res.status === 401) {
    csrfToken = null;
    return null;
  }
  if (!res.ok) throw await failure(res);
  const session = await res.json();
  csrfToken = session.csrf_token;
  return session.user;
}

/** The account page, where a one-time password is replaced, coming back to next afterwards. */
export function accountUrl(next = location.pathname + location.search + location.hash) {
  const back = safeNext(next);
  return back && back !== '/account' ? `/account?next=${encodeURIComponent(back)}` : '/account';
}

/**
 * Like currentUser, but a page without a session goes to the login page, and a user who must
 * choose a password of their own to the account page (and then it never resolves).
 */
export async function requireUser() {
  const user = await currentUser();
  if (user && (!user.must_change_password || location.pathname === '/account')) return user;
  if (user) location.assign(accountUrl());
  else toLogin();
  return new Promise(() => {});
}

/** Log in; resolves the user or throws ApiError (invalid_credentials, login_throttled, busy...). */
export async function login(username, password) {
  const session = await request('POST', '/api/session', { body: { username, password }, redirect: false });
  csrfToken = session.csrf_token;
  return session.user;
}

/** Log out and go to the login page. */
export async function logout() {
  try {
    await del('/api/session', { redirect: false });
  } finally {
    csrfToken = null;
    location.assign('/login');
  }
}

/**
 * The one way a page says what went wrong: a sentence in the current language for any error.
 * An ApiError is said by its problem code ("problem.CODE" in lang/*.js; "network" when no answer
 * came, with a wait from Retry-After as {n} whole minutes); a code without a sentence, and
 * anything else, by "problem.other" with the HTTP status.
 */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t('problem.other', { status: '?' });
  const key = `problem.${err.code}`;
  if (!has(key)) return t('problem.other', { status: err.status });
  return t(key, { n: Math.max(1, Math.ceil((err.retryAfter ?? 60) / 60)) });
}

/** A sentence for one entry of err.errors ({ field, code }), in the current language. */
export function fieldMessage(fieldError) {
  const key = `field.${fieldError.code}`;
  return has(key) ? t(key) : t('field.invalid');
}
