/**
 * The plan of a Glance -> Glance copy by Glance itself (glance-download), through the real daemons: the
 * dry run says why each target's path was chosen (`reason`: native where both zones allow it, through the
 * agents where the target's zone offers no native copy), the real run records that plan and reason on its
 * task (and the CLI's dry run shows it), and an image over the target's largest image (zone-b's agents
 * told a small Glance image_size_cap) is refused by its plan on the native path too, before any byte
 * moves: the target Glance is never asked to pull it. The cloud view (REST 1.8, and `gimming cloud show`)
 * shows what the agents say of native copies: the limit, and why a zone makes none.
 *
 * Clouds: pn-a (the source, zone-a), pn-native (zone-b: native_import = auto, the small cap) and pn-agent
 * (zone-c: native_import = never), both on the second region's Glance. Skips, saying why, where that
 * Glance does not advertise glance-download.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gimming as runGimming } from '../support/cli';
import { deleteEverywhere, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance } from '../support/openstack';
import { useStack } from '../support/stack';

const MIB = 1024 * 1024;
/** zone-b's agents are told their Glance takes at most this. */
const LIMIT = 4 * MIB;

describe('plans of native Glance copies: the reason, and the size limit before any byte', function () {
  this.timeout(600000);
  let glanceA: Glance;
  let glanceB: Glance;
  let tmp: string;
  const made: Array<[Glance, string]> = [];
  const images: string[] = [];
  // Registered before the stack's hooks: mocha runs after hooks in order, and this needs the daemons.
  after(async function () {
    this.timeout(120000);
    await deleteEverywhere(stack.api, stack.demo.id, images, 90000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const stack = useStack({
    zones: ['zone-a', 'zone-b', 'zone-c'],
    registerClouds: false,
    agentEnv: {
      'zone-a': { OS_GLANCE__NATIVE_IMPORT: 'auto' },
      'zone-b': { OS_GLANCE__NATIVE_IMPORT: 'auto', OS_AGENT__GLANCE_IMAGE_SIZE_CAP: String(LIMIT) },
      'zone-c': { OS_GLANCE__NATIVE_IMPORT: 'never' },
    },
  });

  before(async function () {
    const regionA = stack.bed.regions.RegionOne?.glance_url ?? '';
    const regionB = stack.bed.regions.RegionTwo?.glance_url ?? '';
    glanceA = new Glance(regionA, stack.demo.id);
    glanceB = new Glance(regionB, stack.demo.id);
    const info = await http('GET', `${regionB}/v2/info/import`, { token: stack.demo.id });
    assert.equal(info.status, 200, info.text);
    const methods = info.body['import-methods'].value as string[];
    if (!methods.includes('glance-download')) {
      console.log(
        `      skipped: the Glance of RegionTwo advertises ${methods.join(', ')}, not glance-download`,
      );
      this.skip();
    }
    tmp = mkdtempSync(join(tmpdir(), 'gimming-plan-native-'));
    for (const [name, zone, region] of [
      ['pn-a', 'zone-a', 'RegionOne'],
      ['pn-native', 'zone-b', 'RegionTwo'],
      ['pn-agent', 'zone-c', 'RegionTwo'],
    ] as const) {
      const res = await http('POST', `${stack.api}/v1/clouds`, {
        token: stack.admin.id,
        json: { name, zone, type: 'openstack', region_name: region },
      });
      assert.equal(res.status, 201, res.text);
    }
    // An agent reads its Glance's import methods with the first caller's token that reaches it.
    for (const cloud of ['pn-a', 'pn-native', 'pn-agent']) {
      const res = await http('GET', `${stack.api}/v1/clouds/${cloud}/images`, { token: stack.demo.id });
      assert.equal(res.status, 200, res.text);
    }
    await waitFor(
      'zone-a and zone-b to say their Glance copies from another Glance',
      async () =>
        (await capabilities('pn-a')).native_copy.includes('openstack') &&
        (await capabilities('pn-native')).native_copy.includes('openstack')
          ? true
          : undefined,
      60000,
    );
  });

  const capabilities = async (cloud: string) =>
    (await http('GET', `${stack.api}/v1/clouds/${cloud}`, { token: stack.admin.id })).body.capabilities;
  const planOf = (plan: any, cloud: string) => plan.targets.find((t: any) => t.cloud === cloud);

  async function sourceImage(size: number): Promise<any> {
    const { image } = await glanceA.createWithData(size);
    made.push([glanceA, image.id]);
    return image;
  }

  /** What GIMinG holds for the demo project and what the target Glance holds: a refusal changes none. */
  async function counts(): Promise<Record<string, number>> {
    const listed = await http('GET', `${stack.api}/v1/images?limit=1000`, { token: stack.demo.id });
    const tasks = await http('GET', `${stack.api}/v1/tasks?limit=1000`, { token: stack.demo.id });
    assert.equal(listed.status, 200, listed.text);
    return {
      images: listed.body.images.length,
      tasks: tasks.body.tasks.length,
      target_glance: (await glanceB.list()).length,
    };
  }

  it('says why each path: native where both zones allow it, and the real run records it', async () => {
    const source = await sourceImage(MIB);
    const body = {
      name: 'pn-small',
      source: { cloud: 'pn-a', image_id: source.id },
      targets: ['pn-native', 'pn-agent'],
    };
    const before = await counts();
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(await counts(), before, 'a dry run changes nothing');
    const native = planOf(dry.body.plan, 'pn-native');
    assert.deepEqual(
      [native.path, native.bytes, native.refused],
      ['native', 0, null],
      JSON.stringify(native),
    );
    assert.equal(
      native.reason,
      'Native: cloud pn-native (openstack) copies the image from cloud pn-a itself, as the agents of zones ' +
        'zone-b and zone-a allow; no byte passes through the agents.',
    );
    const agent = planOf(dry.body.plan, 'pn-agent');
    assert.deepEqual([agent.path, agent.bytes], ['agent', MIB], JSON.stringify(agent));
    assert.equal(
      agent.reason,
      'Through the agents from cloud pn-a: the agents of zone zone-c offer no native copy from openstack ' +
        'clouds into cloud pn-agent (openstack): their [glance] native_import is never.',
    );

    const res = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(res.status, 202, res.text);
    const id = res.body.id as string;
    images.push(id);
    const tasks = await waitForTasks(stack.api, stack.demo.id, id, 300000);
    for (const planned of [native, agent]) {
      const task = tasks.find((t) => t.type === 'copy' && t.cloud === planned.cloud);
      assert.equal(task?.status, 'succeeded', JSON.stringify(tasks));
      assert.deepEqual(
        task.plan,
        {
          source_cloud: 'pn-a',
          path: planned.path,
          conversion: null,
          bytes: planned.bytes,
          reason: planned.reason,
        },
        `the task to ${planned.cloud} follows its dry run, and says why`,
      );
    }
    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    for (const l of shown.body.locations) made.push([glanceB, l.image_id]);
  });

  it('the CLI dry run shows the reason', async () => {
    const source = await sourceImage(MIB);
    const created = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'pn-cli', source: { cloud: 'pn-a', image_id: source.id }, targets: [] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    images.push(id);
    await waitFor(
      'the adopted copy to be active',
      async () => {
        const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
        return shown.body.locations?.some((l: any) => l.cloud === 'pn-a' && l.status === 'active')
          ? true
          : undefined;
      },
      60000,
    );
    const cli = await runGimming(stack, stack.demo, tmp, [
      'image',
      'sync',
      id,
      '--target',
      'pn-native',
      '--dry-run',
      '-f',
      'json',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const [row] = JSON.parse(cli.stdout);
    assert.equal(row.Path, 'native', cli.stdout);
    assert.match(
      row.Reason,
      /^Native: cloud pn-native \(openstack\) copies the image from cloud pn-a itself/,
    );
  });

  it("shows at 1.8 what each cloud's agents say of native copies (REST and `gimming cloud show`), not at 1.7", async () => {
    const SINCE_1_8 = ['native_copy_limit', 'native_copy_unavailable', 'incremental_conversion'];
    const at = (cloud: string, version: string) =>
      http('GET', `${stack.api}/v1/clouds/${cloud}`, {
        token: stack.admin.id,
        headers: { 'OpenStack-API-Version': `image-manager ${version}` },
      });
    const native = (await at('pn-native', '1.8')).body.capabilities;
    assert.deepEqual(
      [native.native_copy_limit.image_bytes, native.native_copy_unavailable],
      [LIMIT, {}],
      JSON.stringify(native),
    );
    assert.match(native.native_copy_limit.image_bytes_from, /glance_image_size_cap/);
    assert.equal(typeof native.incremental_conversion, 'boolean');
    const agent = (await at('pn-agent', '1.8')).body.capabilities;
    assert.deepEqual(agent.native_copy_unavailable, { openstack: 'their [glance] native_import is never' });
    for (const cloud of ['pn-native', 'pn-agent']) {
      const [newer, older] = [await at(cloud, '1.8'), await at(cloud, '1.7')];
      assert.equal(older.headers.get('openstack-api-version'), 'image-manager 1.7');
      // 1.7 answers as before: the 1.8 answer without the three, the rest in the same order.
      const before = JSON.parse(newer.text);
      for (const field of SINCE_1_8) delete before.capabilities[field];
      assert.equal(older.text, JSON.stringify(before), cloud);
    }
    // The CLI negotiates 1.8: JSON keeps them as the API gives them, a table puts each on a line.
    const json = await runGimming(stack, stack.admin, tmp, ['cloud', 'show', 'pn-agent', '-f', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      JSON.parse(json.stdout).capabilities.native_copy_unavailable,
      agent.native_copy_unavailable,
    );
    const table = await runGimming(stack, stack.admin, tmp, ['cloud', 'show', 'pn-native']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`native_copy_limit: image_bytes=${LIMIT}, image_bytes_from=`));
    assert.match(table.stdout, /native_copy_unavailable: -/);
    assert.match(table.stdout, /incremental_conversion: (true|false)/);
  });

  it("refuses an image over the target's image_size_cap on the native path, before any byte moves", async () => {
    const shown = await capabilities('pn-native');
    assert.equal(shown.size_limits.image_bytes, LIMIT);
    const source = await sourceImage(LIMIT + MIB);
    const body = { name: 'pn-large', source: { cloud: 'pn-a', image_id: source.id }, targets: ['pn-native'] };
    const before = await counts();
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    const planned = planOf(dry.body.plan, 'pn-native');
    const message =
      `The image (${LIMIT + MIB} bytes) is larger than cloud pn-native (openstack) takes: at most ${LIMIT} ` +
      `bytes ([agent] glance_image_size_cap = ${LIMIT}, Glance's image_size_cap).`;
    assert.deepEqual(
      [planned.path, planned.source_cloud, planned.refused],
      [null, 'pn-a', { code: 'gimming.plan.too_large', message }],
      JSON.stringify(planned),
    );
    assert.deepEqual(await counts(), before, 'the dry run changes nothing');

    const refused = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.deepEqual(refused.body.error.details.refused, [
      { cloud: 'pn-native', code: 'gimming.plan.too_large', message },
    ]);
    // Nothing was recorded, queued or made: the target Glance was never asked to pull the image.
    assert.deepEqual(await counts(), before, 'nothing was made, no byte moved');
    assert.deepEqual(await glanceB.list({ name: 'pn-large' }), []);
    assert.equal((await glanceA.get(source.id))?.gimming_image_id, undefined, 'the source was not adopted');
  });
});
