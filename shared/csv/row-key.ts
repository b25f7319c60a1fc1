import type { NormalisedBackstage } from './backstage-normaliser';
import type { NormalisedSession } from './session-normaliser';
import { sha256Hex } from './sha256';

/**
 * Canonical identity of an imported LIVE: `session/v1|<creatorId>|<start minute UTC>`, plus
 * `|<durationSeconds>|<diamonds>` only when the file gave a date without a start time.
 *
 * Why these fields:
 * - creator + start minute identify a LIVE: one creator can't start two LIVEs in one minute.
 *   The minute, not the second, because some exports show start times to the minute and
 *   others to the second; UTC, because the same LIVE exported from UIs in two time zones
 *   must key the same.
 * - Figures (diamonds, viewers, likes...) are left out when the start time is known: the same
 *   LIVE exported again later, in another language, or with other optional columns, must not
 *   insert a second session and double the creator's totals. Optional columns vary between
 *   exports and averages are rounded differently per locale, so hashing them would break
 *   "the same LIVE uploaded again inserts nothing". The key names the LIVE, not its figures; the
 *   server keeps the first figures (or may $set the newer ones) on a duplicate.
 * - With only a date, two LIVEs on one day would collide, so duration and diamonds (required,
 *   whole numbers in every format) tell them apart.
 * The tenant is not in the key: the server stores it in a unique (tenantId, rowHash) index.
 * `v1` lets the rule change later without colliding with old keys.
 */
export function sessionRowKey(creatorId: string, s: NormalisedSession): string {
  const minute = s.startedAt.slice(0, 16); // YYYY-MM-DDTHH:MM of the UTC ISO string
  const base = `session/v1|${creatorId}|${minute}Z`;
  return s.startTimeKnown ? base : `${base}|${s.durationSeconds}|${s.diamonds}`;
}

/** SHA-256 hex of `sessionRowKey`: pure JS, so the extension and the server compute the same. */
export function sessionRowHash(creatorId: string, s: NormalisedSession): string {
  return sha256Hex(sessionRowKey(creatorId, s));
}

/**
 * Identity of a Backstage row: `backstage/v1|<creatorId>|<periodStart>`. Exports are
 * month-to-date, so `2026-07-01 ~ 2026-07-06` and a later `2026-07-01 ~ 2026-07-12` are the same
 * period growing: the key leaves out the period end so the newer export replaces the older
 * figures instead of adding to them. The server should replace only when the incoming
 * `periodEnd` is not older than the stored one, so re-uploading an old file can't roll figures
 * back. `creatorId` is LiveRoster's id for the creator (resolved from the handle or TikTok id).
 */
export function backstageRowKey(creatorId: string, s: NormalisedBackstage): string {
  return `backstage/v1|${creatorId}|${s.periodStart}`;
}

/** SHA-256 hex of `backstageRowKey`. */
export function backstageRowHash(creatorId: string, s: NormalisedBackstage): string {
  return sha256Hex(backstageRowKey(creatorId, s));
}
