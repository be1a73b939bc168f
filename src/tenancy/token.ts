/**
 * API key format: `ic_` + 10-char lookup prefix + 43-char secret + 6-char checksum, all base62.
 *
 * Why not `ic_<prefix>_<base64url>`: the core logger redacts `ic_[A-Za-z0-9]{16,}`, so a key
 * with `_` or `-` inside would be redacted only up to the first separator and the secret part
 * would reach the logs. All-alphanumeric keys are redacted whole and select with one double-click.
 *
 * The secret part carries 256 bits (43 base62 characters, rejection-sampled from crypto
 * randomness). The trailing CRC32 (the GitHub token scheme) lets typos and scraped junk be
 * rejected without a database read; it is not a security control.
 *
 * Stored as SHA-256 of the whole key: with 256 bits of entropy there is nothing to brute-force,
 * so a slow password hash (scrypt, argon2) would only cost CPU on every request. A server-side
 * HMAC pepper would tie keys to a secret that must then never change; not worth it here.
 */
import { createHash, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_MARK = 'ic_';
const PREFIX_LEN = 10;
const SECRET_LEN = 43;
const CHECK_LEN = 6;
export const KEY_LENGTH = KEY_MARK.length + PREFIX_LEN + SECRET_LEN + CHECK_LEN;
const SHAPE = new RegExp(`^${KEY_MARK}[0-9A-Za-z]{${PREFIX_LEN + SECRET_LEN + CHECK_LEN}}$`);

export type RandomBytes = (size: number) => Buffer;

/** Uniform base62 characters: bytes >= 248 are dropped so `% 62` has no bias. */
export function randomBase62(length: number, random: RandomBytes = cryptoRandomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b >= 248) continue;
      out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function base62Fixed(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62Fixed(crc32(body), CHECK_LEN);
}

export function newPrefix(random?: RandomBytes): string {
  return randomBase62(PREFIX_LEN, random);
}

export function composeKey(prefix: string, random?: RandomBytes): string {
  const body = KEY_MARK + prefix + randomBase62(SECRET_LEN, random);
  return body + checksum(body);
}

/** The lookup prefix of a well-formed key with a valid checksum; undefined otherwise. */
export function parseKey(secret: string): string | undefined {
  if (secret.length !== KEY_LENGTH || !SHAPE.test(secret)) return undefined;
  const body = secret.slice(0, -CHECK_LEN);
  if (checksum(body) !== secret.slice(-CHECK_LEN)) return undefined;
  return secret.slice(KEY_MARK.length, KEY_MARK.length + PREFIX_LEN);
}

export function hashKey(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time for equal lengths; a length mismatch (a corrupt row) is simply unequal. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compared against when a prefix is unknown, so a miss costs the same hash-and-compare as a hit. */
export const DUMMY_HASH = hashKey('ic_unknown');
