/*
 * The load generator of `npm run bench:load` (bench/load.ts), in a process of its own: the city
 * simulator (src/modules/simulator) in live mode against the server, its simulated clock started
 * at the peak hour chosen by bench/load.ts and running `speed` times real time, for `minutes`.
 * Arguments: one JSON object on argv[2] ({ url, password, lots, seed, speed, startAt, minutes }).
 * The simulator's log goes to stderr; the last line on stdout is its report as JSON.
 */
import { runSimulation } from '../src/modules/simulator/index.js';

interface Args { url: string; password: string; lots: number; seed: number; speed: number; startAt: number; minutes: number }

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const report = await runSimulation({
  url: args.url,
  username: 'admin',
  password: args.password,
  lots: args.lots,
  seed: args.seed,
  speed: args.speed,
  liveStartAt: args.startAt,
  durationMinutes: args.minutes,
  faults: 'default',
  progress: false,
  log: (line) => console.error(line),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
