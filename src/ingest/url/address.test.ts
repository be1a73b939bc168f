import { describe, expect, it } from 'vitest';
import { addressPolicy, classifyAddress, embeddedIpv4, type AddressClass } from './address.js';

// Pure classification of address strings: nothing here opens a socket.
const CASES: [string, AddressClass][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared'],
  ['169.254.1.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['192.0.2.10', 'reserved'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['8.8.8.8', 'public'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fd00:ec2::254', 'metadata'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:10.0.0.1', 'private'],
  ['::127.0.0.1', 'loopback'], // IPv4-compatible (deprecated)
  ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
  ['64:ff9b::808:808', 'public'], // NAT64 of 8.8.8.8
  ['2002:a9fe:a9fe::1', 'metadata'], // 6to4 of 169.254.169.254
  ['2002:808:808::1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['not-an-ip', 'reserved'],
];

describe('classifyAddress', () => {
  it.each(CASES)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('finds the IPv4 address inside IPv6 forms', () => {
    expect(embeddedIpv4('::ffff:192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedIpv4('0:0:0:0:0:ffff:c0a8:1')).toBe('192.168.0.1');
    expect(embeddedIpv4('64:ff9b::c0a8:1')).toBe('192.168.0.1');
    expect(embeddedIpv4('2002:c0a8:0001::')).toBe('192.168.0.1');
    expect(embeddedIpv4('::1')).toBeUndefined();
    expect(embeddedIpv4('2606:4700::1')).toBeUndefined();
  });
});

describe('addressPolicy', () => {
  it('by default refuses everything that is not public', () => {
    const p = addressPolicy();
    expect(p.refuses('8.8.8.8')).toBeUndefined();
    expect(p.refuses('127.0.0.1')).toBe('loopback');
    expect(p.refuses('::ffff:10.0.0.1')).toBe('private');
  });

  it('allowPrivate: true opens private ranges but never cloud metadata', () => {
    const p = addressPolicy(true);
    expect(p.refuses('127.0.0.1')).toBeUndefined();
    expect(p.refuses('10.0.0.1')).toBeUndefined();
    expect(p.refuses('fd12::1')).toBeUndefined();
    expect(p.refuses('169.254.169.254')).toBe('metadata');
    expect(p.refuses('::ffff:169.254.169.254')).toBe('metadata');
  });

  it('a list opens exactly those addresses and CIDRs, also through IPv6 spellings', () => {
    const p = addressPolicy(['10.1.0.0/16', '::1', '169.254.169.254']);
    expect(p.refuses('10.1.200.3')).toBeUndefined();
    expect(p.refuses('::ffff:10.1.0.9')).toBeUndefined();
    expect(p.refuses('10.2.0.1')).toBe('private');
    expect(p.refuses('::1')).toBeUndefined();
    expect(p.refuses('127.0.0.1')).toBe('loopback');
    expect(p.refuses('169.254.169.254')).toBeUndefined();
    expect(() => addressPolicy(['intranet'])).toThrow(/not an IP address or CIDR/);
  });
});
