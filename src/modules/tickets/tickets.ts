import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, forbidden } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { shanghaiDay } from '../../platform/time.js';
import { listSlaForSubjects, listSla, type SlaItem } from '../sla/index.js';
import { historyOf, recordEvent, type HistoryEntry } from './history.js';
import { assertCategoryFits, parseNewTicket, parsePatch, type NewTicketInput, type TicketPatch } from './input.js';
import { hasPersonal, maskName, maskPersonal, maskPhone, seesPersonalData } from './personal-data.js';
import { checkTeam, resolveLinks } from './references.js';
import { findTicket, lockTicket, summariseSla, toView, type TicketRow, type TicketView, type TicketsContext, type TicketsDb, ticketsContext } from './repo.js';
import { canHandle, transitionsFor } from './state-machine.js';
import { applyPriorityChange, refreshSlaSubject, startTicketClocks, subjectOf } from './ticket-sla.js';
import { TERMINAL_STATES, type TicketChannel, type TicketState } from './vocab.js';

export const READ_PII = 'ticket.read_pii';

export function requireHandler(actor: Actor): void {
  if (!canHandle(actor)) throw forbidden('需要权限 ops / requires permission ops');
}

/** Rows with their SLA summaries, as the API shows them to `actor` (masked without pii). */
export async function viewsOf(ctx: TicketsContext, db: TicketsDb, actor: Actor, rows: TicketRow[]): Promise<TicketView[]> {
  const sla = await listSlaForSubjects(ctx, 'ticket', rows.map((r) => Number(r.id)), db);
  const now = ctx.clock.now();
  const unmasked = seesPersonalData(actor);
  return rows.map((r) => maskPersonal(toView(r, summariseSla(sla.get(String(r.id)) ?? [], now)), unmasked));
}

/** docs/architecture.md, cross-cutting rules: every response that carried unmasked personal data leaves an audit row (never the data itself). */
export async function auditPersonalRead(ctx: TicketsContext, actor: Actor, views: TicketView[], detail: Record<string, unknown>, targetId?: number): Promise<void> {
  if (!seesPersonalData(actor) || !views.some(hasPersonal)) return;
  await audit(ctx, ctx.db, actor, { action: READ_PII, targetType: 'ticket', ...(targetId !== undefined ? { targetId } : {}), detail: { count: views.length, ...detail } });
}

export function ticketNo(day: string, id: number): string {
  return `GD${day.replace(/-/g, '')}-${String(id).padStart(5, '0')}`;
}

/** Values of personal fields as history and audit keep them: masked, whoever reads them later. */
function masked(field: string, value: string | null): string | null {
  if (value === null) return null;
  if (field === 'citizenPhone') return maskPhone(value);
  if (field === 'citizenName') return maskName(value);
  if (field === 'plate') return maskPlate(value);
  return value;
}

export interface CreateOptions {
  /** The inbound client the ticket came from (its channel is the ticket's). */
  clientCode?: string;
  channel?: TicketChannel;
}

export interface CreateResult {
  created: boolean;
  ticket: TicketView;
}

/**
 * Creates a ticket in state `new` and starts its response and resolution clocks. Idempotent on
 * (channel, externalNo): the same pair again returns the stored ticket unchanged (created=false).
 */
