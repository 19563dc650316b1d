/** How a stream entry carries its report: JSON in field `payload`, else JSON in field `data`, else the report's fields flat. */
export type EntryFraming = 'payload' | 'data' | 'flat';

/** The framing of an entry, the first that applies: a `payload` field wins over a `data` field, and either over flat fields. */
export function entryFraming(fields: Readonly<Record<string, string>>): EntryFraming {
  if (own(fields, 'payload') !== undefined) return 'payload';
  if (own(fields, 'data') !== undefined) return 'data';
  return 'flat';
}

/** Own properties only, so an entry field named like an Object.prototype member reads as absent. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** UTF-8 length without allocating; a lone surrogate counts as the 3-byte replacement character, as TextEncoder writes it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
