import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours for a stream: on for a TTY, off when piped or when NO_COLOR is set; FORCE_COLOR wins. */
export function colorsFor(stream: NodeJS.WriteStream, override?: boolean): Colors {
  if (override !== undefined) return pc.createColors(override);
  const env = process.env;
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return pc.createColors(false);
  if ('FORCE_COLOR' in env && env.FORCE_COLOR !== '0') return pc.createColors(true);
  return pc.createColors(Boolean(stream.isTTY));
}

// C0 and C1 controls (ESC included) and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Log content is untrusted: make terminal control characters visible instead of executing them. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
