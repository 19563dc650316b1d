/**
 * What is not "printable": control characters (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width
 * spaces and joiners, the BOM, soft hyphen, tag characters), lone surrogates, and the line and paragraph separators.
 * These are the characters that can forge a log line, move a terminal's cursor or make a name look like another.
 */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const EVERY_NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** Whether the text holds only printable characters. */
export function isPrintable(text: string): boolean {
  return !NON_PRINTABLE.test(text);
}

/**
 * The text with every non-printable character written as a `\uXXXX` escape (a character beyond U+FFFF as its two
 * surrogate escapes). Inside JSON text such characters can only occur within strings, so escaping a serialized JSON
 * document this way leaves it valid JSON with the same value.
 */
export function escapeNonPrintable(text: string): string {
  if (!NON_PRINTABLE.test(text)) return text;
  return text.replace(EVERY_NON_PRINTABLE, (char) => {
    let escaped = '';
    for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
