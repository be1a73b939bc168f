/**
 * Which IP addresses a server-side fetch may connect to.
 *
 * Classification works on the address a connection will actually use, after DNS, never on the
 * URL's spelling: `new URL()` already turns decimal, octal, hex and short IPv4 forms
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) into dotted quads, and IPv6 forms that carry
 * an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the IPv4 address inside. Teredo is refused
 * whole: its embedded client address is obfuscated and nobody ingests documents over it.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'metadata';

/** Cloud instance-metadata endpoints: refused even with `allowPrivate: true`, unless listed by address. */
const METADATA = ['169.254.169.254', '169.254.170.2', '169.254.169.253', '168.63.129.16', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'];

const V4: [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6: [string, number, AddressClass][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'reserved'],
  ['2001::', 32, 'reserved'], // Teredo
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
];

function buildLists(): Map<AddressClass, BlockList> {
  const lists = new Map<AddressClass, BlockList>();
  const get = (c: AddressClass) => {
    let l = lists.get(c);
    if (!l) lists.set(c, (l = new BlockList()));
    return l;
  };
  for (const a of METADATA) get('metadata').addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  for (const [net, bits, c] of V4) get(c).addSubnet(net, bits, 'ipv4');
  for (const [net, bits, c] of V6) get(c).addSubnet(net, bits, 'ipv6');
  return lists;
}

const LISTS = buildLists();

/** 16 bytes of an IPv6 address (zone id dropped), or undefined if it does not parse. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  let a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const parts = v4[1]!.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    a = a.slice(0, -v4[1]!.length) + ((parts[0]! << 8) | parts[1]!).toString(16) + ':' + ((parts[2]! << 8) | parts[3]!).toString(16);
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  return out;
}

const v4At = (b: Uint8Array, i: number) => `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
const zeros = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4At(b, 12); // ::ffff:a.b.c.d
  if (zeros(b, 0, 12) && !zeros(b, 12, 16) && !(zeros(b, 12, 15) && b[15] === 1)) return v4At(b, 12); // ::a.b.c.d (not ::1)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(b, 4, 12)) return v4At(b, 12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return v4At(b, 2); // 2002:aabb:ccdd::/48
  return undefined;
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const inner = embeddedIpv4(bare);
    if (inner !== undefined) return classifyAddress(inner);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // Metadata first: its addresses sit inside the link-local and shared ranges.
  if (LISTS.get('metadata')!.check(bare, type)) return 'metadata';
  for (const [c, list] of LISTS) if (c !== 'metadata' && list.check(bare, type)) return c;
  return 'public';
}

/** `true`: every non-public address except metadata endpoints; a list: these addresses / CIDRs (metadata included). */
export type AllowPrivate = boolean | readonly string[];

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [net, bits] = e.split('/');
    const family = isIP(net ?? '');
    if (family === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`allowPrivate entry "${e}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(net!, type);
    else list.addSubnet(net!, Number(bits), type);
  }
  return list;
}

export interface AddressPolicy {
  /** Undefined when the address may be connected to; else its class. */
  refuses(address: string): AddressClass | undefined;
}

export function addressPolicy(allowPrivate: AllowPrivate = false): AddressPolicy {
  const list = Array.isArray(allowPrivate) ? allowList(allowPrivate) : undefined;
  return {
    refuses(address) {
      const c = classifyAddress(address);
      if (c === 'public') return undefined;
      if (list) {
        const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
        const inner = isIP(bare) === 6 ? embeddedIpv4(bare) : undefined;
        const probe = inner ?? bare;
        return list.check(probe, isIP(probe) === 4 ? 'ipv4' : 'ipv6') ? undefined : c;
      }
      if (allowPrivate === true && c !== 'metadata') return undefined;
      return c;
    },
  };
}