export async function createTicket(ctx: TicketsContext, actor: Actor, body: unknown, opts: CreateOptions = {}): Promise<CreateResult> {
  requireHandler(actor);
  const input = parseNewTicket(body, { channel: opts.channel });
  if (opts.channel && input.channel !== opts.channel) {
    throw new AppError(400, 'CHANNEL_MISMATCH', `该接入方只能提交 ${opts.channel} 渠道的工单 / this client submits ${opts.channel} tickets only`);
  }
  if (input.externalNo) {
    const existing = await existingTicket(ctx, actor, input, opts.clientCode);
    if (existing) return existing;
  }
  const links = await resolveLinks(ctx, actor, input);
  const now = ctx.clock.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const { id } = (await sql<{ id: string }>`select nextval(pg_get_serial_sequence('tickets', 'id')) as id`.execute(trx)).rows[0]!;
    const plate = input.plate ?? (links.sessionPlate ? { plate: links.sessionPlate, raw: links.sessionPlate } : null);
    const row = await trx.insertInto('tickets').values({
      id: Number(id),
      no: ticketNo(shanghaiDay(now), Number(id)),
      channel: input.channel,
      external_no: input.externalNo,
      client_code: opts.clientCode ?? null,
      category: input.category,
      priority: input.priority,
      title: input.title,
      description: input.description,
      citizen_name: input.citizenName,
      citizen_phone: input.citizenPhone,
      lot_code: links.lotCode,
      plate: plate?.plate ?? null,
      plate_raw: plate?.raw ?? null,
      session_id: links.sessionId,
      district_code: links.districtCode,
      assignee: null, team_code: null, resolution: null, cancel_reason: null, merged_into: null,
      first_response_at: null, first_resolved_at: null, resolved_at: null, feedback_at: null, confirmed_at: null, closed_at: null, cancelled_at: null,
      created_by: actor.username,
      created_at: now,
      updated_at: now,
    }).onConflict((oc) => oc.columns(['channel', 'external_no']).doNothing()).returningAll().executeTakeFirst();
    if (!row) return null; // the same external number committed meanwhile
    await recordEvent(trx, Number(row.id), actor, now, { kind: 'created', toState: 'new', note: opts.clientCode ? `接入方 ${opts.clientCode}` : null });
    await startTicketClocks(ctx, trx, row, now);
    await audit(ctx, trx, actor, {
      action: 'ticket.create', targetType: 'ticket', targetId: Number(row.id),
      detail: { no: row.no, channel: row.channel, externalNo: row.external_no, category: row.category, priority: row.priority, districtCode: row.district_code, client: opts.clientCode ?? null },
    });
    return (await viewsOf(ctx, trx, actor, [row]))[0]!;
  });
  if (result) return { created: true, ticket: result };
  const again = await existingTicket(ctx, actor, input, opts.clientCode);
  if (!again) throw new AppError(409, 'DUPLICATE', `外部单号已存在 / external number already used: ${input.externalNo}`);
  return again;
}

/**
 * The stored ticket of (channel, externalNo). From a channel client: a ticket staff registered by
 * hand with that number (client_code null) is the same case and is adopted by the client, so its
 * callbacks flow; one pushed by another client of the same channel is a collision (409).
 */
async function existingTicket(ctx: TicketsContext, actor: Actor, input: NewTicketInput, clientCode?: string): Promise<CreateResult | null> {
  let row = await ctx.db.selectFrom('tickets').selectAll().where('channel', '=', input.channel).where('external_no', '=', input.externalNo!).executeTakeFirst();
  if (!row) return null;
  const taken = () => new AppError(409, 'DUPLICATE', `外部单号已存在 / external number already used: ${input.externalNo}`);
  // Another district's ticket with this number is not shown to a district-scoped creator.
  if (actor.districtCode !== null && row.district_code !== actor.districtCode) throw taken();
  if (clientCode && row.client_code !== clientCode) {
    if (row.client_code !== null) throw new AppError(409, 'EXTERNAL_NO_TAKEN', `该外部单号已由同渠道的其他接入方提交 / another client of this channel already sent ${input.externalNo}`);
    row = await ctx.db.transaction().execute(async (trx) => {
      const now = ctx.clock.now();
      const adopted = await trx.updateTable('tickets').set({ client_code: clientCode, updated_at: now }).where('id', '=', row!.id).where('client_code', 'is', null).returningAll().executeTakeFirst();
      if (!adopted) throw taken();
      await recordEvent(trx, Number(adopted.id), actor, now, { kind: 'field', field: 'clientCode', oldValue: null, newValue: clientCode });
      await audit(ctx, trx, actor, { action: 'ticket.update', targetType: 'ticket', targetId: Number(adopted.id), detail: { no: adopted.no, changes: [{ field: 'clientCode', from: null, to: clientCode }] } });
      return adopted;
    });
  }
  return { created: false, ticket: (await viewsOf(ctx, ctx.db, actor, [row])).at(0)! };
}

export interface CommentView {
  id: number;
  ticketId: number;
  ticketNo: string;
  visibility: 'public' | 'internal';
  body: string;
  author: string;
  createdAt: string;
}

export interface AttachmentView {
  id: number;
  ticketId: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  uploadedBy: string;
  createdAt: string;
}

export interface MergedRef {
  id: number;
  no: string;
  channel: string;
  externalNo: string | null;
  title: string;
}

export interface TicketDetail extends TicketView {
  sla: SlaItemView[];
  history: HistoryEntry[];
  /** This ticket's comments and those of the duplicates merged into it, oldest first. */
  comments: CommentView[];
  attachments: AttachmentView[];
  mergedTickets: MergedRef[];
  mergedIntoNo: string | null;
  /** Transitions the reader may start now (the console's buttons). */
  allowedTransitions: TicketState[];
}

