import type { Selectable } from 'kysely';
import type { TSchema } from 'typebox';
import { Errors } from 'typebox/value';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { checkOutboundUrl, outboundAllow } from '../../platform/outbound.js';
import { sourceInfo } from '../registry/index.js';
import { DatabaseConfigSchema, DatabaseSecretsSchema, openDatabaseAdapter, type DatabaseConfig } from './adapters/database.js';
import { FileConfigSchema, openFileAdapter, type FileConfig } from './adapters/file.js';
import { HttpConfigSchema, HttpSecretsSchema, openHttpAdapter, type HttpConfig } from './adapters/http.js';
import type { Adapter } from './adapters/types.js';
import { checkMapping, MappingSchema, type Mapping } from './mapping.js';
import { lagSeconds } from './plan.js';
import type { ConnectorsContext } from './repo.js';
import type { ConnectorHealthTable, ConnectorsTable, Cursor } from './tables.js';
import { CONNECTOR_KINDS, type ConnectorKind } from './vocab.js';

/*
 * Connectors (数据对接, docs/数据对接.md): create, edit, enable, list with health. Secrets
 * (database passwords, header tokens, HMAC keys) are sealed with the platform key like the data
 * sources' signing secrets (ctx.secrets); no answer, audit row or log line carries them — a view
 * says only which secrets are set.
 */

export interface ConnectorInput {
  code: string;
  name: string;
  kind: ConnectorKind;
  sourceCode: string;
  config: Record<string, unknown>;
  /** Replaces the named secrets; an empty string removes one; absent ones are kept. */
  secrets?: Record<string, string>;
  mapping: Mapping;
  intervalSeconds?: number;
  enabled?: boolean;
}

export type ConnectorPatch = Partial<Omit<ConnectorInput, 'code' | 'kind'>>;

export interface ConnectorHealthView {
  lastPullAt: string | null;
  lastSuccessAt: string | null;
  lastRecordAt: string | null;
  lagSeconds: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consecutiveErrors: number;
  nextPullAt: string | null;
  recordsTotal: number;
  rejectedTotal: number;
  recordsLastHour: number;
  errorsLastHour: number;
}

