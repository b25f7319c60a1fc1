/** Encodings the importer reads: what Excel writes for "CSV UTF-8", "Unicode text" and plain "CSV". */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface CsvDecoder {
  /** Decodes the next chunk; characters split across chunks come out with the next one. */
  decode(chunk: Uint8Array): string;
  /** Flushes what is left at end of input. */
  end(): string;
  /** Known once the first bytes arrived. `windows-1252` means the bytes were not valid UTF-8. */
  readonly encoding: CsvEncoding | null;
}

function sniffEncoding(b: Uint8Array): CsvEncoding {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  // UTF-16 without a BOM: ASCII headers leave every other byte zero.
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[2] !== 0 && b[3] === 0) return 'utf-16le';
  if (b.length >= 4 && b[0] === 0 && b[1] !== 0 && b[2] === 0 && b[3] !== 0) return 'utf-16be';
  return 'utf-8';
}

/** Bytes at the end of `b` that start a UTF-8 sequence the chunk does not finish. */
function incompleteUtf8Tail(b: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A streaming decoder that detects the encoding from the first bytes: UTF-8 with or without
 * BOM, UTF-16 LE/BE (Excel's "Unicode text", BOM or not). BOMs are dropped. Bytes that are
 * not valid UTF-8 (Excel's plain "CSV" in a Western locale) switch it to Windows-1252, from the
 * chunk where the first invalid byte is; bytes before it were valid UTF-8 and so, in practice,
 * ASCII, which reads the same in both.
 */
export function createCsvDecoder(): CsvDecoder {
  let encoding: CsvEncoding | null = null;
  let decoder: TextDecoder | null = null;
  let head: Uint8Array = new Uint8Array(0);
  let utf8Tail: Uint8Array = new Uint8Array(0); // bytes of a character the last chunk left open

  const fallBack = (bytes: Uint8Array, final: boolean): string => {
    encoding = 'windows-1252';
    decoder = new TextDecoder('windows-1252');
    return decoder.decode(bytes, { stream: !final });
  };
  const run = (bytes: Uint8Array, final: boolean): string => {
    if (encoding !== 'utf-8') return decoder!.decode(bytes, { stream: !final });
    try {
      const text = decoder!.decode(bytes, { stream: !final });
      const seen = utf8Tail.length > 0 ? concat(utf8Tail, bytes) : bytes;
      const keep = final ? 0 : incompleteUtf8Tail(seen);
      utf8Tail = keep === 0 ? new Uint8Array(0) : seen.slice(seen.length - keep);
      return text;
    } catch {
      return fallBack(concat(utf8Tail, bytes), final);
    }
  };
  const start = (bytes: Uint8Array): void => {
    encoding = sniffEncoding(bytes);
    decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  };

  return {
    decode(chunk) {
      if (!decoder) {
        head = concat(head, chunk);
        if (head.length < 4) return '';
        start(head);
        const bytes = head;
        head = new Uint8Array(0);
        return run(bytes, false);
      }
      return run(chunk, false);
    },
    end() {
      if (!decoder) {
        if (head.length === 0) return '';
        start(head);
        return run(head, true);
      }
      return run(new Uint8Array(0), true);
    },
    get encoding() { return encoding; },
  };
}

/** Decodes a whole file at once (small files, tests). */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const d = createCsvDecoder();
  const text = d.decode(bytes) + d.end();
  return { text, encoding: d.encoding ?? 'utf-8' };
}
