import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

/*
 * What a person at the terminal reads while `zhibo demo` runs: a progress bar per phase while the
 * city is written, then one status line that refreshes in place. Log lines (warnings) print above
 * the status line and it is drawn again. Without a terminal (a pipe, a log file) phases print one
 * line each and the status line is printed once a minute.
 */

/** Display width: CJK and full-width characters take two columns. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ? 2 : 1;
  }
  return w;
}

/** Cut to `columns` display columns, with an ellipsis when cut. */
export function fitWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = displayWidth(ch);
    if (w + cw > columns - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

export class Terminal {
  readonly tty: boolean;
  private status = '';
  private lastPlain = 0;
  private bar: cliProgress.SingleBar | null = null;
  private barLabel = '';
  private barStarted = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly now: () => number = Date.now) {
    this.tty = out.isTTY === true;
  }

  private clearStatus(): void {
    if (this.tty && this.status) this.out.write('\r\x1b[2K');
  }

  private drawStatus(): void {
    if (this.tty && this.status) this.out.write(fitWidth(this.status, Math.max(40, (this.out.columns || 120) - 1)));
  }

  /** A line for the reader, above the status line. */
  print(line: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
    this.clearStatus();
    this.out.write(`${line}\n`);
    this.drawStatus();
  }

  /** The refreshing status line (once a minute without a terminal). */
  setStatus(text: string): void {
    this.status = text;
    if (this.tty) {
      this.out.write('\r\x1b[2K');
      this.drawStatus();
    } else if (this.now() - this.lastPlain >= 60_000) {
      this.lastPlain = this.now();
      this.out.write(`${text}\n`);
    }
  }

  /** A phase with a bar: `update(done, total)`; `end(summary)` leaves one line behind. */
  phase(label: string): { update(done: number, total: number, detail?: string): void; end(summary: string): void } {
    this.barLabel = label;
    this.barStarted = this.now();
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label} {bar} {percentage}% | {detail}`, hideCursor: true, barsize: 28, fps: 8, stream: this.out, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(1, 0, { detail: '' });
    } else this.out.write(`${label} …\n`);
    return {
      update: (done, total, detail = '') => {
        if (!this.bar) return;
        this.bar.setTotal(Math.max(1, total));
        this.bar.update(Math.min(done, total), { detail });
      },
      end: (summary) => {
        if (this.bar) {
          this.bar.stop();
          this.bar = null;
        }
        const seconds = ((this.now() - this.barStarted) / 1000).toFixed(1);
        this.out.write(`${this.barLabel} ✓ ${summary ? `${summary} ` : ''}(${seconds} s)\n`);
      },
    };
  }

  /** A stream for the logger: each line printed above the status line. */
  logStream(): Writable {
    let pending = '';
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          this.print(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        done();
      },
    });
  }

  /** Leaves the status line where it is and moves to a new line. */
  close(): void {
    if (this.bar) this.bar.stop();
    if (this.tty && this.status) this.out.write('\n');
    this.status = '';
  }
}
