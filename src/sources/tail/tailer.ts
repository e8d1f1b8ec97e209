import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isDynamicPattern } from 'tinyglobby';
import type { FileHandle } from 'node:fs/promises';
import { Follower } from './follower.js';
import { identityKey, type FileIdentity } from './identity.js';
import { expandPattern } from './patterns.js';

/** One happening while following files, as Vector's file source emits one typed event per happening. */
export type TailEvent =
  /** A file is followed from `follower.position`. */
  | { type: 'opened'; follower: Follower }
  /** The file was truncated in place (copy-truncate); reading starts over from its beginning. */
  | { type: 'truncated'; follower: Follower }
  /** The path no longer leads to the file (renamed away or deleted), it was read to its end and let go. */
  | { type: 'closed'; follower: Follower }
  /** A path matched but could not be opened. */
  | { type: 'unreadable'; path: string; error: NodeJS.ErrnoException };

export interface TailHandler {
  /** Awaited: while it is pending nothing more is read (backpressure). */
  data(follower: Follower, chunk: Buffer): Promise<void>;
  /** Awaited too: an `opened` handler sets up before the first data, a `closed` one commits. */
  event(event: TailEvent): Promise<void> | void;
}

export interface TailerOptions {
  patterns: string[];
  /** Where to start a file: `initial` is true for files present when tailing began. */
  startPosition(identity: FileIdentity, handle: FileHandle, initial: boolean): Promise<number>;
  pollMs?: number;
  discoverMs?: number;
  /** A file whose path no longer leads to it is let go after this long without new data. */
  closeInactiveMs?: number;
}

const MAX_BYTES_PER_TURN = 8 << 20;

/**
 * Follows the files that match paths and globs, as Filebeat and Vector do: by descriptor and
 * identity (device, inode, first bytes), so that
 * - rename rotation (app.log → app.log.1, new app.log) reads the old file to its end and the new
 *   one from its start;
 * - copy-truncate (the file shrinks, or its first bytes change) reads it again from the start;
 * - new files that match are picked up, and files that are gone are let go once drained.
 * New data is noticed by fs.watch on the folders where it works, and by polling everywhere.
 */
export class Tailer {
  private readonly followers = new Map<string, Follower>();
  private readonly watchers: FSWatcher[] = [];
  private stopped = false;
  private wake: (() => void) | undefined;
  private lastDiscovery = 0;
  private firstDiscovery = true;
  private readonly pollMs: number;
  private readonly discoverMs: number;
  private readonly closeInactiveMs: number;

  constructor(
    private readonly options: TailerOptions,
    private readonly handler: TailHandler,
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.discoverMs = options.discoverMs ?? 1000;
    this.closeInactiveMs = options.closeInactiveMs ?? 5000;
  }

  get files(): Follower[] {
    return [...this.followers.values()];
  }

  /** Runs until stop(); returns once the current read has been handed over. */
  async run(): Promise<void> {
    this.watchFolders();
    while (!this.stopped) {
      if (Date.now() - this.lastDiscovery >= this.discoverMs) await this.discover();
      let readSomething = false;
      for (const follower of [...this.followers.values()]) {
        if (this.stopped) break;
        readSomething = (await this.pump(follower)) || readSomething;
      }
      if (!readSomething && !this.stopped) await this.idle();
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  async close(): Promise<void> {
    this.stop();
    for (const follower of this.followers.values()) await follower.close();
    this.followers.clear();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private watchFolders(): void {
    const folders = new Set(this.options.patterns.map(staticFolder));
    for (const folder of folders) {
      try {
        const watcher = watch(folder, { persistent: false }, (event) => {
          // A rename or a new file: look for files at once, before a fast rotation moves them on.
          if (event === 'rename') this.lastDiscovery = 0;
          this.wake?.();
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // No inotify (or the folder is not there yet): polling alone notices changes.
      }
    }
  }

  private async discover(): Promise<void> {
    this.lastDiscovery = Date.now();
    const initial = this.firstDiscovery;
    this.firstDiscovery = false;
    const seen = new Set<string>();
    for (const path of await this.expand()) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const key = identityKey(info);
      seen.add(key);
      const known = this.followers.get(key);
      if (known) {
        known.path = path;
        known.detached = false;
        await known.refreshIdentity();
        continue;
      }
      let follower: Follower;
      try {
        follower = await Follower.open(path, (identity, handle) => this.options.startPosition(identity, handle, initial));
      } catch (error) {
        await this.handler.event({ type: 'unreadable', path, error: error as NodeJS.ErrnoException });
        continue;
      }
      this.followers.set(identityKey(follower.identity), follower);
      await this.handler.event({ type: 'opened', follower });
    }
    for (const [key, follower] of this.followers) {
      if (!seen.has(key)) follower.detached = true;
      else if (await follower.wasTruncated(true)) {
        await this.handler.event({ type: 'truncated', follower });
        await follower.restart();
      }
    }
  }

  private async expand(): Promise<string[]> {
    const paths: string[] = [];
    for (const pattern of this.options.patterns) paths.push(...(await expandPattern(pattern)));
    return paths;
  }

  /** Reads what is new in one file; true if anything was read. */
  private async pump(follower: Follower): Promise<boolean> {
    if (await follower.wasTruncated(false)) {
      await this.handler.event({ type: 'truncated', follower });
      await follower.restart();
    }
    let read = 0;
    while (read < MAX_BYTES_PER_TURN && !this.stopped) {
      const chunk = await follower.read();
      if (!chunk) break;
      read += chunk.length;
      await this.handler.data(follower, chunk);
    }
    if (read === 0 && follower.detached && Date.now() - follower.lastActivity >= this.closeInactiveMs) {
      this.followers.delete(identityKey(follower.identity));
      await follower.close();
      await this.handler.event({ type: 'closed', follower });
    }
    return read > 0;
  }
}

/** The folder a path or glob lives in: everything before its first dynamic part. */
function staticFolder(pattern: string): string {
  const parts = pattern.split('/');
  const index = parts.findIndex((part) => isDynamicPattern(part));
  const fixed = index === -1 ? parts.slice(0, -1) : parts.slice(0, index);
  return fixed.join('/') || (pattern.startsWith('/') ? '/' : '.');
}
