/**
 * Progress on a terminal: a bar with bytes, rate and ETA for an upload, and one line per cloud while
 * tasks run. Nothing is drawn when stderr is not a terminal (scripts and pipes get only the result).
 */
import type { TaskView } from '../client';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${UNITS[u]}`;
}

export function humanSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true;
  }

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = done / seconds;
    const width = 30;
    let line: string;
    if (this.total) {
      const ratio = Math.min(1, done / this.total);
      const filled = Math.round(ratio * width);
      const eta = rate > 0 ? (this.total - done) / rate : Infinity;
      line =
        `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ` +
        `${humanBytes(done)}/${humanBytes(this.total)} ${humanBytes(rate)}/s ETA ${humanSeconds(eta)}`;
    } else {
      line = `${this.label} ${humanBytes(done)} ${humanBytes(rate)}/s`;
    }
    this.stream.write(`\r\x1b[2K${line}`);
  }

  finish(done: number): void {
    if (!this.enabled) return;
    this.update(done, true);
    this.stream.write('\n');
  }
}

/**
 * The stage of a task's work after the bytes, as one short text: `import 42% converting` (the stage, the
 * cloud's percentage of it, the cloud's own word for where in it it is); '' while only bytes move.
 */
export function stageText(t: Pick<TaskView, 'stage' | 'stage_percent' | 'stage_detail'>): string {
  if (!t.stage) return '';
  return [t.stage, t.stage_percent !== null ? `${t.stage_percent}%` : '', t.stage_detail ?? '']
    .filter(Boolean)
    .join(' ');
}

/** One line per task (cloud), redrawn in place on a terminal. */
export class TaskBoard {
  private drawn = 0;
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
  }

  static line(t: TaskView): string {
    const pct = t.progress === null ? '' : ` ${t.progress.toFixed(1)}%`;
    const bytes = t.bytes_total ? ` ${humanBytes(t.bytes_done)}/${humanBytes(t.bytes_total)}` : '';
    const rate = t.rate ? ` ${humanBytes(t.rate)}/s` : '';
    const eta = t.eta_seconds !== null ? ` ETA ${humanSeconds(t.eta_seconds)}` : '';
    const stage = t.stage ? ` [${stageText(t)}]` : '';
    const error = t.error ? ` (${t.error.code}: ${t.error.message})` : '';
    return `${t.type} ${t.cloud}: ${t.status}${pct}${bytes}${rate}${eta}${stage}${error}`;
  }

  update(tasks: TaskView[]): void {
    if (!this.enabled) return;
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A`);
    for (const t of tasks) this.stream.write(`\r\x1b[2K${TaskBoard.line(t)}\n`);
    this.drawn = tasks.length;
  }
}
