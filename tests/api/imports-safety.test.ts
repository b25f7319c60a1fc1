/**
 * Import safety: exact creator totals under concurrent duplicate uploads, crash-and-retry at every
 * ledger step (faults injected into an imports service as a dependency), reconciliation with listener
 * sessions, Backstage same-period replacement, the size limit hit mid-stream, and tenant isolation.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../shared/csv/test-helpers';
import { creatorModel } from '../../server/src/modules/creators/model';
import { liveSessionModel } from '../../server/src/modules/live/session-model';
import { importBatchModel } from '../../server/src/modules/imports/model';
import { ProcessDeath, type ImportFaults, type LedgerStep } from '../../server/src/modules/imports/faults';
import { createImportsService } from '../../server/src/modules/imports/service';
import { authOf, multipartBody, sessionsCsv, spooledFile, type MultipartFile } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'import_safety', IMPORT_MAX_BYTES: String(256 * 1024) });
  admin = await signupAgency(app, 'Safety Agency');
});
afterAll(async () => app?.close());

/** Runs an import through a service built with `faults` (same database as the app), as the route would. */
async function importWithFaults(session: Session, csv: string, faults: ImportFaults, clientRef?: string) {
  const service = createImportsService(app.db, { maxBytes: 256 * 1024, reconcileToleranceMs: 600_000, staleAfterMs: 600_000, faults });
  const file = await spooledFile(csv);
  try {
    return await service.run(authOf(session), { addMissingCreators: false, timeZone: 'UTC', timeZoneSource: 'agency', clientRef }, file);
  } finally {
    await file.dispose();
  }
}

function upload(session: Session, file: MultipartFile, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartBody(fields, file);
  return session.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
}
async function addCreator(session: Session, handle: string): Promise<string> {
  const res = await session.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}
async function totals(session: Session, id: string) {
  return (await session.inject({ method: 'GET', url: `/api/v1/creators/${id}` })).json().totals;
}
const importedCount = (tenant: string, creatorId: string) =>
  liveSessionModel(app.db).countDocuments({ tenantId: new Types.ObjectId(tenant), creatorId: new Types.ObjectId(creatorId), source: 'import' });

describe('exactly once', () => {
  it('two uploads of the same file at the same time insert each session once and count it once', async () => {
    const id = await addCreator(admin, 'twice_at_once');
    const csv = sessionsCsv('twice_at_once', 2500);
    const [a, b] = await Promise.all([upload(admin, { content: csv }), upload(admin, { content: csv })]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().inserted + b.json().inserted).toBe(2500);
    expect(a.json().duplicates + b.json().duplicates).toBe(2500);
    expect(await totals(admin, id)).toEqual({ diamonds: (2500 * 2501) / 2, liveSeconds: 2500 * 3600, sessions: 2500 });
    expect(await importedCount(admin.agencyId, id)).toBe(2500);
  });

  const steps: LedgerStep[] = ['after-begin', 'after-insert', 'after-record', 'after-inc'];
  for (const step of steps) {
    it(`a crash ${step} of the second batch leaves nothing half-counted: the same file again completes it exactly`, async () => {
      const handle = `crash_${step.replace(/-/g, '_')}`;
      const id = await addCreator(admin, handle);
      const csv = sessionsCsv(handle, 2600); // three batches of up to 1000
      const crashAt: ImportFaults = { at: (at, batch) => { if (at === step && batch === 2) throw new ProcessDeath(at); } };
      await expect(importWithFaults(admin, csv, crashAt)).rejects.toBeInstanceOf(ProcessDeath);
      const partial = await totals(admin, id);
      expect(partial.sessions).toBeLessThanOrEqual(2000);

      // The crashed process never marked its import failed; once its heartbeat is old it is dead.
      const retry = await importWithFaults(admin, csv, { staleAfterMs: 0 });
      expect(retry.inserted + retry.duplicates).toBe(2600);
      expect(await totals(admin, id)).toEqual({ diamonds: (2600 * 2601) / 2, liveSeconds: 2600 * 3600, sessions: 2600 });
      expect(await importedCount(admin.agencyId, id)).toBe(2600);
      expect(await importBatchModel(app.db).countDocuments({ tenantId: new Types.ObjectId(admin.agencyId) })).toBe(0);
      const list = (await admin.inject({ method: 'GET', url: '/api/v1/imports?limit=2' })).json().items;
      expect(list[1]).toMatchObject({ status: 'failed', message: expect.stringContaining('interrupted') });

      const third = await upload(admin, { content: csv });
      expect(third.json()).toMatchObject({ inserted: 0, duplicates: 2600 });
      expect((await totals(admin, id)).sessions).toBe(2600);
    }, 180_000); // three uploads of 2,600 rows and a recovery: ~25 s idle, minutes on a loaded machine
  }
});

