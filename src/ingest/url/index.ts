export { fetchUrlSafely, parseTarget, DEFAULT_URL_MAX_BYTES, type SafeFetchOptions, type SafeFetchResult, type ResolvedAddress } from './fetch.js';
export { classifyAddress, embeddedIpv4, addressPolicy, type AddressClass, type AddressPolicy, type AllowPrivate } from './address.js';
export { loadUrl, type LoadUrlOptions } from './load.js';
// The zip-bomb guard rides on this line of the ingest index: the server may pre-check uploaded archives with it.
export { assertSafeZip, type ZipLimits, type ZipEntryInfo } from '../zip-guard.js';
