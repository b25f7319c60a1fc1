/**
 * The agency's time zone, used for import times that state no offset when the upload names none.
 * One switch point: agency settings (issue 11) hold `timeZone`; until they are on main every agency
 * reads as UTC.
 */
import type { Connection, Types } from 'mongoose';

export async function agencyTimeZone(_conn: Connection, _tenantId: Types.ObjectId): Promise<string> {
  return 'UTC';
}
