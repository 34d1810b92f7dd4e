/**
 * The progress bar and the --wait board on a narrow terminal: no line drawn is wider than the terminal
 * (a wrapped line breaks the redraw in place), from the terminal's own width or COLUMNS.
 */
import assert from 'node:assert/strict';
import type { TaskView } from '../../../src/gimmingclient/client';
import { ProgressBar, TaskBoard, fitLine, terminalWidth } from '../../../src/gimmingclient/shell/progress';

/** A terminal of `columns` that records what is drawn on it. */
function terminal(columns: number | undefined): NodeJS.WriteStream & { drawn: string } {
  const t = { isTTY: true, columns, drawn: '', write: (s: string) => ((t.drawn += s), true) };
  return t as unknown as NodeJS.WriteStream & { drawn: string };
}

/** The screen lines drawn: split at carriage returns and newlines, escape sequences removed. */
function lines(drawn: string): string[] {
  return drawn
    .replace(new RegExp(`${String.fromCharCode(27)}\\[\\d*[A-Za-z]`, 'g'), '')
    .split(/[\r\n]/)
    .filter(Boolean);
}

const task: TaskView = {
  id: 't1',
  type: 'copy',
  image_id: 'i1',
  cloud: 'a-cloud-with-a-rather-long-name',
  cloud_id: 'c1',
  source_cloud: null,
  status: 'running',
  bytes_done: 512 * 1048576,
  bytes_total: 2048 * 1048576,
  progress: 25,
  rate: 3 * 1048576,
  eta_seconds: 512,
  stage: 'import',
  stage_percent: 42,
  stage_detail: 'converting',
  plan: null,
  attempts: 1,
  error: null,
  agent: null,
  request_id: null,
  project_id: 'p1',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
};

describe('CLI progress on a narrow terminal', () => {
  const saved = process.env.COLUMNS;
  beforeEach(() => delete process.env.COLUMNS);
  after(() => {
    if (saved === undefined) delete process.env.COLUMNS;
    else process.env.COLUMNS = saved;
  });

  it('the upload bar fits 40 columns, its bar narrowed first', () => {
    const tty = terminal(40);
    const bar = new ProgressBar('Uploading', 64 * 1048576, tty);
    bar.update(16 * 1048576, true);
    bar.finish(64 * 1048576);
    const drawn = lines(tty.drawn);
    assert.ok(drawn.length >= 2, tty.drawn);
    for (const line of drawn) assert.ok(line.length < 40, `${line.length}: ${line}`);
    assert.match(drawn[drawn.length - 1] ?? '', /^Uploading \[#{10}\] 100% /);
  });

  it('the bar keeps its 30 marks where the terminal is wide, and is whole when its width is unknown', () => {
    for (const columns of [200, undefined]) {
      const tty = terminal(columns);
      const bar = new ProgressBar('Uploading', 64 * 1048576, tty);
      bar.finish(64 * 1048576);
      assert.match(lines(tty.drawn)[0] ?? '', /^Uploading \[#{30}\] 100% 64\.0 MiB\/64\.0 MiB .* ETA 00:00$/);
    }
  });

  it('the --wait board cuts each task line to the width COLUMNS gives', () => {
    process.env.COLUMNS = '40';
    const tty = terminal(120);
    const board = new TaskBoard(tty);
    board.update([task, { ...task, cloud: 'b' }]);
    board.update([task, { ...task, cloud: 'b', status: 'succeeded' }]);
    const drawn = lines(tty.drawn);
    assert.equal(drawn.length, 4);
    for (const line of drawn) assert.ok(line.length < 40, `${line.length}: ${line}`);
    assert.match(drawn[0] ?? '', /^copy a-cloud-with-a-rather-long-name: .*…$/);
    assert.equal(TaskBoard.line(task).length > 40, true, 'the line itself is longer than the terminal');
  });

  it('reads the width as shutil does, and cuts with an ellipsis', () => {
    assert.equal(terminalWidth({ columns: 33 }), 33);
    process.env.COLUMNS = '50';
    assert.equal(terminalWidth({ columns: 33 }), 50);
    process.env.COLUMNS = 'wide';
    assert.equal(terminalWidth({ columns: 33 }), 33);
    assert.equal(fitLine('abcdef', 5), 'abc…');
    assert.equal(fitLine('abcd', 5), 'abcd');
    assert.equal(fitLine('abcdef', undefined), 'abcdef');
  });
});
