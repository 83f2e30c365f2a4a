import type { ColumnType, Generated } from 'kysely';
import type { TicketCategory, TicketChannel, TicketPriority, TicketState } from './vocab.js';

export interface TicketsTable {
  id: ColumnType<number, number, never>;
  no: string;
  channel: TicketChannel;
  external_no: string | null;
  client_code: string | null;
  category: TicketCategory;
  priority: TicketPriority;
  title: string;
  description: string;
  citizen_name: string | null;
  citizen_phone: string | null;
  lot_code: string | null;
  plate: string | null;
  plate_raw: string | null;
  session_id: number | null;
  district_code: string | null;
  state: ColumnType<TicketState, TicketState | undefined, TicketState>;
  assignee: string | null;
  team_code: string | null;
  resolution: string | null;
  cancel_reason: string | null;
  merged_into: number | null;
  reopen_count: Generated<number>;
  resolution_late: Generated<boolean>;
  first_response_at: Date | null;
  first_resolved_at: Date | null;
  resolved_at: Date | null;
  feedback_at: Date | null;
  confirmed_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export type TicketEventKind = 'created' | 'transition' | 'field' | 'merge' | 'merged_into' | 'attachment' | 'citizen';

export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  at: Date;
  actor: string;
  kind: TicketEventKind;
  from_state: string | null;
  to_state: string | null;
  field: string | null;
  old_value: string | null;
  new_value: string | null;
  note: string | null;
}

export type CommentVisibility = 'public' | 'internal';

export interface TicketCommentsTable {
  id: Generated<number>;
  ticket_id: number;
  visibility: CommentVisibility;
  body: string;
  author: string;
  created_at: Date;
}

export interface TicketAttachmentsTable {
  id: Generated<number>;
  ticket_id: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: ColumnType<Uint8Array, Buffer, never>;
  uploaded_by: string;
  created_at: Date;
}

export interface TicketTeamsTable {
  code: string;
  name: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface TicketChannelClientsTable {
  code: string;
  name: string;
  channel: TicketChannel;
  secret_sealed: string;
  secret_rotated_at: Date;
  callback_url: string | null;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface TicketInboundRejectsTable {
  id: Generated<number>;
  client_code: string;
  received_at: Date;
  raw_body: ColumnType<Uint8Array, Buffer, never>;
  code: string;
  message: string;
}

export type CallbackStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

export interface TicketCallbacksTable {
  id: Generated<number>;
  ticket_id: number;
  client_code: string;
  event: string;
  payload: string;
  status: ColumnType<CallbackStatus, CallbackStatus | undefined, CallbackStatus>;
  attempts: Generated<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  claimed_by: string | null;
  last_error: string | null;
  last_http_status: number | null;
  last_attempt_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
}

/** A citizen's link to a ticket (/h5/t/<token>): only the token's SHA-256 (hex) is kept. */
export interface TicketCitizenLinksTable {
  ticket_id: number;
  token_hash: string;
  created_by: string;
  created_at: Date;
}

/** A citizen's request for a phone code to find a ticket again (lookup.ts); hashes only. */
export interface TicketLookupsTable {
  id: string;
  /** Null when the number and phone matched no ticket: then no code was sent. */
  ticket_id: number | null;
  ticket_no: string;
  phone_hash: string;
  code_hash: string;
  ip: string | null;
  created_at: Date;
  expires_at: Date;
  attempts: ColumnType<number, number | undefined, number>;
  confirmed_at: Date | null;
}

export interface TicketsTables {
  tickets: TicketsTable;
  ticket_events: TicketEventsTable;
  ticket_comments: TicketCommentsTable;
  ticket_attachments: TicketAttachmentsTable;
  ticket_teams: TicketTeamsTable;
  ticket_channel_clients: TicketChannelClientsTable;
  ticket_inbound_rejects: TicketInboundRejectsTable;
  ticket_callbacks: TicketCallbacksTable;
  ticket_citizen_links: TicketCitizenLinksTable;
  ticket_lookups: TicketLookupsTable;
}
