import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../../platform/context.js';
import { scheduledJobs } from '../../platform/jobs.js';
import { OPEN_STATES } from '../tickets/index.js';
import { healthContext } from './repo.js';

/*
 * GET /metrics (docs/巡检与报告.md §2): Prometheus text through prom-client (decision 0017). One
 * registry per app (tests build several in one process). Counted as it happens: HTTP requests by
 * route pattern and status with a latency histogram, ingest events by result. Read on each scrape
 * with cheap queries: every job's last run / success / duration / failures (health_job_state, and
 * each job scheduled on this node even before its first run), the notification outbox, the
 * database's size and pool, open monitoring alerts, platform alerts, incidents, tickets and the
 * open quarantine.
 */

export interface HealthMetrics {
  registry: Registry;
  /** The fastify onResponse hook: one count and one latency sample per answered request. */
  onResponse(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Ingest results of one signed push (the ingest route's answer). */
  countIngest(result: { accepted: number; duplicates: number; rejected: number }): void;
  /** Refreshes the scrape-time gauges and renders the text. */
  render(ctx: AppContext): Promise<string>;
  /** Requests answered and 5xx among them since this app started (the inspection's error rate). */
  counts(): Promise<{ requests: number; serverErrors: number }>;
  /**
   * Records a reading of counts() taken at `at` (ms) and returns the readings of the last `keepMs`
   * plus the one just before them, oldest first — the health.watch job's 5xx-rate window.
   */
  sampleHttp(at: number, keepMs: number): Promise<{ at: number; requests: number; serverErrors: number }[]>;
}

let latest: HealthMetrics | null = null;

/**
 * The metrics of the app this process built last — the one `zhibo serve` listens with — for the
 * scheduled inspection, which runs outside any request. Null before an app is built.
 */
export function latestMetrics(): HealthMetrics | null {
  return latest;
}

const seconds = (d: Date | null) => (d ? d.getTime() / 1000 : 0);

export function createHealthMetrics(): HealthMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zhibo_process_' });
  const reg = [registry];
  const requests_ = new Counter({ name: 'zhibo_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: reg });
  const latency = new Histogram({
    name: 'zhibo_http_request_duration_seconds', help: 'HTTP request latency by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: reg,
  });
  const ingest = new Counter({ name: 'zhibo_ingest_events_total', help: 'Events pushed through POST /api/v1/ingest/events, by result', labelNames: ['result'], registers: reg });
  for (const result of ['accepted', 'duplicate', 'rejected']) ingest.inc({ result }, 0);

  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: reg });
  const jobLastRun = g('zhibo_job_last_run_timestamp_seconds', 'Start of the job\'s last run (unix seconds; 0 = never)', ['job']);
  const jobLastSuccess = g('zhibo_job_last_success_timestamp_seconds', 'Start of the job\'s last successful run (unix seconds; 0 = never)', ['job']);
  const jobDuration = g('zhibo_job_last_duration_seconds', 'How long the job\'s last run took', ['job']);
  const jobRuns = g('zhibo_job_runs', 'Runs of the job recorded (all nodes)', ['job']);
  const jobFailures = g('zhibo_job_failures', 'Failed runs of the job recorded (all nodes)', ['job']);
  const jobFailing = g('zhibo_job_consecutive_failures', 'Failed runs of the job since its last success', ['job']);
  const outbox = g('zhibo_notification_outbox', 'Notification deliveries by status (pending = queue depth)', ['status']);
  const dbSize = g('zhibo_database_size_bytes', 'Size of the database (pg_database_size)');
  const pool = g('zhibo_database_pool_connections', 'PostgreSQL pool connections by state (absent for PGlite)', ['state']);
  const open = g('zhibo_open_items', 'Open items: monitoring alerts, platform alerts, incidents, tickets, quarantined batches', ['kind']);

  let samples: { at: number; requests: number; serverErrors: number }[] = [];
  const metrics: HealthMetrics = {
    registry,
    async sampleHttp(at, keepMs) {
      samples.push({ at, ...(await metrics.counts()) });
      const inside = samples.findIndex((x) => x.at >= at - keepMs);
      samples = samples.slice(Math.max(0, inside - 1));
      return [...samples];
    },
    async counts() {
      let requests = 0;
      let serverErrors = 0;
      for (const v of (await requests_.get()).values) {
        requests += v.value;
        if (String(v.labels.status).startsWith('5')) serverErrors += v.value;
      }
      return { requests, serverErrors };
    },
    async onResponse(req, reply) {
      const route = req.routeOptions.url ?? 'unmatched';
      const status = reply.statusCode;
      requests_.inc({ method: req.method, route, status: String(status) });
      latency.observe({ method: req.method, route, status_class: `${Math.floor(status / 100)}xx` }, reply.elapsedTime / 1000);
    },
    countIngest(r) {
      ingest.inc({ result: 'accepted' }, r.accepted);
      ingest.inc({ result: 'duplicate' }, r.duplicates);
      ingest.inc({ result: 'rejected' }, r.rejected);
    },
    async render(root) {
      const ctx = healthContext(root);
      const db = ctx.db;
      const states = await db.selectFrom('health_job_state').selectAll().execute();
      for (const gauge of [jobLastRun, jobLastSuccess, jobDuration, jobRuns, jobFailures, jobFailing]) gauge.reset();
      for (const job of scheduledJobs().keys()) {
        for (const gauge of [jobLastRun, jobLastSuccess, jobDuration, jobRuns, jobFailures, jobFailing]) gauge.set({ job }, 0);
      }
      for (const s of states) {
        jobLastRun.set({ job: s.job }, seconds(s.last_started_at));
        jobLastSuccess.set({ job: s.job }, seconds(s.last_success_at));
        jobDuration.set({ job: s.job }, s.last_duration_ms / 1000);
        jobRuns.set({ job: s.job }, Number(s.runs));
        jobFailures.set({ job: s.job }, Number(s.failures));
        jobFailing.set({ job: s.job }, s.consecutive_failures);
      }
      const deliveries = await db.selectFrom('notification_deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      outbox.reset();
      for (const status of ['pending', 'sent', 'failed', 'cancelled']) outbox.set({ status }, Number(deliveries.find((d) => d.status === status)?.n ?? 0));
      const size = await sql<{ bytes: number | string }>`select pg_database_size(current_database()) as bytes`.execute(db);
      dbSize.set(Number(size.rows[0]?.bytes ?? 0));
      const stats = root.database.poolStats?.();
      pool.reset();
      if (stats) {
        pool.set({ state: 'total' }, stats.total);
        pool.set({ state: 'idle' }, stats.idle);
        pool.set({ state: 'waiting' }, stats.waiting);
      }
      const count = async (q: { executeTakeFirst(): Promise<{ n: number | string } | undefined> }) => Number((await q.executeTakeFirst())?.n ?? 0);
      open.set({ kind: 'monitoring_alerts' }, await count(db.selectFrom('monitoring_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '<>', 'resolved')));
      open.set({ kind: 'platform_alerts' }, await count(db.selectFrom('health_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'open')));
      open.set({ kind: 'incidents' }, await count(db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '<>', 'closed')));
      open.set({ kind: 'tickets' }, await count(db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', 'in', [...OPEN_STATES]).where('merged_into', 'is', null)));
      open.set({ kind: 'quarantine' }, await count(db.selectFrom('ingest_quarantine').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'open')));
      return registry.metrics();
    },
  };
  latest = metrics;
  return metrics;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison of a presented token with the configured scrape token. */
export function scrapeTokenMatches(presented: string, configured: string | null | undefined): boolean {
  if (!configured) return false;
  return timingSafeEqual(digest(presented), digest(configured));
}
