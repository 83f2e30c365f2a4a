import type { SessionFlag } from './tables.js';

/*
 * The pairing rules, in memory: which entry an exit closes, whatever order they arrive in.
 * Ingest loads the sessions a batch can touch, plays the batch's entries and exits through a
 * PairingBook in occurredAt order, then writes the changed and new sessions back in bulk.
 */

/** Two entries of one plate this close together are one car read twice. */
export const DOUBLE_READ_MS = 5 * 60_000;

export interface SessionState {
  id: number | null; // null until inserted
  lot_id: number;
  source_code: string;
  plate: string;
  plate_raw: string;
  plate_color: string | null;
  berth_code: string | null;
  entry_event_id: string | null;
  exit_event_id: string | null;
  entered_at: Date | null;
  exited_at: Date | null;
  receivable_fen: number | null;
  paid_fen: number | null;
  pay_channel: string | null;
  /** The snapshots' references as the events carried them (photo:<sha256> or an https URL). */
  entry_photo: string | null;
  exit_photo: string | null;
  state: 'open' | 'closed';
  flags: SessionFlag[];
}

export interface EntryFact {
  lotId: number;
  sourceCode: string;
  eventId: string;
  plate: string;
  plateRaw: string;
  plateColor: string | null;
  berthCode: string | null;
  at: Date;
  photo?: string | null;
}

export interface ExitFact {
  lotId: number;
  sourceCode: string;
  eventId: string;
  plate: string;
  plateRaw: string;
  at: Date;
  entryEventId: string | null;
  enteredAt: Date | null;
  receivableFen: number | null;
  paidFen: number | null;
  payChannel: string | null;
  photo?: string | null;
}

const ENTRY_MISSING: SessionFlag[] = ['no_entry', 'entry_from_exit'];
const withFlag = (flags: SessionFlag[], f: SessionFlag) => (flags.includes(f) ? flags : [...flags, f]);
const without = (flags: SessionFlag[], remove: SessionFlag[]) => flags.filter((f) => !remove.includes(f));
const waitsForEntry = (s: SessionState) => s.state === 'closed' && s.flags.some((f) => ENTRY_MISSING.includes(f));

export class PairingBook {
  private readonly sessions: SessionState[];
  private readonly changed = new Set<SessionState>();

  /** `known`: the stored sessions of the batch's lots and plates that are open or wait for an entry, and those its exits name. */
  constructor(known: SessionState[]) {
    this.sessions = [...known];
  }

  entry(e: EntryFact): void {
    const mine = this.sessions.filter((s) => s.lot_id === e.lotId && s.plate === e.plate);
    // 1. An exit that came first and waits for this entry: named by id, else the earliest entry-less exit after it.
    const waiting =
      mine.find((s) => waitsForEntry(s) && s.entry_event_id === e.eventId) ??
      mine
        .filter((s) => waitsForEntry(s) && s.entry_event_id === null && s.exited_at !== null && s.exited_at >= e.at)
        .sort((a, b) => a.exited_at!.getTime() - b.exited_at!.getTime())[0];
    if (waiting) {
      Object.assign(waiting, { entered_at: e.at, entry_event_id: e.eventId, plate_color: e.plateColor, berth_code: e.berthCode, entry_photo: e.photo ?? null, flags: without(waiting.flags, ENTRY_MISSING) });
      this.changed.add(waiting);
      return;
    }
    // 2. The same car read twice at the gate: keep one session.
    const open = latestOpen(mine);
    if (open?.entered_at && Math.abs(open.entered_at.getTime() - e.at.getTime()) <= DOUBLE_READ_MS) {
      open.flags = withFlag(open.flags, 'duplicate_entry');
      this.changed.add(open);
      return;
    }
    this.add({
      id: null, lot_id: e.lotId, source_code: e.sourceCode, plate: e.plate, plate_raw: e.plateRaw, plate_color: e.plateColor, berth_code: e.berthCode,
      entry_event_id: e.eventId, exit_event_id: null, entered_at: e.at, exited_at: null, receivable_fen: null, paid_fen: null, pay_channel: null,
      entry_photo: e.photo ?? null, exit_photo: null, state: 'open', flags: [],
    });
  }

  exit(x: ExitFact): void {
    // The entry this exit closes: named by id, else the plate's latest open entry before the exit.
    const match =
      x.entryEventId !== null
        ? this.sessions.find((s) => s.lot_id === x.lotId && s.entry_event_id === x.entryEventId)
        : latestOpen(this.sessions.filter((s) => s.lot_id === x.lotId && s.plate === x.plate && s.entered_at !== null && s.entered_at <= x.at));
    const closing = { exit_event_id: x.eventId, exited_at: x.at, receivable_fen: x.receivableFen, paid_fen: x.paidFen, pay_channel: x.payChannel, exit_photo: x.photo ?? null, state: 'closed' as const };
    if (match?.state === 'open') {
      const negative = match.entered_at !== null && match.entered_at > x.at;
      Object.assign(match, closing, { flags: negative ? withFlag(match.flags, 'negative_duration') : without(match.flags, ['stale']) });
      this.changed.add(match);
      return;
    }
    if (match) return; // that entry already has its exit: a resend under a new id changes nothing
    // No entry yet (it may still come) or never: keep the exit as a session of its own.
    this.add({
      id: null, lot_id: x.lotId, source_code: x.sourceCode, plate: x.plate, plate_raw: x.plateRaw, plate_color: null, berth_code: null,
      entry_event_id: x.entryEventId, entered_at: x.enteredAt, entry_photo: null, ...closing, flags: [x.enteredAt ? 'entry_from_exit' : 'no_entry'],
    });
  }

  /** Sessions to insert (id null) and to update (id set), each once. */
  changes(): { inserts: SessionState[]; updates: SessionState[] } {
    const all = [...this.changed];
    return { inserts: all.filter((s) => s.id === null), updates: all.filter((s) => s.id !== null) };
  }

  private add(s: SessionState): void {
    this.sessions.push(s);
    this.changed.add(s);
  }
}

function latestOpen(sessions: SessionState[]): SessionState | undefined {
  let best: SessionState | undefined;
  for (const s of sessions) {
    if (s.state !== 'open') continue;
    if (!best || (s.entered_at?.getTime() ?? -Infinity) > (best.entered_at?.getTime() ?? -Infinity)) best = s;
  }
  return best;
}
