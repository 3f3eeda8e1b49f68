/**
 * The signing seam: each signer produces one entry of the `webhook-signature` header over the
 * Standard Webhooks content `${webhook-id}.${webhook-timestamp}.${body}`. A delivery carries every
 * live signer's entry, space separated (current and previous HMAC secrets during a rotation, an
 * ed25519 key beside them), so a receiver verifies with whichever key it holds.
 */
export type SignatureVersion = 'v1' | 'v1a';

export interface Signer {
  /** `v1` (HMAC-SHA256) or `v1a` (ed25519), as the spec names them */
  readonly version: SignatureVersion;
  /** base64 signature of the signed content */
  sign(content: string): string;
}

/** What the deliverer needs: the header value for one attempt. */
export interface SignatureSet {
  header(id: string, timestamp: number, body: string): string;
}

/** The content every version signs (the id and timestamp never contain a '.': ours are UUIDs and digits). */
export function signedContent(id: string, timestamp: number | string, body: string): string {
  return `${id}.${timestamp}.${body}`;
}

/** Signs with each signer in order (the current key first), one `version,signature` entry each. */
export function signatureSet(signers: readonly Signer[]): SignatureSet {
  if (!signers.length) throw new Error('a signature set needs at least one signer');
  return {
    header(id, timestamp, body) {
      const content = signedContent(id, timestamp, body);
      return signers.map((s) => `${s.version},${s.sign(content)}`).join(' ');
    },
  };
}
