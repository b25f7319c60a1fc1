import { useEffect, useRef, useState } from 'preact/hooks';
import type { Creator, CreatorPatch } from '../../lib/api-types';
import { parseTags } from '../../state/creator-figures';
import type { PanelState } from './panel-state';

/** Edit the creator's roster fields (display name, tags, notes; manager for admins) and remove them, with confirmation. */
export function CreatorEditor({ state, creator }: { state: PanelState; creator: Creator }) {
  const { card, roster } = state;
  const isAdmin = state.auth.value?.user?.role === 'admin';
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [displayName, setDisplayName] = useState(creator.displayName);
  const [tags, setTags] = useState(creator.tags.join(', '));
  const [notes, setNotes] = useState(creator.notes);
  const [managerId, setManagerId] = useState(creator.managerId ?? '');
  const [saved, setSaved] = useState(false);
  // Keyboard users land where the next step is: the first field of the form, Cancel of the confirmation.
  const firstField = useRef<HTMLInputElement>(null);
  const cancelRemove = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) firstField.current?.focus();
  }, [open]);
  useEffect(() => {
    if (confirming) cancelRemove.current?.focus();
  }, [confirming]);

  // Another creator on the card, or fresh data from the server: the form starts from it.
  useEffect(() => {
    setDisplayName(creator.displayName);
    setTags(creator.tags.join(', '));
    setNotes(creator.notes);
    setManagerId(creator.managerId ?? '');
  }, [creator.id, creator.updatedAt]);
  useEffect(() => {
    setOpen(false);
    setConfirming(false);
    setSaved(false);
  }, [creator.id]);
  useEffect(() => {
    if (open && isAdmin) void card.loadUsers();
  }, [open, isAdmin]);

  async function save(event: Event) {
    event.preventDefault();
    const patch: CreatorPatch = {};
    if (displayName.trim() !== creator.displayName) patch.displayName = displayName.trim();
    const nextTags = parseTags(tags);
    if (nextTags.join('\u0000') !== creator.tags.join('\u0000')) patch.tags = nextTags;
    if (notes !== creator.notes) patch.notes = notes;
    if (isAdmin && (managerId || null) !== creator.managerId) patch.managerId = managerId || null;
    if (!Object.keys(patch).length) return setOpen(false);
    if (await card.updateCreator(patch)) {
      setSaved(true);
      setOpen(false);
    }
  }

  const users = card.users.value;
  return (
    <section class="creator-editor" aria-labelledby="editor-heading">
      <div class="row">
        <h3 id="editor-heading" class="grow">
          Roster details
        </h3>
        {!open && (
          <button type="button" id="creator-edit" aria-expanded="false" aria-controls="creator-edit-form" onClick={() => { setOpen(true); setSaved(false); }}>
            Edit
          </button>
        )}
      </div>
      {saved && !open && <p class="ok" role="status" data-testid="creator-saved">Saved.</p>}
      {!open ? (
        <dl class="facts">
          <dt>Tags</dt>
          <dd data-testid="creator-tags">{creator.tags.length ? creator.tags.join(', ') : '—'}</dd>
          <dt>Notes</dt>
          <dd class="notes" data-testid="creator-notes">{creator.notes || '—'}</dd>
        </dl>
      ) : (
        <form id="creator-edit-form" class="editor-form" onSubmit={save} data-testid="creator-edit-form">
          <label for="edit-display-name">
            Display name in the roster
            <input id="edit-display-name" ref={firstField} value={displayName} maxLength={120} onInput={(e) => setDisplayName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label for="edit-tags">
            Tags (comma separated)
            <input id="edit-tags" list="agency-tags" value={tags} onInput={(e) => setTags((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <datalist id="agency-tags">
            {roster.tags.value.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <label for="edit-notes">
            Notes
            <textarea id="edit-notes" rows={4} maxLength={10_000} value={notes} onInput={(e) => setNotes((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          {isAdmin && (
            <label for="edit-manager">
              Manager
              <select id="edit-manager" value={managerId} disabled={!users} onChange={(e) => setManagerId((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">No manager (admins only)</option>
                {(users ?? []).map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name || u.email} ({u.role})
                  </option>
                ))}
                {creator.managerId && users && !users.some((u) => u.id === creator.managerId) && <option value={creator.managerId}>Unknown user</option>}
              </select>
            </label>
          )}
          <div class="row">
            <button type="submit" id="creator-save" disabled={card.busy.value === 'edit'}>
              {card.busy.value === 'edit' ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!confirming ? (
        <button type="button" id="creator-remove" class="danger" onClick={() => setConfirming(true)}>
          Remove from roster…
        </button>
      ) : (
        <div class="confirm" role="alertdialog" aria-labelledby="remove-question" data-testid="remove-confirm" onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}>
          <p id="remove-question">
            Remove <b>@{creator.handle}</b> from the roster? Their deals, notes and LIVE history go with them.
          </p>
          <div class="row">
            <button type="button" id="creator-remove-confirm" class="danger" disabled={card.busy.value === 'remove'} onClick={() => void state.removeShownCreator()}>
              Remove
            </button>
            <button type="button" id="creator-remove-cancel" ref={cancelRemove} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
