import { open, type FileHandle } from 'node:fs/promises';
import { fingerprintOf, identify, type FileIdentity } from './identity.js';

const READ_BYTES = 1 << 20;

/** One followed file, held open by descriptor so a rename or delete does not lose its tail. */
export class Follower {
  /** Where the next read starts. */
  position: number;
  /** Wall-clock time of the last read that returned data (or of opening). */
  lastActivity = Date.now();
  /** The path no longer leads to this file (renamed away or deleted): read to the end, then let go. */
  detached = false;
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);

  private constructor(
    public path: string,
    private readonly handle: FileHandle,
    public identity: FileIdentity,
    position: number,
  ) {
    this.position = position;
  }

  static async open(path: string, position: (identity: FileIdentity, handle: FileHandle) => Promise<number>): Promise<Follower> {
    const handle = await open(path, 'r');
    try {
      const identity = await identify(handle);
      return new Follower(path, handle, identity, await position(identity, handle));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The next bytes after `position`, or undefined at the end of the file. */
  async read(): Promise<Buffer | undefined> {
    const { bytesRead } = await this.handle.read(this.buffer, 0, READ_BYTES, this.position);
    if (bytesRead === 0) return undefined;
    this.position += bytesRead;
    this.lastActivity = Date.now();
    // A copy: the read buffer is reused, and chunks may be held (a partial line).
    return Buffer.from(this.buffer.subarray(0, bytesRead));
  }

  /**
   * True when the file was truncated (copy-truncate rotation): it is shorter than what was read,
   * or its first bytes are no longer the ones it was identified by.
   */
  async wasTruncated(checkContent: boolean): Promise<boolean> {
    const { size } = await this.handle.stat();
    if (size < this.position) return true;
    if (!checkContent || this.identity.fingerprintLength === 0) return false;
    return (await fingerprintOf(this.handle, this.identity.fingerprintLength)) !== this.identity.fingerprint;
  }

  /** Starts over from the beginning of the (truncated) file, with a fresh identity. */
  async restart(): Promise<void> {
    this.position = 0;
    this.identity = await identify(this.handle);
  }

  /** Re-takes the fingerprint once the file has grown past a short first look. */
  async refreshIdentity(): Promise<void> {
    if (this.identity.fingerprintLength >= 1024) return;
    const fresh = await identify(this.handle);
    if (fresh.fingerprintLength > this.identity.fingerprintLength) {
      const prefix = await fingerprintOf(this.handle, this.identity.fingerprintLength);
      if (prefix === this.identity.fingerprint) this.identity = fresh;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Where the last complete line of a file ends, and how many lines come before it (for --from end). */
export async function lastCompleteLine(handle: FileHandle, size: number): Promise<{ offset: number; lines: number }> {
  const buffer = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  let lastNewline = -1;
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    for (let i = buffer.indexOf(10); i !== -1 && i < bytesRead; i = buffer.indexOf(10, i + 1)) {
      lines++;
      lastNewline = position + i;
    }
    position += bytesRead;
  }
  return { offset: lastNewline + 1, lines };
}
