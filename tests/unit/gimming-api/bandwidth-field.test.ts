/**
 * max_bandwidth at the API's edge (bandwidth-field.ts): turned into bytes per second at microversion 1.4,
 * refused below it and when it is no bandwidth; a cloud's cap in its view (cloud-kinds.ts); and a task's
 * cap in its view (views.ts), answered from 1.4 on.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import { taskAt, withMaxBandwidth } from '../../../src/gimming-api/bandwidth-field';
import { shape } from '../../../src/gimming-api/controllers/v1/respond';
import { Task } from '../../../src/gimming-api/schemas/v1-responses';
import { TaskRow } from '../../../src/gimming-conductor/db/entities';
import { taskView } from '../../../src/gimming-conductor/views';
import { ApiVersion } from '../../../src/gimming-api/middleware/microversion';
import { cloudBandwidthCap, withCloudOptions } from '../../../src/gimming-conductor/cloud-kinds';
import type { CloudView } from '../../../src/gimming-conductor/rpc-schemas';

const at = (v: string) => ({ state: { apiVersion: ApiVersion.parse(v) } });

describe('max_bandwidth at the API edge', () => {
  it('gives bytes per second at 1.4, and leaves a body without a cap as it is', () => {
    assert.deepEqual(withMaxBandwidth(at('1.4'), { targets: ['b'], max_bandwidth: '80MiB/s' }), {
      targets: ['b'],
      max_bandwidth: 80 * 1024 * 1024,
    });
    assert.deepEqual(
      withMaxBandwidth(at('1.4'), { targets: ['b'], max_bandwidth: 5000 }).max_bandwidth,
      5000,
    );
    const none: { targets: string[]; max_bandwidth?: string } = { targets: ['b'] };
    assert.deepEqual(withMaxBandwidth(at('1.0'), none), { targets: ['b'] });
  });

  it('refuses a cap below 1.4, and one that is no bandwidth or under 1 KiB/s', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof GimmingError);
        assert.equal(err.status, 400);
        return err.code;
      }
      return 'accepted';
    };
    assert.equal(
      code(() => withMaxBandwidth(at('1.1'), { max_bandwidth: '10M' })),
      'gimming.request.invalid',
    );
    assert.equal(
      code(() => withMaxBandwidth(at('1.4'), { max_bandwidth: 'fast' })),
      'gimming.request.bad_bandwidth',
    );
    assert.equal(
      code(() => withMaxBandwidth(at('1.4'), { max_bandwidth: 1000 })),
      'gimming.request.bad_bandwidth',
    );
  });

  it("shows a cloud's cap in its view, for any type", () => {
    const view = { id: 'c', name: 'zone-b', type: 'openstack', agents_up: 1 } as CloudView;
    assert.equal(
      withCloudOptions(view, { type: 'openstack', options: '{"max_bandwidth":"8388608"}' }).max_bandwidth,
      8388608,
    );
    assert.equal(withCloudOptions(view, { type: 'openstack', options: null }).max_bandwidth, undefined);
    const aws = withCloudOptions(
      { ...view, type: 'aws' },
      { type: 'aws', options: '{"bucket":"b","max_bandwidth":"2048"}' },
    );
    assert.equal(aws.max_bandwidth, 2048);
    assert.equal(aws.bucket, 'b');
    assert.equal(cloudBandwidthCap({ max_bandwidth: 'x' }), 0);
  });

  it("shows a task's own cap from 1.4 on, and none for a task without one", () => {
    const row = (maxBandwidth: number | null) =>
      Object.assign(new TaskRow(), {
        id: 't',
        type: 'copy',
        imageId: 'i',
        cloudId: 'c',
        sourceCloudId: null,
        status: 'running',
        bytesDone: 0,
        bytesTotal: null,
        plan: null,
        attempts: 0,
        errorCode: null,
        maxBandwidth,
        createdAt: new Date(0),
        updatedAt: new Date(0),
        startedAt: null,
        finishedAt: null,
      });
    const capped = taskView(row(52428800), new Map([['c', 'zone-b']]));
    assert.equal(capped.max_bandwidth, 52428800);
    assert.equal(shape(Task, taskAt(at('1.4'), capped)).max_bandwidth, 52428800);
    assert.equal(shape(Task, taskAt(at('1.5'), capped)).max_bandwidth, 52428800);
    const before = shape(Task, taskAt(at('1.3'), capped));
    assert.ok(!('max_bandwidth' in before), JSON.stringify(before));
    assert.equal(before.cloud, 'zone-b');
    assert.ok(!('max_bandwidth' in taskView(row(null), new Map())));
  });
});
