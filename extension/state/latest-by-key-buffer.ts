/**
 * Collects updates and hands only the latest one per key to `flush`, once per scheduled turn.
 * The side panel feeds live tallies through it so a burst of gift events costs one render per frame.
 */
export function createLatestByKeyBuffer<T>(keyOf: (item: T) => string, flush: (items: T[]) => void, schedule: (run: () => void) => void) {
  let pending = new Map<string, T>();
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const items = [...pending.values()];
    pending = new Map();
    if (items.length) flush(items);
  };
  return {
    push(item: T) {
      pending.set(keyOf(item), item);
      if (!scheduled) {
        scheduled = true;
        schedule(run);
      }
    },
    /** Drops what is pending for a key (e.g. the session ended before the frame). */
    drop(key: string) {
      pending.delete(key);
    },
  };
}

/** Next animation frame, or 50 ms when frames are paused (hidden panel), whichever comes first. */
export function nextFrameOrTimeout(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(once);
  setTimeout(once, 50);
}
