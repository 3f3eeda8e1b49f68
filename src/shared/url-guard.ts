import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from './errors';
import { withTimeout } from './redis';

/**
 * Media URLs are fetched by whatsapp-server, inside the operator's network. A caller must not be
 * able to make it fetch loopback, private, link-local, unique-local or carrier-grade NAT addresses
 * (cloud metadata at 169.254.169.254, Redis on 127.0.0.1, the LAN). The check resolves the host the
 * way the fetch will and refuses when any address is non-public.
 * The fetch resolves again later, so a host that changes its answer in between (DNS rebinding) is
 * not covered here; this closes the plain cases with a clear 400 at request time.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of (possibly private) IPv4
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  // IPv4-mapped (::ffff:10.0.0.1) is checked as the IPv4 address it stands for
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, 'ipv6');
}

export interface UrlGuardOptions {
  allowPrivate: boolean;
  dnsTimeoutMs: number;
  /** field name used in the error message */
  field?: string;
}

/** Throws a 400 AppError unless url is http(s) and resolves only to public addresses. */
export async function assertPublicHttpUrl(url: string, options: UrlGuardOptions): Promise<void> {
  const field = options.field ?? 'url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, 'is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(field, 'must use http or https');
  if (options.allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw invalid(field, 'points to a private address');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      const found = await withTimeout(lookup(host, { all: true, verbatim: true }), options.dnsTimeoutMs, 'DNS lookup timed out');
      addresses = found.map((a) => a.address);
    } catch (err) {
      throw invalid(field, `host ${host} could not be resolved (${(err as Error).message})`);
    }
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw invalid(field, 'points to a private address');
}

function invalid(field: string, reason: string): AppError {
  return new AppError('validation_failed', `${field} ${reason}`, { fields: [{ field, message: reason }] });
}
