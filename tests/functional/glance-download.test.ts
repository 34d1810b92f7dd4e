/**
 * Glance -> Glance by Glance itself (glance-download), against the agent path, through the real daemons:
 * the zones say what their Glance advertises (native_copy), a dry run plans the native path where both
 * zones allow it and the agent path where the target's operator prefers it ([glance] native_import =
 * never), the real runs follow those plans, both copies are proven equal to the source (the md5 and
 * sha512 the target Glance computed), and the time of each path is printed side by side.
 *
 * Clouds: gd-a (the source, zone-a), gd-native and gd-agent, both on the target region's Glance, each in
 * a zone of its own (zone-b: native_import = auto; zone-c: never). The regions are the test bed's
 * (RegionOne, RegionTwo) unless GIMMING_GLANCE_DOWNLOAD_REGIONS names others
 * (`region-a=url,region-b=url`, for example two Glance processes of one's own); the test skips, saying
 * why, where the target Glance does not advertise glance-download. GIMMING_GLANCE_DOWNLOAD_MIB sets the
 * image size (default 64), GIMMING_GLANCE_DOWNLOAD_REPEAT the copies timed per path (default 1;
 * tools/bench/glance-download.sh runs it as a bench).
 */
import assert from 'node:assert/strict';
import { http, waitFor } from '../support/http';
import { assertGlanceCopyProven } from '../support/copy-proof';
import { Glance } from '../support/openstack';
import { useStack } from '../support/stack';
import { waitForTasks } from '../support/flows';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.GIMMING_GLANCE_DOWNLOAD_MIB ?? 64) * MiB;
/** Copies timed per path (the median is printed, with the range). */
const REPEAT = Number(process.env.GIMMING_GLANCE_DOWNLOAD_REPEAT ?? 1);

function regions(bed: { regions: Record<string, { glance_url: string }> }): Array<[string, string]> {
  const named = process.env.GIMMING_GLANCE_DOWNLOAD_REGIONS;
  if (named) return named.split(',').map((kv) => kv.split('=') as [string, string]);
  return ['RegionOne', 'RegionTwo'].map((r) => [r, bed.regions[r]?.glance_url ?? '']);
}

