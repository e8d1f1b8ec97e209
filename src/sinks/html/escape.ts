const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and quoted attribute values: log content is untrusted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON text made safe inside a <script> element: with `<` escaped no log message can close the
 * element (`</script>`) or open a comment (`<!--`); U+2028/2029 for older JS parsers. These
 * characters can only occur inside JSON strings, where \uXXXX means the same thing.
 */
export function jsonForScript(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_ESCAPES[c] ?? c);
}

/** Markup that is already safe: `html` passes it through unescaped. */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

type Interpolated = Raw | string | number | null | undefined | false | readonly Interpolated[];

function interpolate(value: Interpolated): string {
  if (value instanceof Raw) return value.html;
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(interpolate).join('');
}

/** A template tag that escapes every interpolated value unless it is `Raw`: escaping is the default. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((value, i) => (out += interpolate(value) + (strings[i + 1] ?? '')));
  return new Raw(out);
}
