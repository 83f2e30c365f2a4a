import { setImmediate as yieldToLoop } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { HttpError, MAX_EVENTS_PER_REQUEST, ZhiboClient, type RegistrySummary } from './client.js';
import type { EventType, IngestEvent, IngestResponse } from './events.js';
import { applyFaults, Batcher, emptyFaultStats, FAULT_PRESETS, type Batch, type Delivery, type FaultConfig, type FaultPreset, type FaultStats } from './faults.js';
import { emptyGeneratorStats, generateEvents, type GeneratorStats, type ParkedCar } from './generator.js';
import { buildLotSet, scaleLotSet, type LotSet } from './lot-set.js';
import { DEMO_SNAPSHOT_COLOURS, snapshotPng } from './snapshot-image.js';
import { DAY, isoShanghai, localMidnight, MINUTE, SECOND } from './time.js';

/*
 * Runs the city simulation against a server over HTTP.
 *
 * backfill DAYS: simulates [now − DAYS, now) as fast as the server takes it, in signed batches of
 *   up to 1000 events per source, a few sources in flight at a time.
 * live: a simulated clock that never runs ahead of the real one (the server refuses events more
 *   than 5 minutes in the future). With speed 1 it starts now and follows real time. With a speed
 *   X > 1 it starts at today's local midnight (Asia/Shanghai) and runs X times faster than real
 *   time until it has caught up with the real clock, then follows real time: so `--speed 60`
 *   at 15:00 fills in today's 15 hours in 15 minutes and then carries on live. The simulated
 *   instant is min(real now, start + X · elapsed); events are sent once it has passed them.
 *   --duration stops after that many real minutes; events held back by injected faults and not
 *   due by then are not sent.
 */

export interface SimulationOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  username?: string;
  password?: string;
  /** A bearer token instead of username and password. */
  token?: string;
  /** Number of lots; default 50. */
  lots?: number;
  /** Default 2026. */
  seed?: number;
  /** Lot capacities × this (scaleLotSet); default 1. The demo's city is scaled. */
  scale?: number;
  /** Live mode: start with these cars parked (from a history) instead of a warm-up. */
  parked?: readonly ParkedCar[];
  /** Called with the simulated instant and what was sent, as the progress bar is. */
  onProgress?: (simAt: number, sent: SendStats) => void;
  faults?: FaultPreset | FaultConfig;
  /** Backfill mode: simulate the last N days (fractions allowed). */
  backfillDays?: number;
  /** Live mode speed; default 60. */
  speed?: number;
  /** Stop after this many real minutes. */
  durationMinutes?: number;
  /** Sources sending at the same time; default 4. */
  concurrency?: number;
  /** Events per request, ≤ 1000; default 1000. */
  batchSize?: number;
  /** Known signing secrets by source code; sources not listed get a new secret (rotated). */
  secrets?: Record<string, string>;
  /** Live mode: where the simulated clock starts (epoch ms) instead of the rule above. */
  liveStartAt?: number;
  /** Draw a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * Where batches go instead of the signed HTTP API: the batch path in-process (the backfill of
   * `zhibo simulate --direct`). `handedOverAt[i]` is when event i left its lot
   * system (simulated ms): the batch groups events for speed, each keeps its own receipt time.
   */
  deliver?: (sourceCode: string, events: IngestEvent[], handedOverAt: number[]) => Promise<IngestResponse>;
  /**
   * Share (0–1) of entries and exits that carry a snapshot (photoUrl): a few small PNGs drawn in
   * code are uploaded through the signed photo upload first (docs/接入规范.md §6.7). Default 0;
   * the demo sends some so that its records show photos. Not with `deliver`.
   */
  photoShare?: number;
  /** Live mode's wait between ticks; tests pass one that moves a fake clock. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SendStats {
  requests: number;
  resentBatches: number;
  /** Events sent, resends included. */
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  failedBatches: number;
  failedEvents: number;
  retries: number;
  byType: Partial<Record<EventType, number>>;
  rejectCodes: Record<string, number>;
  lastError: string | null;
}

