/*
 * The simulator — the module's public entry, for `zhibo simulate`, `zhibo demo`, the tests and
 * the benchmarks. It drives the real signed API; it owns no tables.
 */
export { runSimulation, formatReport, type SimulationOptions, type SimulationReport } from './runner.js';
export { HttpError } from './client.js';
export { FAULT_PRESETS, type FaultPreset } from './faults.js';
export { parseSimTime } from './time.js';
export { receivableFen, tariffFor, type Tariff } from './fees.js';
export { arrivalRate, dayTypeOf, type DayType } from './demand.js';
export { buildLotSet, type SimLot } from './lot-set.js';
