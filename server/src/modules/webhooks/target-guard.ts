/**
 * Where a webhook may post. Checked when it is saved (a clear 400) and again at connect time on every attempt:
 * DNS can answer differently later (rebinding), so the socket's own lookup refuses private, loopback and
 * link-local addresses, and an IP literal in the URL (which skips the lookup) is checked before connecting.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for private, loopback, link-local, CGNAT, multicast and unspecified addresses (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return false;
}

export class TargetRefusedError extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: a private, loopback or link-local address`);
    this.name = 'TargetRefusedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s) agents/requests that fails on private answers unless they are allowed. */
export function guardedLookup(allowPrivate: boolean) {
  return function lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(Object.assign(new TargetRefusedError(refused.address), { code: 'WEBHOOK_TARGET_REFUSED' }) as unknown as NodeJS.ErrnoException, '');
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/** The URL problems a webhook target can have before any connection: not http(s), http in production, a private literal. */
export function urlProblem(raw: string, options: { httpsOnly: boolean; allowPrivate: boolean }): { code: 'WEBHOOK_URL_INVALID' | 'WEBHOOK_TARGET_REFUSED'; message: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { code: 'WEBHOOK_URL_INVALID', message: 'The webhook URL must be an absolute URL.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { code: 'WEBHOOK_URL_INVALID', message: 'The webhook URL must use https.' };
  if (options.httpsOnly && url.protocol !== 'https:') return { code: 'WEBHOOK_URL_INVALID', message: 'Webhook URLs must use https in production.' };
  if (url.username || url.password) return { code: 'WEBHOOK_URL_INVALID', message: 'Put no credentials in the webhook URL; the signature authenticates us.' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && (isPrivateAddress(host) || host === 'localhost' || host.endsWith('.localhost'))) {
    return { code: 'WEBHOOK_TARGET_REFUSED', message: `The webhook host ${host} is a private, loopback or link-local address.` };
  }
  return null;
}

/** Resolves the host now (saving a webhook): refuses a name that answers with a private address. */
export async function resolvesPrivately(hostname: string): Promise<string | null> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? host : null;
  return new Promise((resolve) => {
    dnsLookup(host, { all: true }, (err, addresses) => {
      if (err) return resolve(null); // unknown now: the connect-time check still applies
      const bad = (addresses as LookupAddress[]).find((a) => isPrivateAddress(a.address));
      resolve(bad ? bad.address : null);
    });
  });
}
