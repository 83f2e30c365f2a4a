/*
 * The load generator of npm run bench:ingest, in its own process (docs/performance.md): it signs
 * every batch before the clock starts, then keeps CONCURRENCY requests in flight against the
 * server and reports the elapsed time. Apart from the server so that building, signing and
 * sending bodies do not share the server's event loop (they still share the machine's cores).
 *
 * Messages: parent → { url, source, secret, bodies: string[], counts: number[], concurrency };
 * child → { ready: true } after signing, then on { go: true } → { seconds } or { error }.
 */
import { signedHeaders } from '../src/platform/signing.js';

interface Job {
  url: string;
  source: string;
  secret: string;
  bodies: string[];
  counts: number[];
  concurrency: number;
}

let job: Job | null = null;
let signed: Record<string, string>[] = [];

async function run(j: Job): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: j.concurrency }, async () => {
      while (next < j.bodies.length) {
        const i = next++;
        const res = await fetch(`${j.url}/api/v1/ingest/events`, { method: 'POST', headers: signed[i], body: j.bodies[i] });
        const text = await res.text();
        const accepted = Number(/"accepted":(\d+)/.exec(text)?.[1] ?? -1);
        if (res.status !== 200 || accepted !== j.counts[i]) throw new Error(`batch refused: ${res.status} ${text.slice(0, 300)}`);
        process.send?.({ progress: accepted });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

process.on('message', (msg: Partial<Job> & { go?: boolean }) => {
  if (msg.go && job) {
    run(job).then(
      (seconds) => process.send?.({ seconds }),
      (err: Error) => process.send?.({ error: err.message }),
    );
    return;
  }
  job = msg as Job;
  const now = new Date();
  signed = job.bodies.map((b) => signedHeaders(job!.source, job!.secret, b, now));
  process.send?.({ ready: true });
});