export interface SimulationReport {
  mode: 'backfill' | 'live';
  seed: number;
  lots: number;
  sources: number;
  speed: number | null;
  /** Simulated window covered, ISO +08:00. */
  from: string;
  to: string;
  registry: RegistrySummary;
  generated: GeneratorStats;
  faults: FaultStats;
  sent: SendStats;
  elapsedMs: number;
  aborted: boolean;
  error: string | null;
}

const emptySendStats = (): SendStats => ({
  requests: 0, resentBatches: 0, events: 0, accepted: 0, duplicates: 0, rejected: 0, failedBatches: 0, failedEvents: 0, retries: 0, byType: {}, rejectCodes: {}, lastError: null,
});

/**
 * Errors that will not go away by sending more: stop the run. (401: wrong secret or the clocks
 * differ by more than 300 s; 404: no ingest endpoint.) A 403 — one source switched off — only
 * fails that source's batches.
 */
const FATAL_STATUSES = new Set([401, 404]);
const MAX_CONSECUTIVE_FAILURES = 5;

/** Sends batches: one request at a time per source (keeping each source's order), `concurrency` sources at once. */
export class Sender {
  private readonly queues = new Map<string, Batch[]>();
  private readonly busy = new Set<string>();
  private pending = 0;
  private inFlight = 0;
  private consecutiveFailures = 0;
  private waiters: (() => void)[] = [];
  fatal: Error | null = null;

  constructor(
    private readonly post: (sourceCode: string, batch: Batch) => Promise<IngestResponse>,
    private readonly concurrency: number,
    readonly stats: SendStats = emptySendStats(),
  ) {}

  enqueue(batch: Batch): void {
    if (this.fatal) return;
    const q = this.queues.get(batch.sourceCode) ?? [];
    q.push(batch);
    this.queues.set(batch.sourceCode, q);
    this.pending++;
    this.pump();
  }

  /** Resolves once no more than `max` batches are queued or in flight (backpressure for the producer). */
  async waitBelow(max: number): Promise<void> {
    while (this.pending > max && !this.fatal) await new Promise<void>((r) => this.waiters.push(r));
  }

  idle(): Promise<void> {
    return this.waitBelow(0);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private pump(): void {
    for (const source of [...this.queues.keys()]) {
      if (this.inFlight >= this.concurrency) return;
      const q = this.queues.get(source)!;
      if (q.length === 0 || this.busy.has(source)) continue;
      // To the back of the line, so that every source gets its turn.
      this.queues.delete(source);
      this.queues.set(source, q);
      const batch = q.shift()!;
      this.busy.add(source);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.busy.delete(source);
        this.inFlight--;
        this.pending--;
        this.pump();
        this.wake();
      });
    }
  }

  private async send(batch: Batch): Promise<void> {
    const s = this.stats;
    s.requests++;
    if (batch.resend) s.resentBatches++;
    s.events += batch.events.length;
    for (const e of batch.events) s.byType[e.type] = (s.byType[e.type] ?? 0) + 1;
    try {
      const reply = await this.post(batch.sourceCode, batch);
      this.consecutiveFailures = 0;
      s.accepted += reply.accepted;
      s.duplicates += reply.duplicates;
      s.rejected += reply.rejected;
      for (const r of reply.results) if (r.status === 'rejected') s.rejectCodes[r.code ?? 'UNKNOWN'] = (s.rejectCodes[r.code ?? 'UNKNOWN'] ?? 0) + 1;
    } catch (err) {
      s.failedBatches++;
      s.failedEvents += batch.events.length;
      s.lastError = (err as Error).message;
      this.consecutiveFailures++;
      if ((err instanceof HttpError && FATAL_STATUSES.has(err.status)) || this.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
        this.fatal ??= err as Error;
        // Nothing more will be sent: drop what is queued so that waiters return.
        for (const q of this.queues.values()) {
          this.pending -= q.length;
          q.length = 0;
        }
        this.wake();
      }
    }
  }
}

interface Progress {
  update(simAt: number, s: SendStats): void;
  stop(): void;
}

