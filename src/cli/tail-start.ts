import { isDynamicPattern } from 'tinyglobby';
import { RuntimeFailure } from '../errors.js';
import { CheckpointStore } from '../sources/tail/checkpoints.js';
import { identityKey } from '../sources/tail/identity.js';
import { matchPattern, type PatternMatch } from '../sources/tail/patterns.js';

/** What `tail` will follow: the patterns kept, and the files they match now (each file once). */
export interface TailTargets {
  patterns: string[];
  files: PatternMatch['files'];
}

/**
 * Matches every path and glob before following anything, and says at once on stderr which ones
 * match no file, so that a typo never looks like a quiet log. A glob that matches nothing yet is
 * kept (files that appear and match it are followed: that is what a glob asks for); a path that
 * names no file is dropped, as `tail -f` drops a file it cannot open, unless `waitForFiles` asks to
 * keep waiting for it, as Filebeat does. With nothing left to follow the run ends (exit 1).
 */
export async function resolveTailTargets(patterns: string[], waitForFiles: boolean, warn: (message: string) => void): Promise<TailTargets> {
  const matches = await Promise.all(patterns.map((pattern) => matchPattern(pattern)));
  const keep = (m: PatternMatch) => m.files.length > 0 || waitForFiles || isDynamicPattern(m.pattern);
  const kept = matches.filter(keep).map((m) => m.pattern);
  for (const m of matches) {
    if (m.problem === undefined) continue;
    if (isDynamicPattern(m.pattern)) warn(`'${m.pattern}' matches no file yet; files that appear and match it are followed`);
    else if (waitForFiles) warn(`${m.pattern}: ${m.problem}; waiting for it`);
    else warn(`${m.pattern}: ${m.problem}${kept.length > 0 ? '; not followed (add --wait-for-files to wait for it)' : ''}`);
  }
  if (kept.length === 0) {
    throw new RuntimeFailure('nothing to follow: no path names a file (check the paths, or add --wait-for-files to wait for them to appear)');
  }
  const files = new Map<string, PatternMatch['files'][number]>();
  for (const m of matches) for (const file of m.files) files.set(identityKey(file.info), file);
  return { patterns: kept, files: [...files.values()] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The line a person sees when the tail starts on a terminal: how many files, from where, and how
 * to stop. Files with a checkpoint (same device and inode) resume where the last run stopped.
 */
export async function startLine(targets: TailTargets, from: 'start' | 'end', statePath: string): Promise<string> {
  if (targets.files.length === 0) return `waiting for files matching ${targets.patterns.map((p) => `'${p}'`).join(', ')}; Ctrl-C to stop`;
  const store = await CheckpointStore.open(statePath);
  const resumed = targets.files.filter((file) => store.find(file.info) !== undefined).length;
  const fresh = targets.files.length - resumed;
  const where =
    resumed === 0
      ? `from the ${from}`
      : fresh === 0
        ? 'from where the last run stopped'
        : `(${resumed} from where the last run stopped, ${fresh} from the ${from})`;
  return `following ${plural(targets.files.length, 'file')} ${where}; Ctrl-C to stop`;
}
