import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import { ConfigError } from '../config.js';

/**
 * `--threads auto`: this machine's cores, up to MAX_AUTO_THREADS. Each thread past the first is a
 * worker of about 60 MB (its own heap and a copy of memtrail's code): four keep a scan under
 * ~300 MB. No worker starts until there is a block for one: a scan's NDJSON inputs of 4 MiB and
 * more, a tail's reads of 64 KiB and more (a busy file); everything else is read on this thread.
 */
const MAX_AUTO_THREADS = 4;

/** `--threads` for a command; `what` says what is read in parallel. */
export function threadsOption(what: string): Option {
  return new Option(
    '--threads <n>',
    `threads reading ${what}, same results: auto is this machine's cores (${availableParallelism()}) up to ${MAX_AUTO_THREADS}, one with --index; 1 reads on one thread`,
  ).default('auto');
}

export function threadsFrom(value: string, indexing: boolean): number {
  // Indexing, the engine sets the pace (measured: two threads no faster than one against a local
  // engine) and every thread costs memory, so auto reads on one.
  if (value === 'auto') return indexing ? 1 : Math.max(1, Math.min(MAX_AUTO_THREADS, availableParallelism()));
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--threads: expected auto or a whole number of at least 1, got "${value}"`);
  return n;
}
