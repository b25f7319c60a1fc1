/** Feed ids are `<ms>-<n>` (Redis Streams' form, used by both implementations so clients see one format). */

export function parseStreamId(id: string): [number, number] | null {
  const m = /^(\d{1,15})(?:-(\d{1,15}))?$/.exec(id);
  if (!m) return null;
  return [Number(m[1]), m[2] === undefined ? 0 : Number(m[2])];
}

export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a) ?? [0, 0];
  const y = parseStreamId(b) ?? [0, 0];
  return x[0] - y[0] || x[1] - y[1];
}

/** Makes ids that grow even when the clock does not (several in one millisecond, or a clock step back). */
export function createStreamIdSource(now: () => number = Date.now) {
  let lastMs = 0;
  let seq = 0;
  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else seq++;
    return `${lastMs}-${seq}`;
  };
}
