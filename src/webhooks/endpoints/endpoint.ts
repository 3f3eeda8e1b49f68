import { createHash } from 'node:crypto';

/** One destination URL of webhooks, with a short stable id for the API and Redis keys. */
export interface Endpoint {
  id: string;
  url: string;
}

const ids = new Map<string, string>();

/** The endpoint of a URL: id = first 16 hex digits of its SHA-256 (the same in every process). */
export function endpointOf(url: string): Endpoint {
  let id = ids.get(url);
  if (!id) {
    id = createHash('sha256').update(url).digest('hex').slice(0, 16);
    // a memo of few distinct URLs; cleared if it ever grows large
    if (ids.size >= 1000) ids.clear();
    ids.set(url, id);
  }
  return { id, url };
}

export const ENDPOINT_ID_RE = /^[0-9a-f]{16}$/;