describe('progress', () => {
  it('the import record exists from the start and shows rows processed while the upload runs', async () => {
    await addCreator(admin, 'progress_one');
    const seen: { status: string; inserted: number; bytesRead: number }[] = [];
    const afterBatch = async () => {
      const list = await admin.inject({ method: 'GET', url: '/api/v1/imports?clientRef=progress-1' });
      const record = await admin.inject({ method: 'GET', url: `/api/v1/imports/${list.json().items[0].id}` });
      seen.push(record.json());
    };
    const res = await importWithFaults(admin, sessionsCsv('progress_one', 2500), { afterBatch }, 'progress-1');
    expect(res).toMatchObject({ status: 'completed', inserted: 2500, clientRef: 'progress-1' });
    expect(seen.map((r) => [r.status, r.inserted])).toEqual([['processing', 1000], ['processing', 2000], ['processing', 2500]]);
    expect(seen[0].bytesRead).toBeGreaterThan(0);
  });
});

describe('reconciliation with listener sessions', () => {
  it('takes the import as the reference: totals get the difference, no extra session, both documents noted', async () => {
    const id = await addCreator(admin, 'tracked_one');
    const tenantId = new Types.ObjectId(admin.agencyId);
    const creatorId = new Types.ObjectId(id);
    const listener = await liveSessionModel(app.db).create({
      tenantId, creatorId, key: 'listener:room-1', source: 'listener', status: 'ended',
      startedAt: new Date('2026-08-01T20:03:30Z'), endedAt: new Date('2026-08-01T21:01:50Z'),
      durationSeconds: 3500, diamonds: 900, totalsApplied: true,
    });
    await creatorModel(app.db).updateOne({ _id: creatorId, tenantId }, { $inc: { 'totals.diamonds': 900, 'totals.liveSeconds': 3500, 'totals.sessions': 1 } });

    const csv = 'Username,Start time,Duration,Diamonds\ntracked_one,2026-08-01 20:00,3600,1000\ntracked_one,2026-08-03 20:00,600,50\n';
    const res = await upload(admin, { content: csv });
    expect(res.json()).toMatchObject({ inserted: 2, reconciled: 1 });
    expect(await totals(admin, id)).toEqual({ diamonds: 1050, liveSeconds: 4200, sessions: 2 });

    const listenerAfter = await liveSessionModel(app.db).findOne({ _id: listener._id, tenantId }).lean();
    const imported = await liveSessionModel(app.db).findOne({ tenantId, creatorId, source: 'import', diamonds: 1000 }).lean();
    expect(listenerAfter!.reconciliation).toMatchObject({ matchedSessionId: imported!._id, listenerDiamonds: 900, importDiamonds: 1000, difference: 100 });
    expect(imported!.reconciliation).toMatchObject({ matchedSessionId: listener._id, listenerDiamonds: 900, importDiamonds: 1000, difference: 100 });

    const again = await upload(admin, { content: csv });
    expect(again.json()).toMatchObject({ inserted: 0, duplicates: 2, reconciled: 0 });
    expect(await totals(admin, id)).toEqual({ diamonds: 1050, liveSeconds: 4200, sessions: 2 });
  });
});

