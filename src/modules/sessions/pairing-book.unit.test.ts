import { describe, expect, it } from 'vitest';
import { PairingBook, type EntryFact, type ExitFact, type SessionState } from './pairing-book.js';

const t = (minute: number) => new Date(Date.UTC(2026, 10, 25, 0, minute));
const entry = (eventId: string, minute: number, plate = '苏F12345'): EntryFact => ({
  lotId: 1, sourceCode: 'S', eventId, plate, plateRaw: plate, plateColor: null, berthCode: null, at: t(minute),
});
const exit = (eventId: string, minute: number, extra: Partial<ExitFact> = {}): ExitFact => ({
  lotId: 1, sourceCode: 'S', eventId, plate: '苏F12345', plateRaw: '苏F12345', at: t(minute),
  entryEventId: null, enteredAt: null, receivableFen: 500, paidFen: 500, payChannel: 'wechat', ...extra,
});
const stored = (s: Partial<SessionState>): SessionState => ({
  id: 10, lot_id: 1, source_code: 'S', plate: '苏F12345', plate_raw: '苏F12345', plate_color: null, berth_code: null,
  entry_event_id: null, exit_event_id: null, entered_at: null, exited_at: null, receivable_fen: null, paid_fen: null,
  pay_channel: null, entry_photo: null, exit_photo: null, state: 'open', flags: [], ...s,
});
const summary = (book: PairingBook) => {
  const { inserts, updates } = book.changes();
  return [...updates, ...inserts].map((s) => [s.id, s.entry_event_id, s.exit_event_id, s.state, s.flags]);
};

describe('pairing rules', () => {
  it('keeps the entry and exit snapshots on the session, also when the exit came first', () => {
    const book = new PairingBook([]);
    book.entry({ ...entry('in', 0), photo: 'photo:' + 'a'.repeat(64) });
    book.exit(exit('out', 60, { photo: 'https://cam.example.cn/out.jpg' }));
    book.exit(exit('out2', 200, { photo: 'https://cam.example.cn/out2.jpg' }));
    book.entry({ ...entry('in2', 190), photo: 'https://cam.example.cn/in2.jpg' });
    const { inserts } = book.changes();
    expect(inserts.map((s) => [s.entry_event_id, s.entry_photo, s.exit_photo])).toEqual([
      ['in', 'photo:' + 'a'.repeat(64), 'https://cam.example.cn/out.jpg'],
      ['in2', 'https://cam.example.cn/in2.jpg', 'https://cam.example.cn/out2.jpg'],
    ]);
  });

  it('pairs an entry and its exit within one batch', () => {
    const book = new PairingBook([]);
    book.entry(entry('in', 0));
    book.exit(exit('out', 60));
    expect(summary(book)).toEqual([[null, 'in', 'out', 'closed', []]]);
  });

  it('closes the latest open entry before the exit, not a later one', () => {
    const book = new PairingBook([stored({ id: 1, entry_event_id: 'a', entered_at: t(0) }), stored({ id: 2, entry_event_id: 'b', entered_at: t(100) })]);
    book.exit(exit('out', 50));
    expect(summary(book)).toEqual([[1, 'a', 'out', 'closed', []]]);
  });

  it('prefers the entry the exit names', () => {
    const book = new PairingBook([stored({ id: 1, entry_event_id: 'a', entered_at: t(0) }), stored({ id: 2, entry_event_id: 'b', entered_at: t(10) })]);
    book.exit(exit('out', 50, { entryEventId: 'a' }));
    expect(summary(book)).toEqual([[1, 'a', 'out', 'closed', []]]);
  });

  it('gives a stored entry-less exit its late entry', () => {
    const book = new PairingBook([stored({ id: 5, state: 'closed', exit_event_id: 'out', exited_at: t(60), flags: ['no_entry'] })]);
    book.entry(entry('in', 0));
    expect(summary(book)).toEqual([[5, 'in', 'out', 'closed', []]]);
  });

  it('does not give an entry an exit that happened before it', () => {
    const book = new PairingBook([stored({ id: 5, state: 'closed', exit_event_id: 'out', exited_at: t(60), flags: ['no_entry'] })]);
    book.entry(entry('in', 90));
    expect(summary(book)).toEqual([[null, 'in', null, 'open', []]]);
  });

  it('keeps a second exit of a closed entry from changing anything', () => {
    const book = new PairingBook([stored({ id: 1, entry_event_id: 'a', entered_at: t(0), state: 'closed', exit_event_id: 'x1', exited_at: t(30) })]);
    book.exit(exit('x2', 40, { entryEventId: 'a' }));
    expect(summary(book)).toEqual([]);
  });

  it('flags a double read and a negative duration', () => {
    const book = new PairingBook([]);
    book.entry(entry('in1', 0));
    book.entry(entry('in2', 3));
    book.exit(exit('out', 1, { entryEventId: 'in1' }));
    expect(summary(book)).toEqual([[null, 'in1', 'out', 'closed', ['duplicate_entry']]]);
    const neg = new PairingBook([stored({ id: 3, entry_event_id: 'late', entered_at: t(100) })]);
    neg.exit(exit('early', 50, { entryEventId: 'late' }));
    expect(summary(neg)).toEqual([[3, 'late', 'early', 'closed', ['negative_duration']]]);
  });

  it('keeps other plates and lots apart', () => {
    const book = new PairingBook([stored({ id: 1, entry_event_id: 'a', entered_at: t(0) }), stored({ id: 2, lot_id: 2, entry_event_id: 'b', entered_at: t(0), plate: '苏F54321' })]);
    book.exit({ ...exit('out', 50), plate: '苏F54321' });
    expect(summary(book)).toEqual([[null, null, 'out', 'closed', ['no_entry']]]);
  });
});
