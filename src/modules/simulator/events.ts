import type { PlateColor } from '../../platform/plates.js';
import type { PayChannel } from './fees.js';

/* The event shapes of the signed ingest API (docs/接入规范.md §7), as the simulator sends them. */

interface Base {
  eventId: string;
  /** ISO 8601 with +08:00, or the naive 'YYYY-MM-DD HH:mm:ss' Shanghai form. */
  occurredAt: string;
}

export interface EntryEvent extends Base {
  type: 'entry';
  lotCode: string;
  plate: string;
  /** A car without a plate: the lot system's ticket (docs/接入规范.md §6.2). */
  ticketId?: string;
  plateColor?: PlateColor;
  berthCode?: string;
  /** The snapshot: photo:<sha256> or an https URL (docs/接入规范.md §6.7). */
  photoUrl?: string;
}

export interface ExitEvent extends Base {
  type: 'exit';
  lotCode: string;
  plate: string;
  ticketId?: string;
  entryEventId?: string;
  enteredAt?: string;
  receivableFen?: number;
  paidFen?: number;
  payChannel?: PayChannel;
  photoUrl?: string;
}

export interface StatusEvent extends Base {
  type: 'status';
  lotCode: string;
  totalSpaces: number;
  freeSpaces: number;
}

export interface HeartbeatEvent extends Base {
  type: 'heartbeat';
}

export interface PaymentEvent extends Base {
  type: 'payment';
  lotCode: string;
  plate?: string;
  ticketId?: string;
  orderNo: string;
  amountFen: number;
  channel: PayChannel;
  paidAt: string;
}

export type IngestEvent = EntryEvent | ExitEvent | StatusEvent | HeartbeatEvent | PaymentEvent;
export type EventType = IngestEvent['type'];

/** An event with what the simulator knows about it besides its body. */
export interface SimEvent {
  /** occurredAt in epoch ms */
  at: number;
  sourceCode: string;
  lotCode?: string;
  event: IngestEvent;
  /** Entries: when the car leaves, when that falls inside the simulated window. */
  exitAt?: number;
  /** Exits: when the car came in (also for cars that came in before the window). */
  entryAt?: number;
}

/** Per-batch reply of POST /api/v1/ingest/events. */
export interface IngestResult {
  /** null for an item the server could not read an id from. */
  eventId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
}

export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: IngestResult[];
}