describe('Glance -> Glance by glance-download, against the agent path', function () {
  this.timeout(600000);
  const stack = useStack({
    zones: ['zone-a', 'zone-b', 'zone-c'],
    registerClouds: false,
    agentEnv: {
      'zone-a': { OS_GLANCE__NATIVE_IMPORT: 'auto' },
      'zone-b': { OS_GLANCE__NATIVE_IMPORT: 'auto' },
      'zone-c': { OS_GLANCE__NATIVE_IMPORT: 'never' },
    },
  });
  let glanceA: Glance;
  let glanceB: Glance;
  const made: Array<[Glance, string]> = [];
  const times: Record<string, number[]> = {};

  before(async function () {
    const [[regionA, urlA], [regionB, urlB]] = regions(stack.bed) as [[string, string], [string, string]];
    glanceA = new Glance(urlA, stack.demo.id);
    glanceB = new Glance(urlB, stack.demo.id);
    const info = await http('GET', `${urlB}/v2/info/import`, { token: stack.demo.id });
    assert.equal(info.status, 200, info.text);
    const methods = info.body['import-methods'].value as string[];
    if (!methods.includes('glance-download')) {
      console.log(
        `      skipped: the Glance of ${regionB} (${urlB}) advertises ${methods.join(', ')}, not ` +
          'glance-download (tools/testbed/templates/glance-api.conf.tmpl enables it in a fresh test bed)',
      );
      this.skip();
    }
    for (const [name, zone, region] of [
      ['gd-a', 'zone-a', regionA],
      ['gd-native', 'zone-b', regionB],
      ['gd-agent', 'zone-c', regionB],
      ['gd-a-agent', 'zone-c', regionA],
    ] as const) {
      const res = await http('POST', `${stack.api}/v1/clouds`, {
        token: stack.admin.id,
        json: { name, zone, type: 'openstack', region_name: region },
      });
      assert.equal(res.status, 201, res.text);
    }
  });

  after(async function () {
    this.timeout(60000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
    const mib = SIZE / MiB;
    for (const [path, all] of Object.entries(times)) {
      const sorted = [...all].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] as number;
      const range =
        sorted.length > 1
          ? ` [${(sorted[0]! / 1000).toFixed(2)}-${(sorted.at(-1)! / 1000).toFixed(2)} s]`
          : '';
      console.log(
        `      ${path.padEnd(26)} ${mib} MiB: median of ${sorted.length} ${(median / 1000).toFixed(2)} s${range}, ` +
          `${(mib / (median / 1000)).toFixed(1)} MiB/s`,
      );
    }
  });

  const capabilities = async (cloud: string) =>
    (await http('GET', `${stack.api}/v1/clouds/${cloud}`, { token: stack.admin.id })).body.capabilities;

  it('the zones say what their Glance advertises, and what their operator allows', async () => {
    // An agent reads its Glance's import methods with the first caller's token that reaches it.
    for (const cloud of ['gd-a', 'gd-native', 'gd-agent']) {
      const res = await http('GET', `${stack.api}/v1/clouds/${cloud}/images`, { token: stack.demo.id });
      assert.equal(res.status, 200, res.text);
    }
    await waitFor(
      'zone-a and zone-b to say their Glance copies from another Glance',
      async () =>
        (await capabilities('gd-a')).native_copy.includes('openstack') &&
        (await capabilities('gd-native')).native_copy.includes('openstack')
          ? true
          : undefined,
      60000,
    );
    assert.deepEqual(
      (await capabilities('gd-agent')).native_copy,
      [],
      'zone-c: [glance] native_import = never',
    );
  });

  async function syncTo(
    target: string,
    from = 'gd-a',
  ): Promise<{ source: any; imageId: string; task: any; ms: number }> {
    const { image: source } = await glanceA.createWithData(SIZE);
    made.push([glanceA, source.id]);
    const body = { name: `gd-${target}`, source: { cloud: from, image_id: source.id }, targets: [target] };
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    const planned = dry.body.plan.targets.find((t: any) => t.cloud === target);
    const started = Date.now();
    const res = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(res.status, 202, res.text);
    const tasks = await waitForTasks(stack.api, stack.demo.id, res.body.id, 300000);
    const ms = Date.now() - started;
    const task = tasks.find((t) => t.type === 'copy' && t.cloud === target);
    assert.equal(task?.status, 'succeeded', JSON.stringify(tasks));
    assert.deepEqual(
      task.plan,
      {
        source_cloud: from,
        path: planned.path,
        conversion: planned.conversion,
        bytes: planned.bytes,
        reason: planned.reason,
      },
      'the real run follows its dry run',
    );
    return { source, imageId: res.body.id, task, ms };
  }

  const assertProven = (imageId: string, cloud: string, source: any) =>
    assertGlanceCopyProven(
      { api: stack.api, token: stack.demo.id, glance: glanceB, made },
      imageId,
      cloud,
      source,
    );

  it('native where both zones allow it: the target Glance pulls the image, no byte through the agents', async () => {
    for (let i = 0; i < REPEAT; i++) {
      const { source, imageId, task, ms } = await syncTo('gd-native');
      assert.equal(task.plan.path, 'native');
      assert.equal(task.plan.bytes, 0);
      await assertProven(imageId, 'gd-native', source);
      (times['native (glance-download)'] ??= []).push(ms);
    }
  });

  it('through the agents where the target zone prefers it ([glance] native_import = never)', async () => {
    for (let i = 0; i < REPEAT; i++) {
      const { source, imageId, task, ms } = await syncTo('gd-agent');
      assert.equal(task.plan.path, 'agent');
      assert.equal(task.plan.bytes, SIZE);
      await assertProven(imageId, 'gd-agent', source);
      (times['agent (streamed)'] ??= []).push(ms);
    }
  });

  it("through the agents where the source's zone does not allow it, though the target's Glance could", async () => {
    // zone-b's agent could have its Glance pull the image, but the plan streams it (both zones must
    // allow a native copy): the conductor tells it so (CopyImageRequest.stream_through_agents).
    const { source, imageId, task } = await syncTo('gd-native', 'gd-a-agent');
    assert.equal(task.plan.path, 'agent');
    assert.equal(task.plan.bytes, SIZE);
    await assertProven(imageId, 'gd-native', source);
  });

  it('a cancelled native copy leaves no image behind in the target Glance', async () => {
    const { image: source } = await glanceA.createWithData(SIZE);
    made.push([glanceA, source.id]);
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'gd-cancel', source: { cloud: 'gd-a', image_id: source.id }, targets: ['gd-native'] },
    });
    assert.equal(res.status, 202, res.text);
    const imageId = res.body.id as string;
    const task = await waitFor(
      'the copy to run',
      async () => {
        const t = (await http('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id }))
          .body.tasks as any[];
        return t.find((x) => x.type === 'copy' && x.status === 'running');
      },
      60000,
      50,
    );
    const cancel = await http('POST', `${stack.api}/v1/tasks/${task.id}/cancel`, { token: stack.demo.id });
    assert.ok([200, 202].includes(cancel.status), cancel.text);
    const [ended] = await waitForTasks(stack.api, stack.demo.id, imageId, 120000);
    if (ended.status === 'succeeded') {
      console.log('      (the import ended before the cancel reached it: nothing to clean up)');
      return;
    }
    assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
    await waitFor(
      'no image tagged with the image in the target Glance',
      async () => ((await glanceB.list({ gimming_image_id: imageId })).length === 0 ? true : undefined),
      60000,
    );
  });
});
