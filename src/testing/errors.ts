import { IncontextError } from '../core/index.js';

/** The IncontextError `fn` throws, for assertions on its code, input and hint; anything else fails the test. */
export function thrownError(fn: () => unknown): IncontextError {
  try {
    fn();
  } catch (err) {
    if (IncontextError.isInstance(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

/** The IncontextError a promise rejects with; a resolved promise or another error fails the test. */
export async function rejectedError(p: Promise<unknown>): Promise<IncontextError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!IncontextError.isInstance(err)) throw new Error(`expected an IncontextError, got ${String(err)}`);
  return err;
}
