import { useState } from 'preact/hooks';
import type { Creator } from '../lib/api-types';
import { suggestCreators } from '../state/creator-suggest';

/**
 * A creator field that suggests roster creators as you type (WAI-ARIA combobox with a listbox):
 * arrow keys move through the suggestions, Enter or a click picks one, Escape closes the list.
 */
export function CreatorCombobox({ id, value, onChange, roster, label }: { id: string; value: string; onChange: (value: string) => void; roster: readonly Creator[]; label: string }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const suggestions = open ? suggestCreators(roster, value) : [];
  // A field that already names one suggestion exactly needs no list.
  const exact = suggestions.length === 1 && `@${suggestions[0].handle}` === value.trim();
  const shown = exact ? [] : suggestions;
  const listId = `${id}-suggestions`;
  const pick = (handle: string) => {
    onChange(`@${handle}`);
    setOpen(false);
  };
  return (
    <div class="combobox">
      <input
        id={id}
        name="creator"
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={shown.length > 0}
        aria-controls={listId}
        aria-activedescendant={active >= 0 && shown[active] ? `${listId}-${active}` : undefined}
        autocomplete="off"
        value={value}
        placeholder="@handle or name"
        onInput={(e) => {
          onChange((e.currentTarget as HTMLInputElement).value);
          // Reset here, not in an effect: effects run after the next frame, late in a background page.
          setActive(-1);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (!shown.length) return;
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((i) => (i + 1) % shown.length);
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((i) => (i <= 0 ? shown.length - 1 : i - 1));
          } else if (e.key === 'Enter' && active >= 0) {
            // Picks the suggestion instead of submitting the form.
            e.preventDefault();
            pick(shown[active].handle);
          } else if (e.key === 'Escape') {
            setOpen(false);
          }
        }}
      />
      <ul id={listId} role="listbox" class="suggestions" data-testid="creator-suggestions" hidden={!shown.length} aria-label="Roster creators">
        {shown.map((s, i) => (
          <li
            key={s.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            data-handle={s.handle}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(s.handle);
            }}
          >
            <span class="ellipsis">{s.name}</span> <span class="muted">@{s.handle}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
