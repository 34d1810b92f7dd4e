/**
 * Progress on a terminal: a bar with bytes, rate and ETA for an upload, and one line per cloud while
 * tasks run. Nothing is drawn when stderr is not a terminal (scripts and pipes get only the result).
 * Every line drawn fits the terminal's width (see terminalWidth): a line that wrapped would break the
 * redraw in place (`\r` and cursor-up move over screen lines, not over what was written).
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

/**
 * The width of the terminal a progress stream draws on, as Python's shutil.get_terminal_size reads it:
 * COLUMNS when it is set to a positive number, else the terminal's own (the stream's, else stdout's);
 * undefined when neither knows (a pseudo-terminal with no size), where lines are drawn whole.
 */
export function terminalWidth(stream: { columns?: number } = process.stderr): number | undefined {
  const env = process.env.COLUMNS;
  if (env && /^\d+$/.test(env) && Number(env) > 0) return Number(env);
  for (const columns of [stream.columns, process.stdout.columns]) {
    if (typeof columns === 'number' && columns > 0) return columns;
  }
  return undefined;
}

/**
 * `line` cut to fit `width` columns, leaving the last one free (a character there makes some terminals
 * wrap at once); ends with '…' when cut. Lines are ASCII but for names, counted in code points.
 */
export function fitLine(line: string, width: number | undefined): string {
  if (width === undefined) return line;
  const room = Math.max(1, width - 1);
  const chars = Array.from(line);
  if (chars.length <= room) return line;
  return room === 1 ? '…' : `${chars.slice(0, room - 1).join('')}…`;
}

const BAR_WIDTH = 30;
const MIN_BAR_WIDTH = 10;

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
    const columns = terminalWidth(this.stream);
    let line: string;
    if (this.total) {
      const ratio = Math.min(1, done / this.total);
      const eta = rate > 0 ? (this.total - done) / rate : Infinity;
      const head = `${this.label} [`;
      const tail =
        `] ${Math.floor(ratio * 100)}% ${humanBytes(done)}/${humanBytes(this.total)} ` +
        `${humanBytes(rate)}/s ETA ${humanSeconds(eta)}`;
      // The bar gives up its width first, down to MIN_BAR_WIDTH; what still does not fit is cut.
      const width =
        columns === undefined
          ? BAR_WIDTH
          : Math.max(MIN_BAR_WIDTH, Math.min(BAR_WIDTH, columns - 1 - head.length - tail.length));
      const filled = Math.round(ratio * width);
      line = `${head}${'#'.repeat(filled)}${'-'.repeat(width - filled)}${tail}`;
    } else {
      line = `${this.label} ${humanBytes(done)} ${humanBytes(rate)}/s`;
    }
    this.stream.write(`\r\x1b[2K${fitLine(line, columns)}`);
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
    const columns = terminalWidth(this.stream);
    for (const t of tasks) this.stream.write(`\r\x1b[2K${fitLine(TaskBoard.line(t), columns)}\n`);
    this.drawn = tasks.length;
  }
}
