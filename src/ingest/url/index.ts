export { fetchUrlSafely, parseTarget, DEFAULT_URL_MAX_BYTES, type SafeFetchOptions, type SafeFetchResult, type ResolvedAddress } from './fetch.js';
export { classifyAddress, embeddedIpv4, addressPolicy, type AddressClass, type AddressPolicy, type AllowPrivate } from './address.js';
export { loadUrl, type LoadUrlOptions } from './load.js';
