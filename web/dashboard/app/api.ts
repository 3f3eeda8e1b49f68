/** The dashboard API (/dashboard/api): the public API's routes behind the session cookie. */
export const API_BASE = '/dashboard/api';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
  }
}

/** Fired when the session is gone (expired, logged out elsewhere, its key deleted): back to the login. */
export const LOGGED_OUT_EVENT = 'dashboard:logged-out';

export function apiUrl(path: string): string {
  return `${API_BASE}${path}`;
}

/** A JSON call; the x-dashboard header is what lets a write through (see session-auth.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-dashboard': '1', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(apiUrl(path), { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== '/login') window.dispatchEvent(new CustomEvent(LOGGED_OUT_EVENT));
    // the server's message says it all (a 429 names the seconds to wait)
    throw new ApiError(data?.error?.message ?? `HTTP ${res.status}`, res.status, data?.error?.code ?? 'http_error');
  }
  return data as T;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
