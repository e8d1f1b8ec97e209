/**
 * Whether `needle` is at `at` in `bytes`; a needle cut off by the end of `bytes` is not. Byte by
 * byte: needles are a few dozen bytes, and Buffer#compare's argument checks and native call
 * measured at a quarter of a --fast scan of a finding-dense log.
 */
export function startsWithAt(bytes: Buffer, needle: Buffer, at: number): boolean {
  if (at + needle.length > bytes.length) return false;
  for (let i = 0; i < needle.length; i++) if (bytes[at + i] !== needle[i]) return false;
  return true;
}
