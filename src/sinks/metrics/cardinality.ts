/** The label value that stands for every value past a cap. */
export const OTHER = '_other';

/** Longer label values are cut (a runaway host name must not make every sample huge). */
export const MAX_LABEL_CHARS = 128;

export function clip(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return value.length > MAX_LABEL_CHARS ? value.slice(0, MAX_LABEL_CHARS) : value;
}

/**
 * A bound on the distinct values (or combinations of values) of some labels: the first `limit`
 * keys seen are kept, every later one is told to go to `_other`. Memory and series stay bounded
 * however many hosts, services or files the logs name. Admission is for the life of the run:
 * a key once kept is always kept (its series do not jump between their own name and `_other`).
 */
export class LabelCap {
  private readonly kept = new Set<string>();
  /** How many times a value was folded into `_other`. */
  overflows = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`a label cap must be a whole number >= 0, got ${limit}`);
  }

  /** Whether this key keeps its own labels; `isNew` is called once, when it is first kept. */
  admit(key: string, isNew?: () => void): boolean {
    if (this.kept.has(key)) return true;
    if (this.kept.size >= this.limit) {
      this.overflows++;
      return false;
    }
    this.kept.add(key);
    isNew?.();
    return true;
  }

  get size(): number {
    return this.kept.size;
  }
}
