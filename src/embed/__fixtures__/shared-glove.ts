import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One cache folder for every test run on this machine: converting the 307 MB
 * JSON takes seconds, so tests build the 100k-word cache once and reuse it.
 */
export const SHARED_GLOVE_DIR = join(tmpdir(), 'incontext-test-glove');
