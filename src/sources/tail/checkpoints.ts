import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { RuntimeFailure } from '../../errors.js';
import { identityKey, type FileIdentity } from './identity.js';

const entrySchema = z.object({
  path: z.string(),
  dev: z.number(),
  ino: z.number(),
  fingerprintLength: z.number().int().nonnegative(),
  fingerprint: z.string(),
  /** Everything before this byte offset has been acknowledged by every sink. */
  offset: z.number().int().nonnegative(),
  /** The line number of the line that starts at `offset`, minus one. */
  line: z.number().int().nonnegative(),
  updated: z.string(),
});

const stateSchema = z.object({ version: z.literal(1), files: z.array(entrySchema) });

export type CheckpointEntry = z.infer<typeof entrySchema>;

/** Files not seen for this long (rotated away long ago) leave the state, as Filebeat's clean_inactive does. */
export const FORGET_AFTER_MS = 7 * 24 * 3600 * 1000;

/** Where checkpoints live unless --state says otherwise (XDG state directory). */
export function defaultStatePath(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'memtrail', 'tail-checkpoints.json');
}

/**
 * The checkpoint file: per file identity, the offset the sinks have acknowledged. Written
 * atomically and durably: a temporary file, fsync, rename, fsync of the folder; so a kill or a
 * power cut at any moment leaves the old or the new state, never half of one. Temporary files a
 * killed process left behind are removed when the store opens; nothing is written when nothing
 * changed.
 */
export class CheckpointStore {
  private readonly entries = new Map<string, CheckpointEntry>();
  private lastWritten: string | undefined;

  private constructor(
    readonly path: string,
    private readonly now: () => number,
  ) {}

  static async open(path: string, now: () => number = Date.now): Promise<CheckpointStore> {
    const store = new CheckpointStore(path, now);
    await store.removeOrphans();
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new RuntimeFailure(`cannot read the checkpoint file ${path}: ${code ?? (error as Error).message}`);
    }
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw corrupt(path, `not JSON (${(error as Error).message})`);
      }
      const parsed = stateSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw corrupt(path, `${issue.path.join('.') || 'the document'}: ${issue.message}`);
      }
      for (const entry of parsed.data.files) store.entries.set(identityKey(entry), entry);
      store.lastWritten = serialise(parsed.data.files);
    }
    return store;
  }

  /** The checkpoint kept for this device and inode; the caller checks the fingerprint still matches. */
  find(identity: Pick<FileIdentity, 'dev' | 'ino'>): CheckpointEntry | undefined {
    return this.entries.get(identityKey(identity));
  }

  set(identity: FileIdentity, path: string, offset: number, line: number): void {
    const key = identityKey(identity);
    const old = this.entries.get(key);
    const same =
      old !== undefined &&
      old.path === path &&
      old.offset === offset &&
      old.line === line &&
      old.fingerprint === identity.fingerprint &&
      old.fingerprintLength === identity.fingerprintLength &&
      // Touched once a day at least, so a quiet file is not forgotten.
      this.now() - Date.parse(old.updated) < FORGET_AFTER_MS / 7;
    if (same) return;
    this.entries.set(key, { path, ...identity, offset, line, updated: new Date(this.now()).toISOString() });
  }

  forget(identity: Pick<FileIdentity, 'dev' | 'ino'>): void {
    this.entries.delete(identityKey(identity));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Writes the state if it changed since the last write; true when it wrote. */
  async save(): Promise<boolean> {
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [key, entry] of this.entries) if (Date.parse(entry.updated) < cutoff) this.entries.delete(key);
    const text = serialise([...this.entries.values()]);
    if (text === this.lastWritten) return false;
    const folder = dirname(this.path);
    await mkdir(folder, { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
    await syncFolder(folder);
    this.lastWritten = text;
    return true;
  }

  /** Temporary files of a process killed mid-write (`<state>.<pid>.tmp`). */
  private async removeOrphans(): Promise<void> {
    const prefix = `${basename(this.path)}.`;
    const names = await readdir(dirname(this.path)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(join(dirname(this.path), name)).catch(() => undefined);
    }
  }
}

function serialise(files: CheckpointEntry[]): string {
  return `${JSON.stringify({ version: 1, files }, null, 2)}\n`;
}

function corrupt(path: string, why: string): RuntimeFailure {
  return new RuntimeFailure(
    `the checkpoint file ${path} is corrupt (${why}); move it aside to start over (files are then read as --from says)`,
  );
}

/** Makes the rename itself durable. Some file systems cannot sync a folder; the rename stands regardless. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // EISDIR / EINVAL on platforms that do not allow it.
  }
}
