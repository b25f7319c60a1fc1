/**
 * The month routes for the panel and options pages: the background hands out the API URL and token, and these
 * calls go straight to the API (read-only lists and one settings write; nothing here needs the offline cache).
 */
import type { AgencySettingsBody, Board, CreatorMonth } from '@shared/schemas/month';
import type { LiveSession } from '@shared/schemas/live';
import type { Page } from './api-types';
import { ApiError } from './api-error';
import { sendToBackground } from './messages';

export type { AgencySettingsBody, Board, CreatorMonth, LiveSession };

async function call<T>(method: string, path: string, query: Record<string, string | undefined> = {}, body?: unknown): Promise<T> {
  const [{ apiUrl }, token] = await Promise.all([sendToBackground('settings.get'), sendToBackground('auth.token')]);
  const url = new URL(path, apiUrl.replace(/\/+$/, '') + '/');
  for (const [k, v] of Object.entries(query)) if (v) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (cause) {
    throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the API at ${apiUrl}`, String(cause));
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, parsed?.error?.code ?? `HTTP_${res.status}`, parsed?.error?.message ?? res.statusText, parsed?.error?.details);
  return parsed as T;
}

export const monthApi = {
  month: (creatorId: string, month?: string) => call<CreatorMonth>('GET', `/api/v1/creators/${encodeURIComponent(creatorId)}/month`, { month }),
  board: (query: { month?: string; managerId?: string } = {}) => call<Board>('GET', '/api/v1/board', query),
  sessions: (creatorId: string, cursor?: string | null) =>
    call<Page<LiveSession>>('GET', '/api/v1/live/sessions', { creatorId, limit: '10', cursor: cursor ?? undefined }),
  settings: () => call<AgencySettingsBody>('GET', '/api/v1/agency/settings'),
  saveSettings: (body: AgencySettingsBody) => call<AgencySettingsBody>('PUT', '/api/v1/agency/settings', {}, body),

  /** Downloads a CSV export with the bearer token (a plain link could not carry it). */
  async downloadCsv(path: string, query: Record<string, string | undefined>, fileName: string): Promise<void> {
    const [{ apiUrl }, token] = await Promise.all([sendToBackground('settings.get'), sendToBackground('auth.token')]);
    const url = new URL(path, apiUrl.replace(/\/+$/, '') + '/');
    for (const [k, v] of Object.entries({ ...query, format: 'csv' })) if (v) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}`, accept: 'text/csv' } : { accept: 'text/csv' } });
    if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `The export failed (${res.status}).`);
    const href = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = href;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
  },
};

/** Colour of a pacing bar: green on pace (or reached), amber behind, red out of reach, grey without tiers or after quitting. */
export function paceClass(pace: CreatorMonth['tier']['pace']): string {
  return pace === 'on_pace' || pace === 'reached' ? 'pace-good' : pace === 'behind' ? 'pace-behind' : pace === 'out_of_reach' ? 'pace-out' : 'pace-none';
}

export const PACE_LABEL: Record<CreatorMonth['tier']['pace'], string> = {
  none: 'no tiers set',
  reached: 'top tier reached',
  on_pace: 'on pace',
  behind: 'behind pace',
  out_of_reach: 'out of reach',
  quit: 'quit the network',
};

/** "3h ago", "2d ago" */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 90) return 'just now';
  if (s < 3600 * 1.5) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400 * 1.5) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