export interface ConnectorView {
  code: string;
  name: string;
  kind: ConnectorKind;
  sourceCode: string;
  config: Record<string, unknown>;
  secretsSet: string[];
  mapping: Mapping;
  enabled: boolean;
  intervalSeconds: number;
  cursor: Cursor | null;
  health: ConnectorHealthView;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

const CONFIG_SCHEMAS: Record<ConnectorKind, TSchema> = { http: HttpConfigSchema, database: DatabaseConfigSchema, file: FileConfigSchema };
const SECRET_SCHEMAS: Record<ConnectorKind, TSchema | null> = { http: HttpSecretsSchema, database: DatabaseSecretsSchema, file: null };

function schemaProblems(schema: TSchema, value: unknown, at: string): { at: string; message: string }[] {
  return [...Errors(schema, value)].filter((e) => e.keyword !== 'boolean').map((e) => ({ at: `${at}${e.instancePath.replaceAll('/', '.')}`, message: e.message }));
}

/** Every check a connector must pass to be saved; 400 with the list when any fails. */
async function validate(ctx: ConnectorsContext, kind: ConnectorKind, config: Record<string, unknown>, secrets: Record<string, string>, mapping: Mapping): Promise<void> {
  const problems = [...schemaProblems(CONFIG_SCHEMAS[kind], config, 'config')];
  const secretSchema = SECRET_SCHEMAS[kind];
  if (secretSchema) problems.push(...schemaProblems(secretSchema, secrets, 'secrets'));
  else if (Object.keys(secrets).length) problems.push({ at: 'secrets', message: '文件投递没有密钥 / a file drop has no secrets' });
  problems.push(...schemaProblems(MappingSchema, mapping, 'mapping'));
  if (problems.length === 0) problems.push(...checkMapping(mapping).map((p) => ({ at: `mapping.${p.at}`, message: p.message })));
  if (problems.length === 0) {
    if (kind === 'http') {
      const c = config as HttpConfig;
      if (c.auth === 'header' && (!c.headerName || !secrets.headerValue)) problems.push({ at: 'secrets.headerValue', message: 'auth=header 须给出 headerName 与 secrets.headerValue / header auth needs both' });
      if (c.auth === 'hmac' && !secrets.hmacKey) problems.push({ at: 'secrets.hmacKey', message: 'auth=hmac 须给出 secrets.hmacKey / hmac auth needs a key' });
    }
    if (kind === 'database' && (config as DatabaseConfig).cursorMode === 'time' && !(config as DatabaseConfig).timeColumn) problems.push({ at: 'config.timeColumn', message: '按时间读取须给出 timeColumn / time mode needs timeColumn' });
  }
  if (problems.length) throw badRequest('CONNECTOR_INVALID', `连接器配置有误 / the connector is not valid: ${problems.map((p) => `${p.at}: ${p.message}`).join('; ')}`, problems);
  // A configured address goes through the outbound guard (docs/architecture.md, "Outbound requests").
  if (kind === 'http') await checkOutboundUrl((config as HttpConfig).url, outboundAllow(ctx.config.outboundAllow));
}

function openSecrets(ctx: ConnectorsContext, sealed: string | null): Record<string, string> {
  return sealed ? (JSON.parse(ctx.secrets.open(sealed)) as Record<string, string>) : {};
}

function mergeSecrets(kept: Record<string, string>, given: Record<string, string> | undefined): Record<string, string> {
  const out = { ...kept };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

type Row = Selectable<ConnectorsTable>;
type HealthRow = Selectable<ConnectorHealthTable>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function healthView(h: HealthRow | undefined, hour: { records: number; errors: number } | undefined, now: Date): ConnectorHealthView {
  return {
    lastPullAt: iso(h?.last_pull_at ?? null),
    lastSuccessAt: iso(h?.last_success_at ?? null),
    lastRecordAt: iso(h?.last_record_at ?? null),
    lagSeconds: lagSeconds(now, h?.last_record_at ?? null),
    lastError: h?.last_error ?? null,
    lastErrorAt: iso(h?.last_error_at ?? null),
    consecutiveErrors: h?.consecutive_errors ?? 0,
    nextPullAt: iso(h?.next_pull_at ?? null),
    recordsTotal: Number(h?.records_total ?? 0),
    rejectedTotal: Number(h?.rejected_total ?? 0),
    recordsLastHour: hour?.records ?? 0,
    errorsLastHour: hour?.errors ?? 0,
  };
}

async function views(ctx: ConnectorsContext, rows: Row[]): Promise<ConnectorView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const now = ctx.clock.now();
  const health = await ctx.db.selectFrom('connector_health').selectAll().where('connector_id', 'in', ids).execute();
  const hour = await ctx.db
    .selectFrom('connector_hourly')
    .select((eb) => ['connector_id', eb.fn.sum<number>('records').as('records'), eb.fn.sum<number>('errors').as('errors')])
    .where('connector_id', 'in', ids)
    .where('hour', '>=', new Date(now.getTime() - 3600_000))
    .groupBy('connector_id')
    .execute();
  return rows.map((r) => {
    const h = hour.find((x) => x.connector_id === r.id);
    return {
      code: r.code,
      name: r.name,
      kind: r.kind,
      sourceCode: r.source_code,
      config: r.config,
      secretsSet: Object.keys(openSecrets(ctx, r.secrets_sealed)).sort(),
      mapping: r.mapping as Mapping,
      enabled: r.enabled,
      intervalSeconds: r.interval_seconds,
      cursor: r.cursor,
      health: healthView(health.find((x) => x.connector_id === r.id), h ? { records: Number(h.records), errors: Number(h.errors) } : undefined, now),
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      updatedBy: r.updated_by,
    };
  });
}

export async function listConnectors(ctx: ConnectorsContext): Promise<ConnectorView[]> {
  return views(ctx, await ctx.db.selectFrom('connectors').selectAll().orderBy('code').execute());
}

export async function connectorRow(ctx: ConnectorsContext, code: string): Promise<Row> {
  const row = await ctx.db.selectFrom('connectors').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) throw notFound(`连接器 ${code} / connector ${code}`);
  return row;
}

export async function getConnector(ctx: ConnectorsContext, code: string): Promise<ConnectorView> {
  return (await views(ctx, [await connectorRow(ctx, code)]))[0]!;
}

async function assertSource(ctx: ConnectorsContext, code: string): Promise<void> {
  if (!(await sourceInfo(ctx, code))) throw badRequest('UNKNOWN_SOURCE', `数据源 ${code} 不存在 / unknown data source`, [{ at: 'sourceCode' }]);
}

/** What an audit row says of a connector: never its secrets, only their names. */
const auditDetail = (v: { name: string; kind: string; sourceCode: string; config: Record<string, unknown>; enabled: boolean; intervalSeconds: number }, secretNames: string[]) =>
  ({ name: v.name, kind: v.kind, sourceCode: v.sourceCode, config: v.config, enabled: v.enabled, intervalSeconds: v.intervalSeconds, secretsSet: secretNames });

