/**
 * Browsing a cloud page by page through the real daemons (issue 17): GET /v1/clouds/{cloud}/images at 1.1
 * follows `next` links past the API's browse window (lowered to 20 here by GIMMING_TEST_BROWSE_WINDOW, so
 * that a few dozen images go past it; before RPC 1.19 a marker past it was refused), in a real Glance zone
 * and in the EC2 and GCE stand-ins, each image seen exactly once and `next` present exactly when a further
 * page exists. The stand-ins page as EC2 (DescribeImages MaxResults, NextToken) and GCE (images.list
 * maxResults, pageToken) do, and a cloud image ID (a marker from before 1.19) still works as a marker.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { AwsStandin } from '../support/aws-standin';
import { failure, nativeAmi } from '../support/aws-standin-calls';
import { GceStandin } from '../support/gce-standin';
import { describeImages, registerAmis } from '../support/paging-calls';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';
import { tarGzStream } from '../support/tar-gz';

const EAST = 'us-east-1';
const V11 = { 'OpenStack-API-Version': 'image-manager 1.1' };
const WINDOW = 20;
const SEEDED = 2 * WINDOW + 5;

interface Walk {
  pages: Array<{ ids: string[]; next?: string }>;
  ids: string[];
}

describe('browsing a cloud page by page', function () {
  this.timeout(600000);
  const suffix = randomBytes(3).toString('hex');
  const aws = new AwsStandin({ minDurationMs: 200, tickMs: 50 });
  const gce = new GceStandin({ insertMs: 50, otherMs: 50 });
  const amis: string[] = [];
  const gceNames: string[] = [];
  const glanceMade: string[] = [];

  before(async function () {
    this.timeout(120000);
    // The API inherits it (DaemonSet spawns with this process's environment).
    process.env.GIMMING_TEST_BROWSE_WINDOW = String(WINDOW);
    await Promise.all([aws.start(), gce.start()]);
  });
  after(async () => {
    delete process.env.GIMMING_TEST_BROWSE_WINDOW;
    await Promise.all([aws.stop(), gce.stop()]);
  });

  const stack = useStack({
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({
      'zone-b': {
        ...aws.agentEnv(),
        OS_AGENT__ENABLED_DRIVERS: 'openstack,aws,gcp',
        OS_GCP__COMPUTE_ENDPOINT: gce.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: gce.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        GOOGLE_APPLICATION_CREDENTIALS: gce.keyFile('operator'),
      },
    }),
  });

  after(async function () {
    this.timeout(120000);
    const glance = stack.glance('zone-a', stack.demo);
    for (const id of glanceMade) await glance.delete(id).catch(() => undefined);
  });

  const api = (method: string, path: string, json?: unknown) =>
    http(method, `${stack.api}${path}`, {
      token: stack.admin.id,
      headers: V11,
      ...(json === undefined ? {} : { json }),
    });

  /** Every page of a browse from `path`, by its `next` links, as `token`. */
  async function walk(path: string, token: string): Promise<Walk> {
    const pages: Walk['pages'] = [];
    let at: string | undefined = path;
    while (at !== undefined) {
      const res: { status: number; text: string; body: any } = await http('GET', `${stack.api}${at}`, {
        token,
        headers: V11,
      });
      assert.equal(res.status, 200, `${at}: ${res.text}`);
      const ids = (res.body.images as Array<{ id: string }>).map((i) => i.id);
      pages.push({ ids, ...(res.body.next ? { next: res.body.next as string } : {}) });
      assert.ok(pages.length < 500, 'the walk ends');
      at = res.body.next as string | undefined;
    }
    return { pages, ids: pages.flatMap((p) => p.ids) };
  }

  /** Each page full but the last, each with a next but the last, no image twice. */
  function checkWalk(w: Walk, limit: number, seeded: string[]): void {
    const last = w.pages[w.pages.length - 1];
    assert.equal(last?.next, undefined, 'the last page has no next link');
    for (const p of w.pages.slice(0, -1)) {
      assert.equal(p.ids.length, limit, 'a page before the last is full');
      assert.ok(p.next, 'a page before the last has a next link');
    }
    assert.ok((last?.ids.length ?? 0) > 0, 'a next link leads to a page with images');
    assert.equal(new Set(w.ids).size, w.ids.length, 'no image twice');
    const seen = new Set(w.ids);
    assert.deepEqual(
      seeded.filter((id) => !seen.has(id)),
      [],
      'every seeded image seen',
    );
    assert.ok(w.pages.length > WINDOW / limit, 'the walk went past the window');
  }

  const markerOf = (next: string) => new URL(next, 'http://x.invalid').searchParams.get('marker') ?? '';

  describe('a Glance zone', () => {
    before(async function () {
      this.timeout(120000);
      const glance = stack.glance('zone-a', stack.demo);
      for (let i = 0; i < SEEDED; i += 8) {
        const made = await Promise.all(
          Array.from({ length: Math.min(8, SEEDED - i) }, (_, j) =>
            glance.create({ name: `browse-${suffix}-${i + j}`, visibility: 'private' }),
          ),
        );
        glanceMade.push(...made.map((m: { id: string }) => m.id));
      }
    });

    it('walks every page by next links, past the window, each image once, markers the last Glance ID', async () => {
      const limit = 7;
      const w = await walk(`/v1/clouds/zone-a/images?limit=${limit}`, stack.demo.id);
      checkWalk(w, limit, glanceMade);
      for (const p of w.pages.filter((x) => x.next))
        assert.equal(markerOf(p.next ?? ''), p.ids[p.ids.length - 1], "Glance's own marker");
      // A cloud image ID is a marker (as from a page before 1.19): the walk goes on after it.
      const from = w.ids[WINDOW + 3] as string;
      const rest = await walk(`/v1/clouds/zone-a/images?limit=${limit}&marker=${from}`, stack.demo.id);
      assert.deepEqual(rest.ids, w.ids.slice(WINDOW + 4));
    });

    it('refuses a marker that names no image of the cloud', async () => {
      const res = await http('GET', `${stack.api}/v1/clouds/zone-a/images?marker=${glanceMade[0]}x`, {
        token: stack.demo.id,
        headers: V11,
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'gimming.list.bad_marker');
    });
  });

  describe('EC2 (the AWS stand-in)', () => {
    before(async function () {
      this.timeout(180000);
      const registered = await api('POST', '/v1/clouds', {
        name: `ec2-${suffix}`,
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        bucket: aws.bucket('operator', EAST),
      });
      assert.equal(registered.status, 201, registered.text);
      const { amiId, snapshotId } = await nativeAmi(aws, EAST, randomBytes(64 * 1024));
      amis.push(amiId);
      const names = Array.from({ length: SEEDED + 1 }, (_, i) => `browse-${suffix}-${i + 1}`);
      amis.push(...(await registerAmis(aws, EAST, snapshotId, names)));
      await waitFor(
        'the aws cloud to show its capabilities',
        async () => (await api('GET', `/v1/clouds/ec2-${suffix}`)).body?.capabilities ?? undefined,
        60000,
      );
    });

    it('pages DescribeImages by MaxResults and NextToken, as EC2 does', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const out = await describeImages(aws, EAST, {
          Owners: ['self'],
          MaxResults: 10,
          ...(token ? { NextToken: token } : {}),
        });
        assert.ok(out.ids.length <= 10);
        seen.push(...out.ids);
        token = out.next;
        pages += 1;
      } while (token);
      assert.equal(pages, Math.ceil(amis.length / 10));
      assert.deepEqual([...seen].sort(), [...amis].sort());
      const all = await describeImages(aws, EAST, { Owners: ['self'] });
      assert.equal(all.ids.length, amis.length, 'without MaxResults, every image');
      assert.equal(all.next, undefined);
      const small = await failure(describeImages(aws, EAST, { Owners: ['self'], MaxResults: 4 }));
      assert.equal(small.name, 'InvalidParameterValue');
      const both = await failure(describeImages(aws, EAST, { ImageIds: [amis[0] ?? ''], MaxResults: 5 }));
      assert.equal(both.name, 'InvalidParameterCombination');
      const bad = await failure(
        describeImages(aws, EAST, { Owners: ['self'], MaxResults: 5, NextToken: 'bm9wZQ' }),
      );
      assert.equal(bad.name, 'InvalidNextToken');
    });

    it('walks every page by next links, past the window, each AMI once, an AMI ID still a marker', async () => {
      const limit = 4;
      const w = await walk(`/v1/clouds/ec2-${suffix}/images?limit=${limit}`, stack.admin.id);
      checkWalk(w, limit, amis);
      assert.equal(w.ids.length, amis.length);
      for (const p of w.pages.filter((x) => x.next)) assert.match(markerOf(p.next ?? ''), /^~p1\./);
      const from = w.ids[WINDOW + 1] as string;
      const rest = await walk(
        `/v1/clouds/ec2-${suffix}/images?limit=${limit}&marker=${from}`,
        stack.admin.id,
      );
      assert.deepEqual(rest.ids, w.ids.slice(WINDOW + 2));
      const bad = await api('GET', `/v1/clouds/ec2-${suffix}/images?marker=~p1.bm9wZQ`);
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.error.code, 'gimming.list.bad_marker');
    });
  });

  describe('GCE (the GCE stand-in)', () => {
    before(async function () {
      this.timeout(180000);
      const project = gce.projects.operator.id;
      const bucket = gce.bucket('operator');
      const file = gce.storage('operator').bucket(bucket).file('browse.tar.gz');
      const [uri] = await file.createResumableUpload({ metadata: { contentType: 'application/gzip' } });
      await pipeline(
        tarGzStream([{ name: 'disk.raw', size: 1024 * 1024, seed: 3 }]),
        file.createWriteStream({ uri, resumable: true, validation: false }),
      );
      const { images, operations } = gce.compute('operator');
      for (let i = 0; i < SEEDED; i += 8) {
        const names = Array.from({ length: Math.min(8, SEEDED - i) }, (_, j) => `browse-${suffix}-${i + j}`);
        const ops = await Promise.all(
          names.map(async (name) => {
            const [op] = await images.insert({
              project,
              imageResource: {
                name,
                rawDisk: { source: `https://storage.googleapis.com/${bucket}/browse.tar.gz` },
              },
            });
            return op.latestResponse.name;
          }),
        );
        for (const operation of ops) {
          let done = (await operations.get({ project, operation }))[0];
          while (done.status !== 'DONE') [done] = await operations.wait({ project, operation });
        }
        gceNames.push(...names);
      }
      const registered = await api('POST', '/v1/clouds', {
        name: `gce-${suffix}`,
        type: 'gcp',
        region_name: 'global',
        zone: 'zone-b',
        project,
        bucket,
      });
      assert.equal(registered.status, 201, registered.text);
      await waitFor(
        'the gcp cloud to show its capabilities',
        async () => (await api('GET', `/v1/clouds/gce-${suffix}`)).body?.capabilities ?? undefined,
        60000,
      );
    });

    it('pages images.list by maxResults and pageToken, as GCE does', async () => {
      const { images } = gce.compute('operator');
      const project = gce.projects.operator.id;
      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const [items, , raw] = await images.list(
          { project, maxResults: 10, ...(pageToken ? { pageToken } : {}) },
          { autoPaginate: false },
        );
        assert.ok(items.length <= 10);
        seen.push(...items.map((i) => i.name as string));
        pageToken = raw?.nextPageToken ?? undefined;
        pages += 1;
      } while (pageToken);
      assert.equal(pages, Math.ceil(gceNames.length / 10));
      assert.deepEqual([...seen].sort(), [...gceNames].sort());
    });

    it('walks every page by next links, past the window, each image once, an image name still a marker', async () => {
      const limit = 6;
      const w = await walk(`/v1/clouds/gce-${suffix}/images?limit=${limit}`, stack.admin.id);
      checkWalk(w, limit, gceNames);
      assert.equal(w.ids.length, gceNames.length);
      for (const p of w.pages.filter((x) => x.next)) assert.match(markerOf(p.next ?? ''), /^~p1\./);
      const from = w.ids[WINDOW + 2] as string;
      const rest = await walk(
        `/v1/clouds/gce-${suffix}/images?limit=${limit}&marker=${from}`,
        stack.admin.id,
      );
      assert.deepEqual(rest.ids, w.ids.slice(WINDOW + 3));
    });
  });
});
