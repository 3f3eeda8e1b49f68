import { createHash } from 'node:crypto';

/** One destination URL of webhooks, with a short stable id for the API and Redis keys. */
export interface Endpoint {
  id: string;
  url: string;
}

/** The endpoint of a URL: id = first 16 hex digits of its SHA-256 (the same in every process; about a µs). */
export function endpointOf(url: string): Endpoint {
  return { id: createHash('sha256').update(url).digest('hex').slice(0, 16), url };
}

export const ENDPOINT_ID_RE = /^[0-9a-f]{16}$/;