export interface SlaItemView {
  id: number;
  kind: string;
  policyKey: string | null;
  calendarId: string;
  targetMinutes: number;
  state: string;
  startedAt: string;
  dueAt: string | null;
  warnAt: string | null;
  pausedSince: string | null;
  pausedMinutes: number;
  metAt: string | null;
  cancelledAt: string | null;
  breachedAt: string | null;
  late: boolean;
  remainingMinutes: number | null;
}

export function slaItemView(i: SlaItem): SlaItemView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: i.id, kind: i.kind, policyKey: i.policyKey, calendarId: i.calendarId, targetMinutes: i.targetMinutes, state: i.state,
    startedAt: i.startedAt.toISOString(), dueAt: iso(i.dueAt), warnAt: iso(i.warnAt), pausedSince: iso(i.pausedSince), pausedMinutes: Math.round(i.pausedMinutes * 100) / 100,
    metAt: iso(i.metAt), cancelledAt: iso(i.cancelledAt), breachedAt: iso(i.breachedAt), late: i.late, remainingMinutes: i.remainingMinutes,
  };
}

/** One ticket with its clocks, history, comments, attachments and merged duplicates. */
export async function getTicket(ctx: TicketsContext, actor: Actor, id: number, opts: { audit?: boolean } = {}): Promise<TicketDetail> {
  const row = await findTicket(ctx.db, actor, id);
  const detail = await detailOf(ctx, ctx.db, actor, row);
  if (opts.audit !== false) await auditPersonalRead(ctx, actor, [detail], {}, id);
  return detail;
}

export async function detailOf(ctx: TicketsContext, db: TicketsDb, actor: Actor, row: TicketRow): Promise<TicketDetail> {
  const id = Number(row.id);
  const view = (await viewsOf(ctx, db, actor, [row]))[0]!;
  const merged = await db.selectFrom('tickets').select(['id', 'no', 'channel', 'external_no', 'title']).where('merged_into', '=', id).orderBy('id').execute();
  const ids = [id, ...merged.map((m) => Number(m.id))];
  const comments = await db.selectFrom('ticket_comments').innerJoin('tickets', 'tickets.id', 'ticket_comments.ticket_id')
    .select(['ticket_comments.id', 'ticket_comments.ticket_id', 'tickets.no', 'ticket_comments.visibility', 'ticket_comments.body', 'ticket_comments.author', 'ticket_comments.created_at'])
    .where('ticket_comments.ticket_id', 'in', ids).orderBy('ticket_comments.created_at').orderBy('ticket_comments.id').execute();
  const attachments = await db.selectFrom('ticket_attachments')
    .select(['id', 'ticket_id', 'file_name', 'content_type', 'size_bytes', 'sha256', 'uploaded_by', 'created_at'])
    .where('ticket_id', 'in', ids).orderBy('id').execute();
  const mergedIntoNo = row.merged_into === null ? null
    : (await db.selectFrom('tickets').select('no').where('id', '=', row.merged_into).executeTakeFirst())?.no ?? null;
  return {
    ...view,
    sla: (await listSla(ctx, subjectOf(id), db)).map(slaItemView),
    history: await historyOf(db, id),
    comments: comments.map((c) => ({ id: Number(c.id), ticketId: Number(c.ticket_id), ticketNo: c.no, visibility: c.visibility, body: c.body, author: c.author, createdAt: c.created_at.toISOString() })),
    attachments: attachments.map((a) => ({
      id: Number(a.id), ticketId: Number(a.ticket_id), fileName: a.file_name, contentType: a.content_type, sizeBytes: a.size_bytes, sha256: a.sha256, uploadedBy: a.uploaded_by, createdAt: a.created_at.toISOString(),
    })),
    mergedTickets: merged.map((m) => ({ id: Number(m.id), no: m.no, channel: m.channel, externalNo: m.external_no, title: m.title })),
    mergedIntoNo,
    allowedTransitions: row.merged_into === null ? transitionsFor(actor, row.state) : [],
  };
}

export function assertOpenForChange(row: TicketRow): void {
  if ((TERMINAL_STATES as readonly string[]).includes(row.state)) {
    throw new AppError(409, 'TICKET_CLOSED', `工单已${row.state === 'cancelled' ? '撤销' : '关闭'}，不能修改 / the ticket is ${row.state}`);
  }
}

