import type { ColumnType, Generated } from 'kysely';
/** Kysely shapes of the shared-parking tables (migration 0019_sharing.sql). */

type Json<T> = ColumnType<T, string, string>;

export type OfferStatus = 'draft' | 'submitted' | 'approved' | 'paused' | 'ended';
export type BookingStatus = 'booked' | 'entered' | 'completed' | 'cancelled' | 'cancelled_by_owner' | 'no_show';
export type PaymentState = 'free' | 'pay_at_exit' | 'unpaid' | 'paid';

export interface StoredWindow {
  days: number[];
  start: string;
  end: string;
  on?: 'workdays' | 'rest_days';
}

export interface SharingOwnersTable {
  id: Generated<number>;
  code: string;
  name: string;
  contact_name: string | null;
  contact_phone: string | null;
  status: 'pending' | 'approved' | 'disabled';
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface SharingOwnerLotsTable {
  lot_id: number;
  owner_id: number;
}

export interface SharingOwnerUsersTable {
  username: string;
  owner_id: number;
}

export interface SharingOffersTable {
  id: Generated<number>;
  lot_id: number;
  owner_id: number | null;
  name: string;
  spaces: number;
  windows: Json<StoredWindow[]>;
  date_from: string | null; // 'YYYY-MM-DD' (date)
  date_to: string | null;
  exception_dates: Json<string[]>;
  price_fen_per_hour: number | null;
  price_fen_per_booking: number | null;
  overstay_fen_per_hour: number | null;
  max_minutes: number | null;
  grace_minutes: number;
  cancel_cutoff_minutes: number;
  new_energy_only: boolean;
  status: OfferStatus;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  approved_at: Date | null;
  approved_by: string | null;
  ended_at: Date | null;
}

export interface SharingBookingsTable {
  id: Generated<number>; // bigserial, read as a number (src/db/database.ts)
  offer_id: number;
  lot_id: number;
  plate: string;
  plate_raw: string;
  phone: string;
  start_at: Date;
  end_at: Date;
  status: BookingStatus;
  payment_state: PaymentState;
  fee_fen: number;
  cancel_code: string;
  entered_at: Date | null;
  entry_event_id: string | null;
  exited_at: Date | null;
  exit_event_id: string | null;
  session_id: number | null;
  overstay_minutes: number;
  overstay_fee_fen: number;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  dispute_ticket_no: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface SharingSuspensionsTable {
  id: Generated<number>;
  plate: string;
  from_at: Date;
  until_at: Date;
  reason: string;
  created_at: Date;
}

export interface SharingStatementsTable {
  id: Generated<number>;
  owner_id: number;
  month: string;
  bookings: number;
  used_hours: ColumnType<string, number, number>; // numeric, read as text
  revenue_fen: number;
  platform_share_pct: ColumnType<string, number, number>;
  platform_share_fen: number;
  owner_share_fen: number;
  confirmed_at: Date;
  confirmed_by: string;
}

export interface SharingTables {
  sharing_owners: SharingOwnersTable;
  sharing_owner_lots: SharingOwnerLotsTable;
  sharing_owner_users: SharingOwnerUsersTable;
  sharing_offers: SharingOffersTable;
  sharing_bookings: SharingBookingsTable;
  sharing_suspensions: SharingSuspensionsTable;
  sharing_statements: SharingStatementsTable;
}
