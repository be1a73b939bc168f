export * from './types.js';
export { detectPii } from './detect.js';
export { redactPii, restorePii } from './redact.js';
export { luhnValid, ibanValid, ssnValid, checkKrRrn, type RrnCheck } from './checksums.js';
