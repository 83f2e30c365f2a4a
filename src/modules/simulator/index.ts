/*
 * The simulator — the module's public entry, for `zhibo simulate`, `zhibo demo`, the tests and
 * the benchmarks. It drives the real signed API; it owns no tables.
 */
export { runSimulation, formatReport, type SimulationOptions, type SimulationReport } from './runner.js';
export { HttpError } from './client.js';
export { applyFaults, FAULT_PRESETS, type FaultPreset } from './faults.js';
export { generateEvents } from './generator.js';
export type { IngestEvent } from './events.js';
export { parseSimTime } from './time.js';
export { receivableFen, tariffFor, type Tariff } from './fees.js';
export { arrivalRate, dayTypeOf, type DayType } from './demand.js';
export { buildLotSet, type SimLot } from './lot-set.js';
export { type SendStats } from './runner.js';
export { ZhiboClient, type RegistrySummary } from './client.js';
export { sampleDwellMinutes } from './demand.js';
export type { ParkedCar } from './generator.js';
export { expectedArrivals, generateHistory, historyHours, kyselyExec, type Exec, type HistoryResult } from './history.js';
export { scaleLotSet, type LotSet } from './lot-set.js';
export { rngFor } from './random.js';
export { isoShanghai, localMidnight } from './time.js';
export { DEMO_SNAPSHOT_COLOURS, snapshotPng } from './snapshot-image.js';