export async function createConnector(ctx: ConnectorsContext, actor: Actor, input: ConnectorInput): Promise<ConnectorView> {
  if (!(CONNECTOR_KINDS as readonly string[]).includes(input.kind)) throw badRequest('CONNECTOR_INVALID', `kind 应为 ${CONNECTOR_KINDS.join('|')}`);
  const secrets = mergeSecrets({}, input.secrets);
  await validate(ctx, input.kind, input.config, secrets, input.mapping);
  await assertSource(ctx, input.sourceCode);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('connectors').select('id').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw conflict('CONNECTOR_EXISTS', `连接器 ${input.code} 已存在 / connector exists`);
    const row = await trx.insertInto('connectors').values({
      code: input.code, name: input.name, kind: input.kind, source_code: input.sourceCode, config: JSON.stringify(input.config),
      secrets_sealed: Object.keys(secrets).length ? ctx.secrets.seal(JSON.stringify(secrets)) : null, mapping: JSON.stringify(input.mapping),
      enabled: input.enabled ?? false, interval_seconds: input.intervalSeconds ?? 60, cursor: null, created_at: now, updated_at: now, updated_by: actor.username,
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('connector_health').values({ connector_id: row.id, last_pull_at: null, last_success_at: null, last_record_at: null, last_error: null, last_error_at: null, next_pull_at: null }).execute();
    await audit(ctx, trx, actor, {
      action: 'connector.create', targetType: 'connector', targetId: input.code,
      detail: auditDetail({ ...input, enabled: input.enabled ?? false, intervalSeconds: input.intervalSeconds ?? 60 }, Object.keys(secrets).sort()),
    });
  });
  return getConnector(ctx, input.code);
}

export async function updateConnector(ctx: ConnectorsContext, actor: Actor, code: string, patch: ConnectorPatch): Promise<ConnectorView> {
  const row = await connectorRow(ctx, code);
  const secrets = mergeSecrets(openSecrets(ctx, row.secrets_sealed), patch.secrets);
  const config = patch.config ?? row.config;
  const mapping = patch.mapping ?? (row.mapping as Mapping);
  await validate(ctx, row.kind, config, secrets, mapping);
  if (patch.sourceCode !== undefined) await assertSource(ctx, patch.sourceCode);
  const next = {
    name: patch.name ?? row.name, kind: row.kind, sourceCode: patch.sourceCode ?? row.source_code, config,
    enabled: patch.enabled ?? row.enabled, intervalSeconds: patch.intervalSeconds ?? row.interval_seconds,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('connectors').set({
      name: next.name, source_code: next.sourceCode, config: JSON.stringify(config), mapping: JSON.stringify(mapping),
      secrets_sealed: Object.keys(secrets).length ? ctx.secrets.seal(JSON.stringify(secrets)) : null,
      enabled: next.enabled, interval_seconds: next.intervalSeconds, updated_at: ctx.clock.now(), updated_by: actor.username,
    }).where('id', '=', row.id).execute();
    // Enabling or editing makes it due now, without the wait of earlier failures.
    await trx.updateTable('connector_health').set({ next_pull_at: null, consecutive_errors: 0 }).where('connector_id', '=', row.id).execute();
    await audit(ctx, trx, actor, {
      action: 'connector.update', targetType: 'connector', targetId: code,
      detail: { after: auditDetail(next, Object.keys(secrets).sort()), mappingChanged: patch.mapping !== undefined, secretsChanged: Object.keys(patch.secrets ?? {}).sort() },
    });
  });
  return getConnector(ctx, code);
}

/** A connector with its secrets opened: for the runner only. */
export interface OpenConnector {
  id: number;
  code: string;
  kind: ConnectorKind;
  sourceCode: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  mapping: Mapping;
  enabled: boolean;
  intervalSeconds: number;
  cursor: Cursor | null;
}

export async function openConnector(ctx: ConnectorsContext, code: string): Promise<OpenConnector> {
  const r = await connectorRow(ctx, code);
  return {
    id: r.id, code: r.code, kind: r.kind, sourceCode: r.source_code, config: r.config, secrets: openSecrets(ctx, r.secrets_sealed),
    mapping: r.mapping as Mapping, enabled: r.enabled, intervalSeconds: r.interval_seconds, cursor: r.cursor,
  };
}

/** The adapter of a connector (its config as saved, or as being tried in a dry run). */
export function openAdapter(ctx: ConnectorsContext, kind: ConnectorKind, config: Record<string, unknown>, secrets: Record<string, string>, preview = false): Promise<Adapter> {
  switch (kind) {
    case 'database':
      return openDatabaseAdapter(config as DatabaseConfig, secrets);
    case 'http':
      return Promise.resolve(openHttpAdapter(config as HttpConfig, secrets, { allow: ctx.config.outboundAllow, now: () => ctx.clock.now() }));
    case 'file':
      return Promise.resolve(openFileAdapter(config as FileConfig, ctx.config.connectorDropDir, preview));
  }
}

/** The page size a connector reads (its config's, default 200). */
export const pageSizeOf = (config: Record<string, unknown>) => (typeof config.pageSize === 'number' ? config.pageSize : 200);
