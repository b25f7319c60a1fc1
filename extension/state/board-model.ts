/**
 * The agency board for the panel: one `GET /board` shared by the Board view and the roster rows' month figures,
 * reloaded at most once a minute (or on demand), so a roster of thousands makes one request, not one per row.
 */
import { signal } from '@preact/signals';
import { monthApi, type Board } from '../lib/month-client';

export const board = signal<Board | null>(null);
export const boardError = signal<string | null>(null);
let loadedAt = 0;
let inFlight: Promise<void> | null = null;

/** Loads the board unless a copy younger than `maxAgeMs` is held. */
export function loadBoard(maxAgeMs = 60_000): Promise<void> {
  if (board.value && Date.now() - loadedAt < maxAgeMs) return Promise.resolve();
  inFlight ??= monthApi
    .board()
    .then(
      (b) => {
        board.value = b;
        boardError.value = null;
        loadedAt = Date.now();
      },
      (e: Error) => void (boardError.value = e.message),
    )
    .finally(() => (inFlight = null));
  return inFlight;
}

/** A creator's row of the loaded board (undefined until loaded or when not on it). */
export function boardRowOf(creatorId: string) {
  return board.value?.items.find((i) => i.creatorId === creatorId);
}

type BoardItem = Board['items'][number];

/** The Board view's order: live now first (by running diamonds), then everyone by month diamonds. */
export function boardOrder(items: readonly BoardItem[]): BoardItem[] {
  return [...items].sort((a, b) => Number(b.live.isLive) - Number(a.live.isLive) || (a.live.isLive ? b.live.diamonds - a.live.diamonds : 0) || b.month.diamonds - a.month.diamonds);
}
