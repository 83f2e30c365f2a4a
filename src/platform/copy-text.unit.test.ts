import { describe, expect, it } from 'vitest';
import { copyTextField, copyTextRows } from './copy-text.js';

async function* chunks(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

async function all(parts: Buffer[], batch?: number): Promise<(string | null)[][][]> {
  const out: (string | null)[][][] = [];
  for await (const rows of copyTextRows(chunks(parts), batch)) out.push(rows);
  return out;
}

describe('COPY text format rows (src/platform/copy-text.ts)', () => {
  it('undoes the escapes COPY TO writes and reads \\N as null', () => {
    expect(copyTextField('\\N')).toBeNull();
    expect(copyTextField('')).toBe('');
    expect(copyTextField('a\\tb\\nc\\\\d\\re\\b\\f\\v')).toBe('a\tb\nc\\d\re\b\f\v');
    expect(copyTextField('\\\\N')).toBe('\\N');
  });

  it('splits rows and fields whatever the chunks cut, a multi-byte character included, in batches', async () => {
    const text = Buffer.from('1\t苏F\\t01\t\\N\n2\t\t{"a": "x\\\\ny"}\n3\tz\tw\n');
    // Every cut, one byte at a time through the Chinese character.
    for (let cut = 1; cut < text.length; cut++) {
      const got = await all([text.subarray(0, cut), text.subarray(cut)], 2);
      expect(got).toEqual([
        [['1', '苏F\t01', null], ['2', '', '{"a": "x\\ny"}']],
        [['3', 'z', 'w']],
      ]);
    }
  });

  it('refuses output that stops inside a row', async () => {
    await expect(all([Buffer.from('1\t2\n3\t')])).rejects.toThrow('inside a row');
  });
});
