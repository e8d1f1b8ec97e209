import { stat } from 'node:fs/promises';
import { isDynamicPattern, glob } from 'tinyglobby';

export interface Input {
  /** The path as given or found, or '-' for stdin. */
  name: string;
  /** Size in bytes on disk (compressed size for gzip); undefined for stdin. */
  size?: number;
}

export interface InputProblem {
  name: string;
  reason: string;
}

/**
 * Expands command-line inputs: files, directories (recursively), globs, and '-' (or nothing) for
 * stdin. Problems (missing paths, globs matching nothing) are returned, not thrown, so the other
 * inputs are still read.
 */
export async function resolveInputs(args: readonly string[]): Promise<{ inputs: Input[]; problems: InputProblem[] }> {
  if (args.length === 0) return { inputs: [{ name: '-' }], problems: [] };
  const inputs: Input[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const add = (input: Input) => {
    if (seen.has(input.name)) return;
    seen.add(input.name);
    inputs.push(input);
  };
  for (const arg of args) {
    if (arg === '-') {
      add({ name: '-' });
      continue;
    }
    const info = await stat(arg).catch((error: NodeJS.ErrnoException) => error);
    if (!(info instanceof Error)) {
      if (info.isDirectory()) {
        const files = await glob('**/*', { cwd: arg, absolute: false, dot: false, onlyFiles: true });
        for (const file of files.sort()) await addFile(joinPath(arg, file), add, problems);
      } else {
        add({ name: arg, size: info.size });
      }
      continue;
    }
    if (isDynamicPattern(arg)) {
      const files = await glob(arg, { onlyFiles: true, dot: false, expandDirectories: false });
      if (files.length === 0) problems.push({ name: arg, reason: 'no file matches this pattern' });
      for (const file of files.sort()) await addFile(file, add, problems);
      continue;
    }
    problems.push({ name: arg, reason: describeError(info) });
  }
  return { inputs, problems };
}

async function addFile(path: string, add: (input: Input) => void, problems: InputProblem[]): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) problems.push({ name: path, reason: describeError(info) });
  else add({ name: path, size: info.size });
}

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') ? `${dir}${file}` : `${dir}/${file}`;
}

export function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return `corrupt gzip data (${error.message})`;
    default:
      return error.message;
  }
}
