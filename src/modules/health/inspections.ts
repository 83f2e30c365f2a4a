import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, contextOf, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { createIncident } from '../incidents/index.js';
import { evaluateChecks, type CheckItem, type Measurements } from './checks.js';
import { certificates, latestBackup, securityState, slowQueries, tableBloat } from './probes.js';
import { backupSettings } from '../security/index.js';
import { healthContext, type HealthContext } from './repo.js';
import type { ItemStatus } from './tables.js';

/*
 * Inspection runs (巡检): the automated checks (checks.ts) measured now, plus the manual items
 * the engineer fills in; stored, editable item by item, compared with the previous run.
 */

/** Items the engineer checks by hand; they start as warn ("not checked yet") until edited. */
export const MANUAL_ITEMS: readonly { code: string; name: string }[] = [
  { code: 'manual_server_room', name: '机房环境（温湿度、供电、消防）' },
  { code: 'manual_network', name: '网络链路与政务外网专线' },
  { code: 'manual_terminals', name: '城管局终端与大屏' },
  { code: 'manual_security', name: '账号与权限抽查' },
];

export const ITEM_STATUSES: readonly ItemStatus[] = ['ok', 'warn', 'fail'];

export interface InspectionItem extends CheckItem {
  kind: 'auto' | 'manual';
  note: string | null;
  checked: boolean;
  updatedBy: string;
  updatedAt: string;
  /** The same item's status in the previous run; null when it had none. */
  previousStatus: ItemStatus | null;
  /** The incident opened from this item, if any. */
  incidentCode: string | null;
}

export interface Inspection {
  id: number;
  trigger: 'manual' | 'scheduled';
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  summary: { ok: number; warn: number; fail: number };
  previousId: number | null;
  items: InspectionItem[];
}

/** What this node's HTTP counters say (the error-rate check); given by the routes. */
export type RequestCounts = () => Promise<{ requests: number; serverErrors: number }>;

async function diskOf(dir: string): Promise<Measurements['disk']> {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    const s = await statfs(at);
    return { path: at, freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
  } catch {
    return null;
  }
}

const countOf = async (q: { executeTakeFirst(): Promise<{ n: number | string } | undefined> }) => Number((await q.executeTakeFirst())?.n ?? 0);

/** Measures everything the automated checks judge. */
export async function measure(ctx: HealthContext, counts: RequestCounts, previousBytes: number | null): Promise<Measurements> {
  const db = ctx.db;
  const now = ctx.clock.now();
  const day = 86_400_000;
  const size = await sql<{ bytes: number | string }>`select pg_database_size(current_database()) as bytes`.execute(db);
  const sources = await db.selectFrom('source_live').select('last_received_at').execute();
  const quarantine = (from: number, to: number) => countOf(db.selectFrom('ingest_quarantine').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'open').where('received_at', '>=', new Date(now.getTime() - from * day)).where('received_at', '<', new Date(now.getTime() - to * day)));
  const jobs = await db.selectFrom('health_job_state').select(['job', 'consecutive_failures']).where('consecutive_failures', '>', 0).orderBy('job').execute();
  const http = await counts();
  const dataDir = ctx.config.databaseUrl ? ctx.config.dataDir : path.join(ctx.config.dataDir, 'pglite');
  const backup = await latestBackup(backupSettings(ctx).dir);
  const backupAge = backup === 'off' || 'error' in backup ? backup : (now.getTime() - backup.createdAt.getTime()) / 3_600_000;
  const bloat = await tableBloat(ctx);
  return {
    databaseBytes: Number(size.rows[0]?.bytes ?? 0),
    previousDatabaseBytes: previousBytes,
    sourceSilenceMinutes: sources.map((s) => (s.last_received_at ? (now.getTime() - s.last_received_at.getTime()) / 60_000 : null)),
    quarantineRecent: await quarantine(30, 0),
    quarantinePrior: await quarantine(60, 30),
    failingJobs: jobs.map((j) => ({ job: j.job, failures: j.consecutive_failures })),
    openPlatformAlerts: await countOf(db.selectFrom('health_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'open')),
    backupAgeHours: backupAge,
    disk: ctx.config.dataDir === 'memory://' ? await diskOf(process.cwd()) : await diskOf(dataDir),
    requests: http.requests,
    serverErrors: http.serverErrors,
    openSyncAlerts: await countOf(db.selectFrom('monitoring_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '<>', 'resolved')),
    lateLots: await countOf(db.selectFrom('monitoring_alerts').select((eb) => eb.fn.count<number>('lot_id').distinct().as('n')).where('state', '<>', 'resolved')),
    notificationFailures30d: await countOf(db.selectFrom('notification_deliveries').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'failed').where('created_at', '>=', new Date(now.getTime() - 30 * day))),
    notificationPending: await countOf(db.selectFrom('notification_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending')),
    certificates: await certificates(ctx),
    overdueIncidents: await countOf(db.selectFrom('sla_items').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'breached').where('subject_type', 'in', ['incident', 'incident_action'])),
    overdueTickets: await countOf(db.selectFrom('sla_items').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'breached').where('subject_type', '=', 'ticket')),
    ...bloat,
    slowQueries: await slowQueries(ctx),
    security: await securityState(ctx),
  };
}

