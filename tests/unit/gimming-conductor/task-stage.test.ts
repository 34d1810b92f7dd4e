import assert from 'node:assert/strict';
import { stageOf } from '../../../src/gimming-conductor/tasks/task-stage';
import { progressEvent } from '../../../src/gimming-agent/transfer/copy-check';

describe('the stage of a task', () => {
  it("is recorded from the agent's Progress event: the stage, the cloud's percent and its own word", () => {
    assert.deepEqual(stageOf({ stage: 'import', stage_percent: 42, stage_detail: 'converting' }), {
      stage: 'import',
      stagePercent: 42,
      stageDetail: 'converting',
    });
  });

  it('is none while only bytes move, and a percent the cloud does not give is none', () => {
    assert.deepEqual(stageOf({ stage: '', stage_percent: 0, stage_detail: '' }), {
      stage: null,
      stagePercent: null,
      stageDetail: null,
    });
    assert.deepEqual(stageOf({ stage: 'register', stage_percent: -1, stage_detail: '' }), {
      stage: 'register',
      stagePercent: null,
      stageDetail: null,
    });
    assert.equal(stageOf({ stage: 'import', stage_percent: 250, stage_detail: '' }).stagePercent, null);
  });

  it('fits its columns whatever an agent sends', () => {
    const long = stageOf({ stage: 'x'.repeat(100), stage_percent: 1, stage_detail: 'y'.repeat(1000) });
    assert.equal(long.stage?.length, 32);
    assert.equal(long.stageDetail?.length, 255);
  });

  it('comes from the agent as the driver reports it, round trip', () => {
    const event = progressEvent(5, 10, { stage: 'import', percent: 30, detail: 'validating' });
    assert.deepEqual(event, {
      bytes_done: 5,
      bytes_total: 10,
      stage: 'import',
      stage_percent: 30,
      stage_detail: 'validating',
    });
    assert.deepEqual(stageOf(event), { stage: 'import', stagePercent: 30, stageDetail: 'validating' });
    // A driver that gives no percent nor word: -1 and nothing on the wire, none recorded.
    const bare = progressEvent(5, 10, { stage: 'register' });
    assert.deepEqual(bare, { bytes_done: 5, bytes_total: 10, stage: 'register', stage_percent: -1 });
    assert.deepEqual(stageOf({ stage_detail: '', ...bare }), {
      stage: 'register',
      stagePercent: null,
      stageDetail: null,
    });
  });
});
