/**
 * Roll-up markers (`live:<sessionId>…`, `delete:<sessionId>`) in a document's `pendingTotals` guard a change to
 * creator totals or cross-session gifters against being applied twice. A crash after the change was applied and
 * recorded as done, but before the marker was removed, leaves it behind; the sweeper removes such markers.
 */

/** Whether a `pendingTotals` entry is a roll-up marker. */
export const ROLLUP_MARKER = /^(live|delete):/;

const isObjectIdHex = (value: string | undefined): value is string => !!value && /^[0-9a-f]{24}$/i.test(value);

/**
 * The markers among `tokens` that are safe to remove: those whose session no longer has that change pending
 * (`stillPending` answers for one marker; a marker that is still pending is what keeps completing its change
 * from adding twice).
 */
export async function settledMarkers(tokens: string[] | undefined, stillPending: (sessionId: string, token: string) => Promise<boolean>): Promise<string[]> {
  const done: string[] = [];
  for (const token of (tokens ?? []).filter((t) => ROLLUP_MARKER.test(t))) {
    const sessionId = token.split(':')[1];
    if (!isObjectIdHex(sessionId)) continue;
    if (!(await stillPending(sessionId, token))) done.push(token);
  }
  return done;
}