describe('Backstage creator data', () => {
  it('a newer export of the same period replaces the figures; an older one changes nothing; session totals untouched', async () => {
    const first = await upload(admin, { content: fixtureText('backstage-en.csv') }, { addMissingCreators: 'true' });
    expect(first.json()).toMatchObject({ status: 'completed', format: 'backstage', inserted: 3, creatorsAdded: 3 });
    const luna = (await admin.inject({ method: 'GET', url: '/api/v1/creators/by-handle/luna.live' })).json();
    let periods = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${luna.id}/backstage` })).json().items;
    expect(periods).toHaveLength(1);
    expect(periods[0]).toMatchObject({ periodStart: '2026-07-01', periodEnd: '2026-07-06', diamonds: 1234567, liveSeconds: 23 * 3600 + 7 * 60 + 8, validLiveDays: 6 });

    const newer = 'Data period,Creator\'s username,Diamonds,LIVE duration,Valid go LIVE days\n' +
      '2026-07-01 ~ 2026-07-12,luna.live,"2,000,000",40h,11\n2026-07-01 ~ 2026-07-12,mike_plays,553978,88.46h,5\n';
    const second = await upload(admin, { content: newer });
    expect(second.json()).toMatchObject({ inserted: 0, updated: 2, duplicates: 0 });
    periods = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${luna.id}/backstage` })).json().items;
    expect(periods).toHaveLength(1);
    // Replaced whole: the newer export has no "last month" columns, so none are kept from the older one.
    expect(periods[0]).toEqual({ creatorId: luna.id, periodStart: '2026-07-01', periodEnd: '2026-07-12', diamonds: 2_000_000, liveSeconds: 40 * 3600, validLiveDays: 11, importId: second.json().id, updatedAt: expect.any(String) });

    const older = await upload(admin, { content: fixtureText('backstage-en.csv') });
    expect(older.json()).toMatchObject({ inserted: 0, updated: 0, duplicates: 3 });
    expect(older.json().assumptions.join(' ')).toContain('older exports');
    periods = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${luna.id}/backstage` })).json().items;
    expect(periods[0]).toMatchObject({ periodEnd: '2026-07-12', diamonds: 2_000_000 });
    expect(luna.totals).toEqual({ diamonds: 0, liveSeconds: 0, sessions: 0 });
    expect(await totals(admin, luna.id)).toEqual({ diamonds: 0, liveSeconds: 0, sessions: 0 });
  });
});

describe('size limit hit while streaming (no Content-Length)', () => {
  it('413 naming the limit before anything is imported; a smaller file then imports', async () => {
    const id = await addCreator(admin, 'too_big');
    // Just over the limit (within the Content-Length allowance), so busboy cuts the file mid-stream.
    let count = 5000;
    while (sessionsCsv('too_big', count).length < 256 * 1024 + 20_000) count += 200;
    const csv = sessionsCsv('too_big', count);
    const { payload, headers } = multipartBody({ clientRef: 'big-upload-1' }, { content: csv });
    const res = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload: Readable.from([payload.subarray(0, 100_000), payload.subarray(100_000)]), headers });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('0.3 MB');
    expect(res.json().error.details).toMatchObject({ reason: 'FILE_TOO_LARGE', limitBytes: 256 * 1024 });
    // The upload is read to its end before any row is imported: no record, no session, no total.
    expect((await admin.inject({ method: 'GET', url: '/api/v1/imports?clientRef=big-upload-1' })).json().items).toEqual([]);
    expect(await totals(admin, id)).toEqual({ diamonds: 0, liveSeconds: 0, sessions: 0 });
    expect(await importedCount(admin.agencyId, id)).toBe(0);
    const head = csv.split('\r\n').slice(0, 3001).join('\r\n') + '\r\n';
    const retry = await upload(admin, { content: head });
    expect(retry.json().inserted).toBe(3000);
    expect((await totals(admin, id)).sessions).toBe(3000);
  });
});

describe('tenant isolation of imports', () => {
  it("another agency gets 404 for an import, its errors and a creator's Backstage figures, and never sees them in lists", async () => {
    const id = await addCreator(admin, 'private_one');
    const mine = await upload(admin, { content: 'Username,Start time,Duration,Diamonds\nprivate_one,2026-09-01 20:00,60,7\nnobody_here,2026-09-01 20:00,60,7\n' });
    expect(mine.json()).toMatchObject({ inserted: 1, failed: 1 });
    const other = await signupAgency(app, 'Other Agency');
    for (const url of [`/api/v1/imports/${mine.json().id}`, `/api/v1/imports/${mine.json().id}/errors.csv`, `/api/v1/creators/${id}/backstage`]) {
      const res = await other.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    const list = await other.inject({ method: 'GET', url: '/api/v1/imports' });
    expect(list.json().items).toEqual([]);
    const post = await upload(other, { content: 'Start time,Duration,Diamonds\n2026-09-02 20:00,60,1\n' }, { creatorId: id });
    expect(post.statusCode).toBe(404);
    expect(await totals(admin, id)).toEqual({ diamonds: 7, liveSeconds: 60, sessions: 1 });
  });
});