function summaryOf(items: readonly { status: ItemStatus }[]) {
  return { ok: items.filter((i) => i.status === 'ok').length, warn: items.filter((i) => i.status === 'warn').length, fail: items.filter((i) => i.status === 'fail').length };
}

/** Runs an inspection now: measures, judges, stores, audits. */
export async function runInspection(root: AppContext, actor: Actor, counts: RequestCounts, trigger: 'manual' | 'scheduled' = 'manual'): Promise<Inspection> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  const previous = await ctx.db.selectFrom('health_inspection_items').select('measured')
    .where('code', '=', 'database_size').orderBy('inspection_id', 'desc').limit(1).executeTakeFirst();
  const previousBytes = previous?.measured && /^\d+$/.test(previous.measured) ? Number(previous.measured) : null;
  const checks = evaluateChecks(await measure(ctx, counts, previousBytes));
  const id = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('health_inspections').values({ trigger, created_by: actor.username, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    const rows = [
      ...checks.map((c, i) => ({ ...c, kind: 'auto' as const, checked: true, position: i })),
      ...MANUAL_ITEMS.map((m, i) => ({
        code: m.code, name: m.name, status: 'warn' as const, detail: '待人工检查', measured: null, threshold: null, kind: 'manual' as const, checked: false, position: checks.length + i,
      })),
    ];
    await trx.insertInto('health_inspection_items').values(rows.map((r) => ({
      inspection_id: row.id, position: r.position, code: r.code, name: r.name, kind: r.kind, status: r.status, detail: r.detail,
      measured: r.measured, threshold: r.threshold, note: null, checked: r.checked, updated_by: actor.username, updated_at: now,
    }))).execute();
    const s = summaryOf(rows);
    await audit(ctx, trx, actor, { action: 'inspection.run', targetType: 'inspection', targetId: String(row.id), detail: { trigger, ...s } });
    return row.id;
  });
  return getInspection(root, id);
}

export async function getInspection(root: AppContext, id: number): Promise<Inspection> {
  const ctx = healthContext(root);
  const row = await ctx.db.selectFrom('health_inspections').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`巡检 ${id} / inspection ${id}`);
  const items = await ctx.db.selectFrom('health_inspection_items').selectAll().where('inspection_id', '=', id).orderBy('position').execute();
  const prev = await ctx.db.selectFrom('health_inspections').select('id').where('id', '<', id).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prevItems = prev ? await ctx.db.selectFrom('health_inspection_items').select(['code', 'status']).where('inspection_id', '=', prev.id).execute() : [];
  const prevStatus = new Map(prevItems.map((i) => [i.code, i.status]));
  return {
    id: row.id,
    trigger: row.trigger,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    summary: summaryOf(items),
    previousId: prev?.id ?? null,
    items: items.map((i) => ({
      code: i.code, name: i.name, status: i.status, detail: i.detail, measured: i.measured, threshold: i.threshold, kind: i.kind, note: i.note,
      checked: i.checked, updatedBy: i.updated_by, updatedAt: i.updated_at.toISOString(), previousStatus: prevStatus.get(i.code) ?? null,
      incidentCode: i.incident_code,
    })),
  };
}

export interface InspectionSummary {
  id: number;
  trigger: 'manual' | 'scheduled';
  createdBy: string;
  createdAt: string;
  summary: { ok: number; warn: number; fail: number };
}

