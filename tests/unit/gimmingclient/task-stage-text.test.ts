import assert from 'node:assert/strict';
import type { TaskView } from '../../../src/gimmingclient/client';
import { TaskBoard, stageText } from '../../../src/gimmingclient/shell/progress';

describe('the CLI shows the stage of a task', () => {
  const task: TaskView = {
    id: 't1',
    type: 'copy',
    image_id: 'i1',
    cloud: 'ec2-east',
    cloud_id: 'c1',
    source_cloud: null,
    status: 'running',
    bytes_done: 1048576,
    bytes_total: 1048576,
    progress: 100,
    rate: null,
    eta_seconds: null,
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

  it('as the stage, its percent and the cloud’s own word', () => {
    assert.equal(stageText(task), 'import 42% converting');
    assert.equal(stageText({ stage: 'register', stage_percent: null, stage_detail: null }), 'register');
    assert.equal(stageText({ stage: null, stage_percent: null, stage_detail: null }), '');
  });

  it('on the progress board of --wait', () => {
    assert.match(TaskBoard.line(task), /running 100\.0% .* \[import 42% converting\]$/);
    assert.doesNotMatch(TaskBoard.line({ ...task, stage: null }), /\[/);
  });
});
