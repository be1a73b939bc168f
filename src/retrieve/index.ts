export { retrieve, fuseRrf, type RetrieveOptions, type RetrieveDeps, type RetrieveMode } from './retrieve.js';
