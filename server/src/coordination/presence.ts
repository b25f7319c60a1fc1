/**
 * Instance presence in the database: one document (`_id` lookup, cheap on FerretDB) where every running instance
 * stamps itself every few seconds with its coordination mode. In-process coordination cannot see another
 * instance, so an instance without Redis refuses to start while another instance is alive on the same database,
 * and an instance with Redis refuses while an in-process one is alive. This is the only thing coordination reads
 * from the database, and only every `heartbeatMs`, whatever the number of agencies.
 */
import { hostname } from 'node:os';
import { Schema, type Connection } from 'mongoose';

export const PRESENCE_HEARTBEAT_MS = 5_000;
/** An entry not refreshed for this long is a dead instance (SIGKILL leaves its entry behind). */
export const PRESENCE_STALE_MS = 15_000;

interface PresenceEntry {
  mode: 'in-process' | 'redis';
  seenAt: number;
  pid: number;
  host?: string;
}

/** An entry of a process on this machine that no longer exists is dead at once (a restart after kill -9 need not wait). */
function deadHere(e: PresenceEntry): boolean {
  if (e.host !== hostname() || !e.pid) return false;
  try {
    process.kill(e.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const schema = new Schema({ _id: String, instances: { type: Schema.Types.Mixed, default: {} } }, { collection: 'instance_presence', versionKey: false, minimize: false });

function presenceModel(conn: Connection) {
  return conn.models.InstancePresence ?? conn.model('InstancePresence', schema);
}

export class InstanceConflictError extends Error {}

export async function claimPresence(conn: Connection, options: { instanceId: string; mode: PresenceEntry['mode']; now?: () => number; heartbeatMs?: number }) {
  const now = options.now ?? Date.now;
  const model = presenceModel(conn);
  // Field names may not hold '.' or '$' (a hostname often has dots).
  const field = options.instanceId.replace(/[.$]/g, '_');
  const doc = (await model.findById('presence').setOptions({ allTenants: true }).lean()) as { instances?: Record<string, PresenceEntry> } | null;
  const alive = Object.entries(doc?.instances ?? {}).filter(([id, e]) => id !== field && now() - e.seenAt < PRESENCE_STALE_MS && !deadHere(e));
  if (options.mode === 'in-process' && alive.length > 0) {
    throw new InstanceConflictError(
      `Another LiveRoster instance (${alive[0][0]}) is running against this database. Without Redis, instances cannot coordinate ` +
        `(realtime streams, cache invalidation, LIVE listener ownership): set REDIS_URL (the same Redis for every instance) to run several, or stop the other one.`,
    );
  }
  const inProcess = alive.find(([, e]) => e.mode === 'in-process');
  if (options.mode === 'redis' && inProcess) {
    throw new InstanceConflictError(
      `An instance without Redis (${inProcess[0]}) is running against this database: restart it with REDIS_URL set, as this one is, before adding instances.`,
    );
  }
  const stamp = () =>
    model
      .updateOne({ _id: 'presence' }, { $set: { [`instances.${field}`]: { mode: options.mode, seenAt: now(), pid: process.pid, host: hostname() } } }, { upsert: true })
      .setOptions({ allTenants: true });
  await stamp();
  // Forget dead instances' entries, so the document stays small.
  const dead = Object.entries(doc?.instances ?? {}).filter(([, e]) => now() - e.seenAt > PRESENCE_STALE_MS * 4);
  if (dead.length) await model.updateOne({ _id: 'presence' }, { $unset: Object.fromEntries(dead.map(([id]) => [`instances.${id}`, 1])) }).setOptions({ allTenants: true });
  const timer = setInterval(() => void stamp().catch(() => undefined), options.heartbeatMs ?? PRESENCE_HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await model.updateOne({ _id: 'presence' }, { $unset: { [`instances.${field}`]: 1 } }).setOptions({ allTenants: true }).catch(() => undefined);
    },
  };
}