function makeProgress(opts: SimulationOptions, from: number, to: number, startedAt: number, now: () => number, log: (l: string) => void): Progress {
  const bounded = Number.isFinite(to);
  const totalMin = bounded ? Math.max(1, Math.round((to - from) / MINUTE)) : 1;
  const payload = (simAt: number, s: SendStats) => ({
    sim: isoShanghai(simAt).slice(0, 16).replace('T', ' '),
    sent: s.events,
    accepted: s.accepted,
    duplicates: s.duplicates,
    rejected: s.rejected,
    failed: s.failedEvents,
    rate: Math.round(s.events / Math.max(1, (now() - startedAt) / 1000)),
  });
  if (opts.progress && process.stderr.isTTY) {
    const format = `${bounded ? '模拟 {bar} {percentage}% | ' : '模拟 / live | '}{sim} | 发送 sent {sent} · 接收 accepted {accepted} · 重复 dup {duplicates} · 拒绝 rejected {rejected}{failedText} | {rate} ev/s`;
    const bar = new cliProgress.SingleBar({ format, hideCursor: true, barsize: 24, fps: 5, stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(totalMin, 0, { ...payload(from, emptySendStats()), failedText: '' });
    return {
      update: (simAt, s) => {
        const p = payload(simAt, s);
        bar.update(bounded ? Math.min(totalMin, Math.round((simAt - from) / MINUTE)) : 0, { ...p, failedText: p.failed ? ` · 失败 failed ${p.failed}` : '' });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (simAt, s) => {
      if (now() - last < 15_000) return;
      last = now();
      const p = payload(simAt, s);
      log(`[simulate] ${p.sim} sent ${p.sent} accepted ${p.accepted} duplicates ${p.duplicates} rejected ${p.rejected}${p.failed ? ` failed ${p.failed}` : ''} (${p.rate} ev/s)`);
    },
    stop: () => undefined,
  };
}

function faultConfig(f: SimulationOptions['faults']): FaultConfig {
  if (f === undefined) return FAULT_PRESETS.default;
  if (typeof f === 'string') {
    const preset = FAULT_PRESETS[f];
    if (!preset) throw new Error(`unknown fault preset ${f} (default | none | heavy)`);
    return preset;
  }
  return f;
}

/** Runs a simulation to its end (or until aborted) and reports what happened. */
export async function runSimulation(opts: SimulationOptions): Promise<SimulationReport> {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((line: string) => console.error(line));
  const seed = opts.seed ?? 2026;
  const lotCount = opts.lots ?? 50;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const batchSize = Math.min(MAX_EVENTS_PER_REQUEST, Math.max(1, opts.batchSize ?? MAX_EVENTS_PER_REQUEST));
  const faults = faultConfig(opts.faults);
  const backfill = opts.backfillDays !== undefined;
  const speed = backfill ? null : Math.max(1, opts.speed ?? 60);
  if (backfill && !(opts.backfillDays! > 0)) throw new Error('backfill days must be > 0');
  const startedAt = now();

  const client = new ZhiboClient({
    baseUrl: opts.url,
    now: () => new Date(now()),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRetry: (r) => {
      if (r.attempt >= 3) log(`[simulate] retry ${r.attempt} of ${r.method} ${r.path} in ${r.delayMs} ms: ${r.reason}`);
    },
  });
  if (opts.token) client.setToken(opts.token);
  else {
    if (!opts.password) throw new Error('a password is needed (--password or ZHIBO_ADMIN_PASSWORD)');
    await client.login(opts.username ?? 'admin', opts.password);
  }

  const set = scaleLotSet(buildLotSet(seed, lotCount), opts.scale ?? 1);
  const { secrets, summary } = await client.ensureRegistry(set, opts.secrets ?? {});
  log(
    `[simulate] ${set.lots.length} lots in ${set.sources.length} sources — operators created ${summary.operatorsCreated}, sources created ${summary.sourcesCreated}, secrets rotated ${summary.sourcesRotated}; ` +
      `lots created ${summary.lotsCreated}, updated ${summary.lotsUpdated}, unchanged ${summary.lotsUnchanged}; berths created ${summary.berthsCreated}`,
  );
  if (summary.disabledSources.length) log(`[simulate] warning: source(s) ${summary.disabledSources.join(', ')} are disabled on the server; their events will be refused`);

  const generated = emptyGeneratorStats();
  const faultStats = emptyFaultStats();
  const deliver = opts.deliver;
  const photoRefs = deliver ? [] : await uploadSnapshots(client, set, secrets, opts.photoShare ?? 0, log);
  const sender = new Sender(
    deliver
      ? (source, batch) => deliver(source, batch.events, batch.handedOverAt)
      : (source, batch) => client.postEvents(source, secrets.get(source)!, withSnapshots(batch.events, photoRefs, opts.photoShare ?? 0)),
    concurrency,
  );
  const batcher = new Batcher({ maxEvents: batchSize, maxWaitMs: Infinity, duplicateBatchRate: faults.duplicateBatchRate, seed }, faultStats);
  const maxQueued = concurrency * 4;
  const aborted = () => opts.signal?.aborted === true;
  const realEnd = opts.durationMinutes !== undefined ? startedAt + opts.durationMinutes * MINUTE : Infinity;

  const t0 = Math.floor(now() / SECOND) * SECOND;
  let from: number;
  let to: number;
  let simAt = (real: number) => real;
  if (backfill) {
    to = t0;
    from = to - Math.round(opts.backfillDays! * DAY);
  } else {
    from = opts.liveStartAt ?? (speed! > 1 ? localMidnight(t0) : t0);
    simAt = (real) => Math.min(real, from + speed! * (real - t0));
    to = Number.isFinite(realEnd) ? simAt(realEnd) : Infinity;
  }
  const mode = backfill ? 'backfill' : 'live';
  log(`[simulate] ${mode}${speed ? ` ×${speed}` : ''}: ${isoShanghai(from)} → ${Number.isFinite(to) ? isoShanghai(to) : '(until stopped)'}, faults ${typeof opts.faults === 'string' ? opts.faults : 'custom'}, seed ${seed}`);

  const deliveries = applyFaults(generateEvents(set, { from, to, seed, ...(opts.parked && !backfill ? { parked: opts.parked } : {}) }, generated), faults, seed, faultStats)[Symbol.iterator]();
  const bar = makeProgress(opts, from, to, startedAt, now, log);
  const progress: Progress = {
    update: (simAt, s) => {
      bar.update(simAt, s);
      opts.onProgress?.(simAt, s);
    },
    stop: () => bar.stop(),
  };
  let simNow = from;
  let next: IteratorResult<Delivery> = deliveries.next();
  let pulled = 0;
  const take = async (d: Delivery) => {
    for (const b of batcher.push(d)) sender.enqueue(b);
    if (++pulled % 2000 === 0) {
      progress.update(simNow, sender.stats);
      await sender.waitBelow(maxQueued);
      await yieldToLoop();
    }
  };

  try {
    if (backfill) {
      while (!next.done && !aborted() && !sender.fatal && now() < realEnd) {
        // Progress follows delivery time (held-back events go out late), capped at the window's end.
        simNow = Math.max(simNow, Math.min(next.value.availableAt, to));
        await take(next.value);
        next = deliveries.next();
      }
      if (!aborted() && !sender.fatal) for (const b of batcher.drain(simNow)) sender.enqueue(b);
      if (next.done) simNow = to;
    } else {
      for (;;) {
        const real = now();
        simNow = simAt(real);
        while (!next.done && next.value.availableAt <= simNow && !aborted() && !sender.fatal) {
          await take(next.value);
          next = deliveries.next();
        }
        // A partial batch goes out after about 2 s of real time: 2 s × speed while catching up.
        const catchingUp = simNow < real - SECOND;
        for (const b of batcher.due(simNow, catchingUp ? Math.max(5 * SECOND, 2 * SECOND * speed!) : 5 * SECOND)) sender.enqueue(b);
        progress.update(simNow, sender.stats);
        if (next.done) simNow = Math.max(simNow, to);
        if (next.done || aborted() || sender.fatal || real >= realEnd) break;
        await (opts.sleep ? opts.sleep(Math.min(SECOND, realEnd - real)) : sleep(Math.min(SECOND, realEnd - real), opts.signal));
      }
      if (!sender.fatal) for (const b of batcher.due(simNow, 0)) sender.enqueue(b);
    }
    await sender.idle();
  } finally {
    progress.update(simNow, sender.stats);
    progress.stop();
  }
  sender.stats.retries = client.retries;
  return {
    mode,
    seed,
    lots: set.lots.length,
    sources: set.sources.length,
    speed,
    from: isoShanghai(from),
    to: isoShanghai(Math.max(from, Math.min(simNow, Number.isFinite(to) ? to : simNow))),
    registry: summary,
    generated,
    faults: faultStats,
    sent: sender.stats,
    elapsedMs: now() - startedAt,
    aborted: aborted(),
    error: sender.fatal ? sender.fatal.message : null,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The report as lines for people. */
export function formatReport(r: SimulationReport): string[] {
  const s = r.sent;
  const types = Object.entries(s.byType).map(([t, n]) => `${t} ${n}`).join(', ');
  const codes = Object.entries(s.rejectCodes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  const f = r.faults;
  const lines = [
    `模拟结束 / simulation ${r.aborted ? 'stopped' : 'finished'}: ${r.mode}${r.speed ? ` ×${r.speed}` : ''}, seed ${r.seed}, ${r.lots} lots, ${r.sources} sources`,
    `  模拟时段 / simulated   ${r.from} → ${r.to}`,
    `  车辆 / cars            arrivals ${r.generated.arrivals}, turned away (full) ${r.generated.turnedAway}`,
    `  事件 / events          generated: entry ${r.generated.entries}, exit ${r.generated.exits}, status ${r.generated.statuses}, heartbeat ${r.generated.heartbeats}, payment ${r.generated.payments}`,
    `  发送 / sent            ${s.events} events in ${s.requests} requests (${s.resentBatches} resent batches)${types ? `: ${types}` : ''}`,
    `  结果 / results         accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${s.rejected}${codes ? ` (${codes})` : ''}`,
    `  故障 / faults          duplicate batches ${f.duplicateBatches}, late episodes ${f.lateEpisodes} (${f.late} events), silent sources ${f.silentEpisodes} (${f.silencedHeartbeats} heartbeats lost, ${f.silentHeld} held), out-of-order entries ${f.outOfOrder}, entries never sent ${f.orphanExits}, invalid ${f.invalid}`,
    `  传输 / transport       retries ${s.retries}, failed batches ${s.failedBatches} (${s.failedEvents} events)${s.lastError ? `; last error: ${s.lastError}` : ''}`,
    `  用时 / elapsed         ${(r.elapsedMs / 1000).toFixed(1)} s (${Math.round(s.events / Math.max(0.001, r.elapsedMs / 1000))} events/s)`,
  ];
  if (r.error) lines.push(`  错误 / error           ${r.error}`);
  return lines;
}

/** Uploads the demo's snapshot images once (under the first source's signature); their references, or none when photos are off or the upload failed. */
async function uploadSnapshots(client: ZhiboClient, set: LotSet, secrets: Map<string, string>, share: number, log: (line: string) => void): Promise<string[]> {
  const source = set.sources.find((s) => secrets.has(s.code));
  if (share <= 0 || !source) return [];
  try {
    const refs: string[] = [];
    for (const colour of DEMO_SNAPSHOT_COLOURS) refs.push(await client.uploadPhoto(source.code, secrets.get(source.code)!, snapshotPng(colour)));
    log(`[simulate] ${refs.length} snapshot images uploaded; about ${Math.round(share * 100)} % of entries and exits carry one`);
    return refs;
  } catch (err) {
    log(`[simulate] warning: snapshot upload failed, events go without photos: ${(err as Error).message}`);
    return [];
  }
}

/** Entries and exits carry a snapshot by their event id's hash (the same event always the same photo, resends included). */
export function withSnapshots(events: IngestEvent[], refs: readonly string[], share: number): IngestEvent[] {
  if (refs.length === 0 || share <= 0) return events;
  return events.map((e) => {
    if (e.type !== 'entry' && e.type !== 'exit') return e;
    let h = 0x811c9dc5;
    for (let i = 0; i < e.eventId.length; i++) h = Math.imul(h ^ e.eventId.charCodeAt(i), 0x01000193) >>> 0;
    return h % 10_000 < share * 10_000 ? { ...e, photoUrl: refs[h % refs.length]! } : e;
  });
}
