/**
 * A count of vault writes made by this process. Readers of the vault poll the database's version
 * row at most every `pollMs` (cheap, but not free on every model call); a write in this process —
 * the admin API or the CLI sharing the process — moves this counter, so the next call looks at
 * once instead of up to `pollMs` later. Writes by other processes are seen by the poll.
 */
let changes = 0;

export function noteVaultChange(): void {
  changes++;
}

export function localVaultChanges(): number {
  return changes;
}
