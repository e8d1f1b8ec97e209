import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Bytes hashed to recognise a file's content from its start (as Filebeat's fingerprint does). */
export const FINGERPRINT_BYTES = 1024;

/** A file is the same file when device, inode and the hash of its first bytes agree. */
export interface FileIdentity {
  dev: number;
  ino: number;
  /** How many leading bytes the fingerprint covers (fewer while the file is shorter). */
  fingerprintLength: number;
  fingerprint: string;
}

export const identityKey = (id: Pick<FileIdentity, 'dev' | 'ino'>) => `${id.dev}:${id.ino}`;

export async function fingerprintOf(handle: FileHandle, length: number): Promise<string> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
}

export async function identify(handle: FileHandle): Promise<FileIdentity> {
  const info = await handle.stat();
  const fingerprintLength = Math.min(FINGERPRINT_BYTES, info.size);
  return { dev: info.dev, ino: info.ino, fingerprintLength, fingerprint: await fingerprintOf(handle, fingerprintLength) };
}

/** Whether the file behind the handle still starts with the bytes the identity was taken from. */
export async function startsAsBefore(handle: FileHandle, identity: FileIdentity): Promise<boolean> {
  const info = await handle.stat();
  if (info.size < identity.fingerprintLength) return false;
  return (await fingerprintOf(handle, identity.fingerprintLength)) === identity.fingerprint;
}
