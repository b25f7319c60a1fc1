import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Creator, Role, User } from '../../lib/api-types';
import { openCache } from '../../lib/cache';
import { sendToBackground } from '../../lib/messages';
import { suggestCreators } from '../../state/creator-suggest';

const ASSIGN_ROWS = 50;

function InviteForm({ onInvited }: { onInvited: (user: User) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const user = await sendToBackground('users.invite', {
        email: String(data.get('email') ?? '').trim(),
        password: String(data.get('password') ?? ''),
        role: String(data.get('role') ?? 'manager') as Role,
        ...(name ? { name } : {}),
      });
      onInvited(user);
      setDone(`${user.name || user.email} can now sign in with that email and password (give them the password in person; they can change it).`);
      form.reset();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="invite" onSubmit={submit} data-testid="invite-form">
      <div class="row wrap">
        <label class="grow" for="invite-name">
          Name
          <input id="invite-name" name="name" maxLength={120} />
        </label>
        <label class="grow" for="invite-email">
          Email
          <input id="invite-email" name="email" type="email" required />
        </label>
      </div>
      <div class="row wrap">
        <label class="grow" for="invite-password">
          First password (10+ characters)
          <input id="invite-password" name="password" type="password" required minLength={10} autocomplete="new-password" />
        </label>
        <label for="invite-role">
          Role
          <select id="invite-role" name="role" defaultValue="manager">
            <option value="manager">Manager (sees their creators)</option>
            <option value="admin">Admin (sees everything)</option>
          </select>
        </label>
      </div>
      <button id="invite-submit" type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add teammate'}
      </button>
      {done && <p class="ok" role="status" data-testid="invite-done">{done}</p>}
      {error && <p class="error" role="alert" data-testid="invite-error">{error}</p>}
    </form>
  );
}

function AssignCreators({ users }: { users: User[] }) {
  const [creators, setCreators] = useState<Creator[]>([]);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [savingId, setSavingId] = useState<string | null>(null);
  useEffect(() => {
    // The cached roster at once, then again after a refresh (creators added elsewhere appear).
    const show = () => openCache().creators.toArray().then((list) => setCreators(list.sort((a, b) => a.handle.localeCompare(b.handle))));
    void show().then(() => sendToBackground('roster.refresh').then(show, () => undefined));
  }, []);
  const shown = useMemo(() => (query.trim() ? suggestCreators(creators, query, ASSIGN_ROWS).map((s) => creators.find((c) => c.id === s.id)!) : creators.slice(0, ASSIGN_ROWS)), [creators, query]);

  async function assign(creator: Creator, managerId: string) {
    setSavingId(creator.id);
    setError(null);
    try {
      const updated = await sendToBackground('creator.update', { id: creator.id, patch: { managerId: managerId || null } });
      setCreators((list) => list.map((c) => (c.id === updated.id ? updated : c)));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSavingId(null);
    }
  }

  return (
    <div class="assign" data-testid="assign-creators">
      <h3>Assign creators</h3>
      <label for="assign-search">
        Find a creator
        <input id="assign-search" type="search" value={query} placeholder="@handle or name" onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)} />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <table class="report">
        <thead>
          <tr>
            <th scope="col">Creator</th>
            <th scope="col">Manager</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <tr key={c.id} data-testid="assign-row" data-handle={c.handle}>
              <td>
                {c.displayName || c.handle} <span class="muted">@{c.handle}</span>
              </td>
              <td>
                <select
                  id={`assign-${c.id}`}
                  aria-label={`Manager of @${c.handle}`}
                  value={c.managerId ?? ''}
                  disabled={savingId === c.id}
                  onChange={(e) => void assign(c, (e.currentTarget as HTMLSelectElement).value)}
                >
                  <option value="">No manager</option>
                  {users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name || u.email}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {creators.length > shown.length && !query && <p class="muted">Showing {shown.length} of {creators.length}: search to find the others.</p>}
    </div>
  );
}

/** Admins: the agency's users, adding teammates (manager users) and assigning creators to them. */
export function TeamSection() {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    sendToBackground('users.list').then(setUsers, (e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="team-heading" data-testid="team-section">
      <h2 id="team-heading">Team</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {users && (
        <ul class="team" data-testid="team-list">
          {users.map((u) => (
            <li key={u.id} data-testid="team-member" data-email={u.email}>
              {u.name || u.email} <span class="muted">· {u.email} · {u.role}</span>
            </li>
          ))}
        </ul>
      )}
      <InviteForm onInvited={(u) => setUsers((list) => [...(list ?? []), u])} />
      {users && <AssignCreators users={users} />}
    </section>
  );
}