export async function listInspections(root: AppContext, q: { limit?: number; offset?: number }): Promise<{ items: InspectionSummary[]; total: number }> {
  const ctx = healthContext(root);
  const rows = await ctx.db.selectFrom('health_inspections').selectAll().orderBy('id', 'desc').limit(q.limit ?? 50).offset(q.offset ?? 0).execute();
  const total = await countOf(ctx.db.selectFrom('health_inspections').select((eb) => eb.fn.countAll<number>().as('n')));
  const counts = rows.length
    ? await ctx.db.selectFrom('health_inspection_items').select(['inspection_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('inspection_id', 'in', rows.map((r) => r.id)).groupBy(['inspection_id', 'status']).execute()
    : [];
  return {
    total,
    items: rows.map((r) => {
      const of = (s: ItemStatus) => Number(counts.find((c) => c.inspection_id === r.id && c.status === s)?.n ?? 0);
      return { id: r.id, trigger: r.trigger, createdBy: r.created_by, createdAt: r.created_at.toISOString(), summary: { ok: of('ok'), warn: of('warn'), fail: of('fail') } };
    }),
  };
}

/** The engineer's verdict on an item (manual ones above all): status and note, audited. */
export async function updateInspectionItem(root: AppContext, actor: Actor, id: number, code: string, input: { status?: string; note?: string | null; detail?: string }): Promise<Inspection> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  if (input.status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(input.status)) {
    throw badRequest('INVALID_STATUS', 'status 须为 ok | warn | fail / status: ok, warn or fail');
  }
  if (input.status === undefined && input.note === undefined && input.detail === undefined) throw badRequest('NOTHING_TO_UPDATE', '无修改内容 / nothing to update');
  await ctx.db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('health_inspection_items').selectAll().where('inspection_id', '=', id).where('code', '=', code).forUpdate().executeTakeFirst();
    if (!item) throw notFound(`巡检项 ${code} / inspection item ${code}`);
    await trx.updateTable('health_inspection_items').set({
      ...(input.status !== undefined ? { status: input.status as ItemStatus } : {}),
      ...(input.note !== undefined ? { note: input.note } : {}),
      ...(input.detail !== undefined ? { detail: input.detail } : {}),
      checked: true, updated_by: actor.username, updated_at: now,
    }).where('inspection_id', '=', id).where('code', '=', code).execute();
    await trx.updateTable('health_inspections').set({ updated_at: now }).where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'inspection.item_update', targetType: 'inspection', targetId: String(id), detail: { code, from: item.status, to: input.status ?? item.status, note: input.note ?? null } });
  });
  return getInspection(root, id);
}

/**
 * One click from a failed (or warned) item to the incident ledger: an incident with detection
 * source `inspection`, severity 3 unless given, linked back on the item. A second click answers
 * 409 with the incident already opened.
 */
export async function incidentFromItem(root: AppContext, actor: Actor, id: number, code: string, input: { severity?: number }): Promise<{ incidentId: number; incidentCode: string }> {
  const ctx = healthContext(root);
  const item = await ctx.db.selectFrom('health_inspection_items').selectAll().where('inspection_id', '=', id).where('code', '=', code).executeTakeFirst();
  if (!item) throw notFound(`巡检项 ${code} / inspection item ${code}`);
  if (item.incident_code) throw conflict('INCIDENT_EXISTS', `已登记事件 ${item.incident_code} / incident ${item.incident_code} already opened`);
  if (item.status === 'ok') throw conflict('ITEM_OK', '该项结果正常，无需登记事件 / the item is ok');
  const incident = await createIncident(contextOf(ctx), actor, {
    title: `巡检发现：${item.name}`.slice(0, 200),
    description: `巡检 #${id}：${item.detail}${item.measured ? `（测量值 ${item.measured}，阈值 ${item.threshold ?? '—'}）` : ''}${item.note ? `\n备注：${item.note}` : ''}`,
    severity: input.severity ?? 3,
    detectionSource: 'inspection',
    reporter: actor.username,
  });
  await ctx.db.updateTable('health_inspection_items').set({ incident_code: incident.code }).where('inspection_id', '=', id).where('code', '=', code).execute();
  return { incidentId: incident.id, incidentCode: incident.code };
}
