import { StringDecoder } from 'node:string_decoder';

/*
 * The rows of PostgreSQL's `COPY (select …) TO STDOUT` in text format (the database's `copyOut`,
 * src/db/copy-out.ts; decision 0032's addendum, docs/decisions/0032-archive-by-batched-delete.md).
 *
 * COPY takes no bind parameters: the statement is sent as it is, so every value in it must be a
 * literal its caller made itself (a date it formatted, a table name from a fixed list), never input.
 */

/** Runs one `COPY … TO STDOUT` (text format) on a connection of its own and yields its bytes as they come. */
export type CopyOut = (statement: string) => AsyncIterable<Buffer>;

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** One field of COPY's text format: `\N` is null; backslash escapes undone (COPY TO writes only \b \f \n \r \t \v \\). */
export function copyTextField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c);
}

/**
 * The rows of a COPY TO in text format (tab between fields, newline after each row; a newline or
 * tab inside a value is escaped, so a raw one always separates), whatever the chunks' boundaries,
 * a few hundred rows a batch.
 */
export async function* copyTextRows(chunks: AsyncIterable<Buffer>, batch = 1_000): AsyncGenerator<(string | null)[][]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let rows: (string | null)[][] = [];
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      rows.push(text.slice(start, nl).split('\t').map(copyTextField));
      start = nl + 1;
      if (rows.length >= batch) {
        yield rows;
        rows = [];
      }
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) throw new Error('COPY output ended inside a row');
  if (rows.length) yield rows;
}
