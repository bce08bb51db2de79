// A labelled regular-expression filter box that reports an invalid pattern instead of failing.
import type { Filter } from './regex';

interface Props {
  id: string;
  label: string;
  value: string;
  placeholder?: string;
  filter: Filter;
  onInput: (value: string) => void;
}

export function FilterInput({ id, label, value, placeholder, filter, onInput }: Props) {
  const errorId = `${id}-error`;
  return (
    <div class="filter-input">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={value}
        placeholder={placeholder ?? 'regular expression'}
        spellcheck={false}
        autocomplete="off"
        aria-invalid={filter.error ? 'true' : undefined}
        aria-describedby={filter.error ? errorId : undefined}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
      />
      {filter.error && (
        <p id={errorId} class="filter-error" role="alert">
          Invalid regular expression: {filter.error}
        </p>
      )}
    </div>
  );
}