const FIELD_COLUMNS = {
  category: 'category', priority: 'priority', title: 'title', description: 'description', citizenName: 'citizen_name', citizenPhone: 'citizen_phone',
  lotCode: 'lot_code', plate: 'plate', sessionId: 'session_id', districtCode: 'district_code', team: 'team_code',
} as const;

/** Edits a ticket's fields (not its state); each changed field is a history line. */
export async function updateTicket(ctx: TicketsContext, actor: Actor, id: number, body: unknown): Promise<TicketDetail> {
  requireHandler(actor);
  const patch: TicketPatch = parsePatch(body);
  const current = await findTicket(ctx.db, actor, id);
  assertOpenForChange(current);
  if (patch.category !== undefined) assertCategoryFits(current.channel as TicketChannel, patch.category);
  const linksTouched = patch.lotCode !== undefined || patch.sessionId !== undefined || patch.districtCode !== undefined;
  // A new lot or record brings its own district unless one is given with it.
  const links = linksTouched
    ? await resolveLinks(ctx, actor, {
      lotCode: patch.lotCode !== undefined ? patch.lotCode : current.lot_code,
      sessionId: patch.sessionId !== undefined ? patch.sessionId : current.session_id === null ? null : Number(current.session_id),
      districtCode: patch.districtCode !== undefined ? patch.districtCode : patch.lotCode || patch.sessionId ? null : current.district_code,
    })
    : null;
  const team = patch.team ? await checkTeam(ctx.db, patch.team) : patch.team;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const before = await lockTicket(trx, actor, id);
    assertOpenForChange(before);
    const next: Record<string, unknown> = {};
    if (patch.category !== undefined) next.category = patch.category;
    if (patch.priority !== undefined) next.priority = patch.priority;
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.citizenName !== undefined) next.citizenName = patch.citizenName;
    if (patch.citizenPhone !== undefined) next.citizenPhone = patch.citizenPhone;
    if (patch.plate !== undefined) next.plate = patch.plate?.plate ?? null;
    if (team !== undefined) next.team = team;
    if (links) {
      next.lotCode = links.lotCode;
      next.sessionId = links.sessionId;
      next.districtCode = links.districtCode;
    }
    const set: Record<string, unknown> = {};
    const changed: { field: string; from: string | null; to: string | null }[] = [];
    for (const [field, value] of Object.entries(next)) {
      const column = FIELD_COLUMNS[field as keyof typeof FIELD_COLUMNS];
      const old = (before as unknown as Record<string, unknown>)[column];
      const oldText = old === null || old === undefined ? null : String(old);
      const newText = value === null || value === undefined ? null : String(value);
      if (oldText === newText) continue;
      set[column] = value;
      if (field === 'plate') set.plate_raw = patch.plate?.raw ?? null;
      changed.push({ field, from: masked(field, oldText), to: masked(field, newText) });
    }
    if (!changed.length) return detailOf(ctx, trx, actor, before);
    const after = await trx.updateTable('tickets').set({ ...set, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    for (const c of changed) await recordEvent(trx, id, actor, now, { kind: 'field', field: c.field, oldValue: c.from, newValue: c.to });
    if (patch.priority !== undefined && before.priority !== after.priority) await applyPriorityChange(ctx, trx, after, now);
    if (changed.some((c) => c.field === 'title' || c.field === 'districtCode')) await refreshSlaSubject(ctx, trx, after);
    await audit(ctx, trx, actor, { action: 'ticket.update', targetType: 'ticket', targetId: id, detail: { no: after.no, changes: changed } });
    return detailOf(ctx, trx, actor, after);
  });
}

/** What the incident ledger (and other modules) may know of a ticket: no personal data. */
export interface TicketRef {
  id: number;
  no: string;
  title: string;
  state: TicketState;
  channel: TicketChannel;
  category: string;
  priority: string;
  districtCode: string | null;
  lotCode: string | null;
  createdAt: string;
}

/** A ticket the actor may see, for linking (404 when absent or of another district). */
export async function getTicketRef(anyCtx: AppContext, actor: Actor, id: number): Promise<TicketRef> {
  const ctx = ticketsContext(anyCtx);
  const r = await findTicket(ctx.db, actor, id);
  return {
    id: Number(r.id), no: r.no, title: r.title, state: r.state, channel: r.channel, category: r.category, priority: r.priority,
    districtCode: r.district_code, lotCode: r.lot_code, createdAt: r.created_at.toISOString(),
  };
}
