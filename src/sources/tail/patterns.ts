import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { glob, isDynamicPattern } from 'tinyglobby';

/** The paths a tail pattern names right now: a glob's matches (sorted), or the path itself. */
export async function expandPattern(pattern: string): Promise<string[]> {
  if (!isDynamicPattern(pattern)) return [pattern];
  return (await glob(pattern, { onlyFiles: true, expandDirectories: false })).sort();
}

/** What a pattern matches at start: the regular files a tail would follow, with their stats, or why there are none. */
export interface PatternMatch {
  pattern: string;
  files: { path: string; info: Stats }[];
  /** Why nothing is followed for this pattern: "no such file", "no file matches"… */
  problem?: string;
}

export async function matchPattern(pattern: string): Promise<PatternMatch> {
  const files: PatternMatch['files'] = [];
  let problem: string | undefined;
  for (const path of await expandPattern(pattern)) {
    try {
      const info = await stat(path);
      if (info.isFile()) files.push({ path, info });
      else if (info.isDirectory()) problem = `is a folder: follow the files in it with a quoted glob such as '${path.replace(/\/+$/, '')}/*.log'`;
      else problem = 'is not a regular file';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problem = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? (error as Error).message})`;
    }
  }
  if (files.length > 0) return { pattern, files };
  return { pattern, files, problem: problem ?? 'no file matches' };
}
