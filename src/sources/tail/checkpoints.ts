import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
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

const FORGET_AFTER_MS = 7 * 24 * 3600 * 1000;

/** Where checkpoints live unless --state says otherwise (XDG state directory). */
export function defaultStatePath(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'memtrail', 'tail-checkpoints.json');
}

/**
 * The checkpoint file: per file identity, the offset the sinks have acknowledged. Written
 * atomically (temporary file, then rename), so a kill at any moment leaves the old or the new
 * state, never half of one.
 */
export class CheckpointStore {
  private readonly entries = new Map<string, CheckpointEntry>();

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<CheckpointStore> {
    const store = new CheckpointStore(path);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const parsed = stateSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`checkpoint file ${path} is not one memtrail wrote: ${parsed.error.issues[0]?.message}`);
      for (const entry of parsed.data.files) store.entries.set(identityKey(entry), entry);
    }
    return store;
  }

  /** The checkpoint kept for this device and inode; the caller checks the fingerprint still matches. */
  find(identity: Pick<FileIdentity, 'dev' | 'ino'>): CheckpointEntry | undefined {
    return this.entries.get(identityKey(identity));
  }

  set(identity: FileIdentity, path: string, offset: number, line: number): void {
    this.entries.set(identityKey(identity), { path, ...identity, offset, line, updated: new Date().toISOString() });
  }

  forget(identity: Pick<FileIdentity, 'dev' | 'ino'>): void {
    this.entries.delete(identityKey(identity));
  }

  async save(): Promise<void> {
    // Files not seen for a week (rotated away long ago) leave the state, as Filebeat's clean_inactive does.
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const [key, entry] of this.entries) if (Date.parse(entry.updated) < cutoff) this.entries.delete(key);
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, files: [...this.entries.values()] }, null, 2)}\n`);
    await rename(temporary, this.path);
  }
}
