/**
 * The agency's time zone (agency settings, `month/`), used for import times that state no offset when the
 * upload names none.
 */
import type { Connection, Types } from 'mongoose';
import { createSettingsService } from '../month/settings';

export async function agencyTimeZone(conn: Connection, tenantId: Types.ObjectId): Promise<string> {
  return (await createSettingsService(conn).get(tenantId)).timeZone;
}
