import type { Cursor } from '../tables.js';

/*
 * What every adapter does (docs/数据对接.md §2): read the page of records after a cursor, in the
 * source's order, and say where the next read starts. An adapter never writes to its source.
 */

export interface Page {
  records: unknown[];
  /** Where the next read starts once these records are committed; unchanged when none. */
  next: Cursor | null;
  /** True when there may be more after this page. */
  more: boolean;
  /** The newest business-time hint of the page (for lag), when the adapter knows it. */
}

export interface Adapter {
  fetch(cursor: Cursor | null, limit: number): Promise<Page>;
  close(): Promise<void>;
}

/** A failure reading the source: shown as the connector's last error (never with secrets in it). */
export class SourceError extends Error {
  constructor(message: string, readonly code = 'SOURCE_ERROR') {
    super(message);
  }
}
