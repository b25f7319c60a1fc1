import { describe, expect, it } from 'vitest';
import { detectDelimiter, firstLineEnd } from './delimiter';
import { createCsvDecoder, decodeCsvBytes, type CsvEncoding } from './encoding';

const TEXT = 'Nome de usuário;Duração;Diamantes\n@bia;1h 30m;15.200 💎 Tổng 合計\n';

function utf16(text: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(out.buffer);
  let at = 0;
  if (bom) { view.setUint16(0, 0xfeff, littleEndian); at = 2; }
  for (let i = 0; i < text.length; i++, at += 2) view.setUint16(at, text.charCodeAt(i), littleEndian);
  return out;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const withBom = (b: Uint8Array) => new Uint8Array([0xef, 0xbb, 0xbf, ...b]);

/** Feeds the bytes in chunks of `size`, which splits multibyte characters at every offset. */
function decodeInChunks(bytes: Uint8Array, size: number): { text: string; encoding: CsvEncoding | null } {
  const d = createCsvDecoder();
  let text = '';
  for (let i = 0; i < bytes.length; i += size) text += d.decode(bytes.subarray(i, i + size));
  text += d.end();
  return { text, encoding: d.encoding };
}

describe('createCsvDecoder', () => {
  const variants: Array<[string, Uint8Array, CsvEncoding]> = [
    ['UTF-8', utf8(TEXT), 'utf-8'],
    ['UTF-8 with BOM', withBom(utf8(TEXT)), 'utf-8'],
    ['UTF-16LE with BOM (Excel "Unicode text")', utf16(TEXT, true, true), 'utf-16le'],
    ['UTF-16BE with BOM', utf16(TEXT, false, true), 'utf-16be'],
    ['UTF-16LE without BOM', utf16(TEXT, true, false), 'utf-16le'],
  ];
  for (const [name, bytes, encoding] of variants) {
    for (const size of [1, 2, 3, 5, 7, 4096]) {
      it(`${name} in ${size}-byte chunks`, () => {
        expect(decodeInChunks(bytes, size)).toEqual({ text: TEXT, encoding });
      });
    }
  }

  it('falls back to Windows-1252 for Excel "CSV" bytes that are not UTF-8', () => {
    // "Duración;Diamantes" as Windows-1252: ó is the single byte 0xF3.
    const bytes = new Uint8Array([...utf8('Duraci'), 0xf3, ...utf8('n;Diamantes\n1;2\n')]);
    for (const size of [1, 3, 1000]) {
      expect(decodeInChunks(bytes, size)).toEqual({ text: 'Duración;Diamantes\n1;2\n', encoding: 'windows-1252' });
    }
  });

  it('decodes tiny and empty files', () => {
    expect(decodeCsvBytes(utf8('a'))).toEqual({ text: 'a', encoding: 'utf-8' });
    expect(decodeCsvBytes(new Uint8Array(0))).toEqual({ text: '', encoding: 'utf-8' });
    expect(decodeCsvBytes(new Uint8Array([0xef, 0xbb, 0xbf]))).toEqual({ text: '', encoding: 'utf-8' });
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['Username,Start time,Diamonds\n1,2,3', ','],
    ['Usuario;Fecha;Diamantes\n', ';'],
    ['Nama pengguna\tWaktu mulai\tBerlian\n', '\t'],
    ['"Duration, min";Diamonds;Viewers\n', ';'], // the comma is inside quotes
    ['"Start\ntime",Diamonds,Viewers', ','], // a newline inside a quoted header
    ['Diamonds', ','],
    ['Diamonds;Viewers,Likes;Gifts', ';'],
  ])('%j → %j', (text, delimiter) => {
    expect(detectDelimiter(text)).toEqual({ delimiter, skip: 0 });
  });

  it("honours Excel's sep= line and says how much to skip", () => {
    expect(detectDelimiter('sep=;\nA,B;C\n')).toEqual({ delimiter: ';', skip: 6 });
    expect(detectDelimiter('sep=,\r\nA;B\n')).toEqual({ delimiter: ',', skip: 7 });
  });

  it('finds where the first line ends, quotes respected', () => {
    expect(firstLineEnd('a,b\nc')).toBe(4);
    expect(firstLineEnd('a,b\r\nc')).toBe(5);
    expect(firstLineEnd('"a\nb",c\nd')).toBe(8);
    expect(firstLineEnd('a,"b')).toBe(-1);
  });
});
