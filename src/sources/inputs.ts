import type { Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface Input {
  /** The path as given or found, or '-' for stdin. */
  name: string;
  /** Size in bytes on disk (compressed size for gzip); undefined for stdin and pipes. */
  size?: number;
}

export interface InputProblem {
  name: string;
  reason: string;
}

export interface ResolvedInputs {
  inputs: Input[];
  /** Inputs that were asked for and cannot be read: reported, and the run exits 1. */
  problems: InputProblem[];
  /** What a directory walk passed over, said once on stderr: symlink loops, dangling links, pipes, sockets, devices. */
  notices: string[];
}

/**
 * Expands command-line inputs: files, directories (recursively), globs, and '-' (or nothing) for
 * stdin. Files are identified by what they are (device and inode), not the path that reached them:
 * a file met twice (through links, a glob and its folder) is read once. A directory walk follows
 * symlinks, says once where one loops back to a folder above it, and lists what it passes over (a
 * dangling link, a FIFO, a socket, a device) instead of skipping it silently. Problems are
 * returned, not thrown, so the other inputs are still read.
 */
export async function resolveInputs(args: readonly string[]): Promise<ResolvedInputs> {
  const resolved: ResolvedInputs = { inputs: [], problems: [], notices: [] };
  if (args.length === 0) {
    resolved.inputs.push({ name: '-' });
    return resolved;
  }
  const files = new Set<string>();
  const folders = new Set<string>();
  const add = (name: string, info: Stats) => {
    const key = identity(info);
    if (files.has(key)) return;
    files.add(key);
    resolved.inputs.push({ name, ...(info.isFile() ? { size: info.size } : {}) });
  };
  for (const arg of args) {
    if (arg === '-') {
      if (!files.has('-')) resolved.inputs.push({ name: '-' });
      files.add('-');
      continue;
    }
    const info = await stat(arg).catch((error: NodeJS.ErrnoException) => error);
    if (!(info instanceof Error)) {
      // Given by name, a FIFO or a device is read as `cat` would read it.
      if (info.isDirectory()) await walk(arg, info, [identity(info)], folders, add, resolved);
      else add(arg, info);
      continue;
    }
    if (isDynamicPattern(arg)) {
      const matches = await glob(arg, { onlyFiles: false, dot: false, expandDirectories: false });
      if (matches.length === 0) resolved.problems.push({ name: arg, reason: 'no file matches this pattern' });
      for (const path of matches.sort()) {
        const found = await stat(path).catch((error: NodeJS.ErrnoException) => error);
        if (found instanceof Error) resolved.problems.push({ name: path, reason: await describeMissing(path, found) });
        else if (found.isDirectory()) continue;
        else if (found.isFile()) add(path, found);
        else resolved.notices.push(`${path}: ${specialKind(found)}, not read (name it on its own to read it)`);
      }
      continue;
    }
    resolved.problems.push({ name: arg, reason: await describeMissing(arg, info) });
  }
  return resolved;
}

/** Depth first, names in order; `ancestors` are the folders above (by identity), to tell a loop. */
async function walk(
  folder: string,
  info: Stats,
  ancestors: string[],
  seen: Set<string>,
  add: (name: string, info: Stats) => void,
  resolved: ResolvedInputs,
): Promise<void> {
  seen.add(identity(info));
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    resolved.problems.push({ name: folder, reason: describeError(error as NodeJS.ErrnoException) });
    return;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    const target = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (target instanceof Error) {
      resolved.notices.push(`${path}: ${await describeMissing(path, target)}, not read`);
      continue;
    }
    const key = identity(target);
    if (target.isDirectory()) {
      if (ancestors.includes(key)) {
        resolved.notices.push(`${path}: a symlink loop (it leads back to ${await readlink(path).catch(() => 'a folder above')}), not followed`);
      } else if (!seen.has(key)) {
        await walk(path, target, [...ancestors, key], seen, add, resolved);
      }
      continue;
    }
    if (target.isFile()) add(path, target);
    else resolved.notices.push(`${path}: ${specialKind(target)}, not read (name it on its own to read it)`);
  }
}

function identity(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Why a path cannot be read; a symlink pointing nowhere says so. */
async function describeMissing(path: string, error: NodeJS.ErrnoException): Promise<string> {
  if (error.code === 'ENOENT' || error.code === 'ELOOP') {
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      const target = await readlink(path).catch(() => '?');
      return error.code === 'ELOOP' ? `a symlink loop (→ ${target})` : `a dangling symlink (→ ${target}, which does not exist)`;
    }
  }
  return describeError(error);
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
    case 'ELOOP':
      return 'a symlink loop';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return `corrupt gzip data (${error.message})`;
    default:
      return error.message;
  }
}
