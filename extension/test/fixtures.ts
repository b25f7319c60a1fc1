import type { Activity, Creator, Deal, DealInput } from '../lib/api-types';

let counter = 0;
/** A Creator as the API returns it, with overrides. */
export function makeCreator(overrides: Partial<Creator> = {}): Creator {
  counter++;
  const handle = overrides.handle ?? `creator${counter}`;
  return {
    id: `c${counter}`,
    handle,
    displayName: handle.toUpperCase(),
    avatarUrl: null,
    tags: [],
    managerId: null,
    notes: '',
    tiktok: { status: 'not_connected' },
    live: { tracking: false, isLive: false },
    totals: { diamonds: 0, liveSeconds: 0, sessions: 0 },
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

export function makeDeal(input: DealInput, id = `d${++counter}`): Deal {
  return {
    ...input, id, title: input.title ?? '', stage: input.stage ?? 'lead', dueDate: input.dueDate ?? null, notes: input.notes ?? '', createdBy: 'u1',
    createdAt: '2026-11-02T00:00:00.000Z', updatedAt: '2026-11-02T00:00:00.000Z' };
}

export function makeActivity(overrides: Partial<Activity> & Pick<Activity, 'creatorId' | 'body'>): Activity {
  return { id: `act${++counter}`, type: 'note', system: false, dueAt: null, authorId: null, createdAt: '2026-11-02T00:00:00.000Z', ...overrides };
}
