/**
 * The openstack client plugin of python-gimmingclient (python-gimmingclient/), installed into a venv on
 * Debian's python3 by tools/ensure-python-client.sh, driven as a user drives it: `openstack gimming ...`
 * against the real daemons, Keystone and both Glance zones. Checks that every kind of command works
 * (clouds, images with an upload under a pseudo-terminal and --wait, adopt, sync, refresh, set, members,
 * link and unlink, tasks, matrix, delete --delete-remote --wait), application credentials through OS_*,
 * errors with status and request id, the endpoint from the Keystone catalog, and that `gimming ... -f json`
 * and `openstack gimming ... -f json` print the same for the same calls. (Its unit tests and flake8:
 * tools/check-python.sh.)
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { http } from '../support/http';
import { type Glance, type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, type Testbed } from '../support/testbed';

const GIMMING = resolve(REPO_ROOT, 'bin/gimming');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { env, cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('the openstack client plugin (python-gimmingclient)', function () {
  this.timeout(240000);
  let bed: Testbed;
  /** The stack's API (never the catalog's: port 9595 belongs to the CLI test and the demo). */
  let API: string;
  let venv: string;
  let home: string;
  let demo: Token;
  let glanceA: Glance;
  let uploadedId: string;
  let adoptedId: string;
  /** Serves image data to import, on 127.0.0.2 (allowed by the import filter below). */
  let source: Server;
  const sourceData = randomBytes(1024 * 1024);

  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${venv}/bin:${process.env.PATH ?? ''}`,
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    ...extra,
  });
  /** `openstack [--os-cloud <cloud>] gimming <args>` with the plugin's venv. */
  const openstack = (args: string[], cloud: string | null = 'demo', extra: Record<string, string> = {}) =>
    run(
      join(venv, 'bin/openstack'),
      [...(cloud ? ['--os-cloud', cloud] : []), 'gimming', ...args],
      env(extra),
      home,
    );
  const gimming = (args: string[], cloud = 'demo') =>
    run(
      process.execPath,
      [GIMMING, '--os-cloud', cloud, '--os-endpoint-override', API, ...args],
      env(),
      home,
    );

  async function json(args: string[], cloud = 'demo'): Promise<any> {
    const res = await openstack([...args, '-f', 'json'], cloud);
    assert.equal(res.code, 0, `openstack gimming ${args.join(' ')}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  }

  /**
   * The same call through both clients: the same JSON (of what `pick` keeps of it, for a listing that
   * other tests change meanwhile).
   */
  async function parity(args: string[], pick = (doc: any) => doc): Promise<any> {
    const [py, ts] = await Promise.all([
      openstack([...args, '-f', 'json']),
      gimming([...args, '-f', 'json']),
    ]);
    assert.equal(py.code, 0, `openstack gimming ${args.join(' ')}: ${py.stderr}`);
    assert.equal(ts.code, 0, `gimming ${args.join(' ')}: ${ts.stderr}`);
    const parsed = pick(JSON.parse(py.stdout));
    assert.deepStrictEqual(parsed, pick(JSON.parse(ts.stdout)), `${args.join(' ')}: both clients agree`);
    return parsed;
  }

  // The clouds are registered by the test itself, through the plugin.
  const stack = useStack({
    registerClouds: false,
    // The import source listens before the config is written: the import filter must allow its port.
    beforeStart: async () => {
      source = createServer((_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': sourceData.length,
        });
        res.end(sourceData);
      });
      await new Promise<void>((ok) => source.listen(0, '127.0.0.2', ok));
    },
    extraConfig: () =>
      `[import_filtering]\nallowed_ports = 80,443,${(source.address() as AddressInfo).port}\n` +
      'allowed_private_networks = 127.0.0.2/32',
    // The copies this test left in the shared Glance zones.
    beforeStop: async () => {
      if (home && venv) {
        await openstack(['image', 'delete', 'osc-renamed', 'osc-imported', '--delete-remote', '--wait']);
      }
    },
  });

  before(async function () {
    this.timeout(300000);
    venv = execFileSync('bash', [join(REPO_ROOT, 'tools/ensure-python-client.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    ({ bed, demo, api: API } = stack);
    home = mkdtempSync(join(tmpdir(), 'gimming-osc-'));
    glanceA = stack.glance('zone-a');
    const cloud = (u: typeof bed.users.demo) => ({
      auth: {
        auth_url: bed.auth_url,
        username: u.username,
        password: u.password,
        project_name: u.project_name,
        user_domain_name: u.user_domain_name,
        project_domain_name: u.project_domain_name,
      },
      region_name: 'RegionOne',
      // The test's API, not the catalog's.
      image_manager_endpoint_override: API,
    });
    writeFileSync(
      join(home, 'clouds.yaml'),
      JSON.stringify({ clouds: { demo: cloud(bed.users.demo), admin: cloud(bed.users.admin) } }),
    );
  });

  after(() => {
    source?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('registers clouds as an administrator; a member is refused with status and request id', async () => {
    for (const [name, region] of [
      ['zone-a', 'RegionOne'],
      ['zone-b', 'RegionTwo'],
    ] as const) {
      const made = await json(['cloud', 'create', name, '--region', region], 'admin');
      assert.equal(made.region_name, region);
    }
    const denied = await openstack(['cloud', 'create', 'zone-x', '--region', 'RegionOne']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /gimming:cloud:create.*\(HTTP 403\) \(Request-ID: req-[0-9a-f-]{36}\)/);
    const clouds = await parity(['cloud', 'list', '--long']);
    assert.deepEqual(
      clouds.map((c: any) => [c.Name, c.Region, c['Agents Up']]),
      [
        ['zone-a', 'RegionOne', 1],
        ['zone-b', 'RegionTwo', 1],
      ],
    );
    assert.equal((await parity(['cloud', 'show', 'zone-b'])).zone, 'zone-b');
  });

  it('registers an aws cloud with its bucket; both clients show it alike', async () => {
    const made = await json(
      ['cloud', 'create', 'osc-ec2', '--type', 'aws', '--region', 'us-west-2', '--bucket', 'osc-transfers'],
      'admin',
    );
    assert.equal(made.type, 'aws');
    assert.equal(made.bucket, 'osc-transfers');
    const shown = await parity(['cloud', 'show', 'osc-ec2']);
    assert.equal(shown.bucket, 'osc-transfers');
    const listed = await parity(['cloud', 'list', '--long']);
    assert.deepEqual(
      listed.map((c: any) => [c.Name, c.Type, c.Bucket]),
      [
        ['osc-ec2', 'aws', 'osc-transfers'],
        ['zone-a', 'openstack', ''],
        ['zone-b', 'openstack', ''],
      ],
    );
    const bad = await openstack(
      ['cloud', 'create', 'osc-ec2-bad', '--type', 'aws', '--region', 'us-west-2', '--bucket', 'Bad_Bucket'],
      'admin',
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not an S3 bucket name.*\(HTTP 400\)/);
    const removed = await openstack(['cloud', 'delete', 'osc-ec2'], 'admin');
    assert.equal(removed.code, 0, removed.stderr);
  });

  it('registers a gcp cloud with its project, bucket, location and family; both clients show it alike', async () => {
    const made = await json(
      [
        'cloud',
        'create',
        'osc-gce',
        '--type',
        'gcp',
        '--region',
        'global',
        '--gcp-project',
        'osc-project',
        '--bucket',
        'osc-transfers',
        '--storage-location',
        'europe-west1',
        '--family',
        'osc-images',
      ],
      'admin',
    );
    assert.deepEqual(
      [made.type, made.project, made.bucket, made.storage_location, made.family],
      ['gcp', 'osc-project', 'osc-transfers', 'europe-west1', 'osc-images'],
    );
    const shown = await parity(['cloud', 'show', 'osc-gce']);
    assert.deepEqual([shown.project, shown.storage_location], ['osc-project', 'europe-west1']);
    const listed = await parity(['cloud', 'list', '--long']);
    assert.deepEqual(
      listed.filter((c: any) => c.Name === 'osc-gce').map((c: any) => [c.Type, c.Bucket]),
      [['gcp', 'osc-transfers']],
    );
    for (const [args, words] of [
      [
        ['--gcp-project', 'Osc_Project', '--bucket', 'osc-transfers'],
        /needs project: a Google Cloud project ID/,
      ],
      [
        ['--gcp-project', 'osc-project', '--bucket', 'goog-transfers'],
        /not a Cloud Storage bucket name: it must not begin with goog/,
      ],
    ] as const) {
      const bad = await openstack(
        ['cloud', 'create', 'osc-gce-bad', '--type', 'gcp', '--region', 'global', ...args],
        'admin',
      );
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, new RegExp(`${words.source}.*\\(HTTP 400\\)`));
    }
    const removed = await openstack(['cloud', 'delete', 'osc-gce'], 'admin');
    assert.equal(removed.code, 0, removed.stderr);
  });

  it('creates an image from a file with a progress bar on a terminal, and --wait follows its copies', async () => {
    const file = join(home, 'disk.raw');
    writeFileSync(file, randomBytes(8 * 1024 * 1024));
    const cmd = [
      join(venv, 'bin/openstack'),
      '--os-cloud',
      'demo',
      'gimming',
      'image',
      'create',
      'osc-uploaded',
      '--file',
      file,
      '--target',
      'zone-a',
      '--target',
      'zone-b',
      '--property',
      'os_distro=cirros',
      '--wait',
      '-f',
      'json',
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    // `script` gives the command a pseudo-terminal and records what it drew.
    const typescript = execFileSync('script', ['-qefc', cmd, '/dev/null'], {
      cwd: home,
      env: env({ TERM: 'xterm' }),
      encoding: 'utf8',
    });
    assert.match(typescript, /Uploading \[#{30}\] 100% 8\.0 MiB\/8\.0 MiB [\d.]+ [KMG]?i?B\/s ETA 00:00/);
    assert.match(typescript, /copy zone-a: succeeded 100\.0%/);
    assert.match(typescript, /copy zone-b: succeeded 100\.0%/);
    const image = await parity(['image', 'show', 'osc-uploaded']);
    // Objects and lists outside json and yaml: compact JSON from both (not Python reprs), fields in the
    // order of -c. (cliff quotes every CSV field that is not a number unless told --quote minimal.)
    for (const [args, pyOnly] of [
      [['image', 'show', 'osc-uploaded', '-f', 'value', '-c', 'properties', '-c', 'locations'], []],
      [['image', 'show', 'osc-uploaded', '-f', 'shell', '-c', 'properties', '-c', 'name'], []],
      [
        ['image', 'list', '--long', '-f', 'csv', '-c', 'Properties', '-c', 'Name'],
        ['--quote', 'minimal'],
      ],
    ]) {
      const [py, ts] = await Promise.all([openstack([...args!, ...pyOnly!]), gimming(args!)]);
      assert.equal(py.code, 0, py.stderr);
      assert.equal(py.stdout, ts.stdout, `${args!.join(' ')}: both clients agree`);
    }
    uploadedId = image.id;
    assert.equal(image.status, 'active');
    assert.equal(image.size, 8 * 1024 * 1024);
    assert.deepEqual(image.properties, { os_distro: 'cirros' });
    assert.equal(image.available_in, 'zone-a, zone-b');
    // Not on a terminal: no bar, the tasks' final lines only.
    const again = await openstack(['image', 'upload', uploadedId, file]);
    assert.equal(again.code, 1, 'an image has its data once');
    assert.match(again.stderr, /\(HTTP 409\)/);
    assert.ok(!again.stderr.includes('Uploading ['), again.stderr);
  });

  it('adopts, syncs with --wait, refreshes, and agrees with gimming on lists, tasks and the matrix', async () => {
    const { image } = await glanceA.createWithData(64 * 1024, { name: 'osc-source' });
    const adopted = await json(['image', 'adopt', image.id, '--cloud', 'zone-a', '--name', 'osc-adopted']);
    adoptedId = adopted.id;
    assert.deepEqual(adopted.locations, [`zone-a: active (${image.id})`]);
    const sync = await openstack([
      'image',
      'sync',
      'osc-adopted',
      '--target',
      'zone-b',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stderr, /^copy zone-b: succeeded/m);
    assert.equal(JSON.parse(sync.stdout).available_in, 'zone-a, zone-b');
    assert.equal((await json(['image', 'refresh', adoptedId])).status, 'active');

    const images = await parity(['image', 'list', '--long', '--sort-column', 'Name']);
    assert.deepEqual(
      images.map((i: any) => [i.Name, i.Locations]),
      [
        ['osc-adopted', 'zone-a=active, zone-b=active'],
        ['osc-uploaded', 'zone-a=active, zone-b=active'],
      ],
    );
    const tasks = await parity(['task', 'list', '--image', 'osc-uploaded', '--long']);
    assert.deepEqual(tasks.map((t: any) => [t.Type, t.Status, t.Progress]).sort(), [
      ['copy', 'succeeded', '100%'],
      ['copy', 'succeeded', '100%'],
    ]);
    assert.equal((await parity(['task', 'show', tasks[0].ID])).bytes_done, 8 * 1024 * 1024);
    // The image's desired clouds: a dry run agrees with gimming's, and the real one removes the copy.
    const plan = await parity(['image', 'set-clouds', 'osc-adopted', 'zone-a', '--dry-run']);
    assert.deepEqual([plan.keep, plan.add, plan.remove, plan.refused], ['zone-a', '-', 'zone-b', '-']);
    const copyB = (await json(['image', 'show', adoptedId])).locations.find((l: string) =>
      l.startsWith('zone-b'),
    );
    const removed = await openstack([
      'image',
      'set-clouds',
      'osc-adopted',
      'zone-a',
      'zone-b',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).remove, '-', 'nothing to remove when every cloud is kept');
    assert.ok(copyB, 'zone-b holds a copy');
    const matrix = await parity(['matrix']);
    assert.deepEqual(matrix.map((r: any) => [r.Image, r['zone-a'], r['zone-b']]).sort(), [
      ['osc-adopted', 'active', 'active'],
      ['osc-uploaded', 'active', 'active'],
    ]);
    const table = await openstack(['matrix', '-f', 'table']);
    assert.match(table.stdout, /\| osc-adopted +\| [0-9a-f-]{36} \| ok +\| ok +\|/);
    // The images of zone-a's Glance: this test's only (the test bed's Glance is shared).
    const inCloud = await parity(['cloud', 'image', 'list', 'zone-a', '--long'], (rows: any[]) =>
      rows.filter((i) => i.Name.startsWith('osc-')),
    );
    assert.equal(inCloud.find((i: any) => i.ID === image.id)['Tracked By'], adoptedId);
  });

  it('renames, shares and unshares, unlinks and links, -c and -f value', async () => {
    const set = await json(['image', 'set', adoptedId, '--name', 'osc-renamed', '--visibility', 'shared']);
    assert.deepEqual([set.name, set.visibility], ['osc-renamed', 'shared']);
    const alt = await issueToken(bed, bed.users.alt);
    const added = await json(['image', 'member', 'add', 'osc-renamed', alt.projectId]);
    assert.equal(added.member_id, alt.projectId);
    assert.equal(added.status, 'zone-a=pending, zone-b=pending');
    assert.deepEqual(
      (await parity(['image', 'member', 'list', 'osc-renamed'])).map((m: any) => m['Member ID']),
      [alt.projectId],
    );
    assert.equal((await openstack(['image', 'member', 'remove', 'osc-renamed', alt.projectId])).code, 0);
    assert.deepEqual(await json(['image', 'member', 'list', 'osc-renamed']), []);

    const shown = await json(['image', 'show', adoptedId]);
    const remoteB = /zone-b: active \(([0-9a-f-]{36})\)/.exec(shown.locations.join('\n'))![1]!;
    assert.equal((await openstack(['image', 'unlink', adoptedId, 'zone-b'])).code, 0);
    assert.equal((await json(['image', 'show', adoptedId])).available_in, 'zone-a');
    const linked = await json(['image', 'link', adoptedId, 'zone-b', remoteB]);
    assert.equal(linked.image_id, remoteB);
    const value = await openstack(['image', 'show', adoptedId, '-f', 'value', '-c', 'name', '-c', 'status']);
    assert.equal(value.stdout, 'osc-renamed\nactive\n');
  });

  it('authenticates with an application credential from OS_* and finds the endpoint in the catalog', async () => {
    const created = await http('POST', `${bed.auth_url}/users/${demo.userId}/application_credentials`, {
      token: demo.id,
      json: { application_credential: { name: `osc-${randomBytes(4).toString('hex')}` } },
    });
    assert.equal(created.status, 201, created.text);
    const cred = created.body.application_credential;
    const res = await openstack(
      ['image', 'list', '-f', 'value', '-c', 'Name', '--sort-column', 'Name'],
      null,
      {
        OS_AUTH_URL: bed.auth_url,
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: cred.id,
        OS_APPLICATION_CREDENTIAL_SECRET: cred.secret,
        OS_IMAGE_MANAGER_ENDPOINT_OVERRIDE: API,
      },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'osc-renamed\nosc-uploaded\n');
    // Without an override the client asks the catalog for image-manager (the test bed registers 9595).
    const u = bed.users.demo;
    const endpoint = execFileSync(
      join(venv, 'bin/python'),
      [
        '-c',
        'import sys\n' +
          'from keystoneauth1 import loading, session\n' +
          'from gimmingclient import client\n' +
          "auth = loading.get_plugin_loader('password').load_from_options(auth_url=sys.argv[1],\n" +
          '    username=sys.argv[2], password=sys.argv[3], project_name=sys.argv[4],\n' +
          "    user_domain_name='Default', project_domain_name='Default')\n" +
          "c = client.Client('1', session=session.Session(auth=auth), region_name='RegionOne')\n" +
          'print(c.http.endpoint())',
        bed.auth_url,
        u.username,
        u.password,
        u.project_name,
      ],
      { cwd: home, env: env(), encoding: 'utf8' },
    );
    assert.equal(endpoint.trim(), 'http://127.0.0.1:9595');
  });

  it('reports errors as the gimming CLI does, and deletes everywhere with --wait', async () => {
    const missing = await openstack(['image', 'show', 'no-such-image']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No image with a name or ID of 'no-such-image' exists\. \(HTTP 404\)/);
    const both = await openstack(['image', 'create', 'x', '--target', 'zone-a', '--file', 'a', '--url', 'b']);
    assert.equal(both.code, 2, 'a usage error');
    const partly = await openstack([
      'image',
      'delete',
      'no-such-image',
      uploadedId,
      '--delete-remote',
      '--wait',
    ]);
    assert.equal(partly.code, 1, partly.stderr);
    assert.match(partly.stderr, /Failed to delete image no-such-image: No image/);
    assert.match(partly.stderr, /^delete zone-a: succeeded/m);
    assert.match(partly.stderr, /^delete zone-b: succeeded/m);
    const task = (await json(['task', 'list', '--image', adoptedId, '--status', 'succeeded']))[0];
    const cancel = await openstack(['task', 'cancel', task.ID, '--wait']);
    assert.equal(cancel.code, 1, 'an ended task cannot be cancelled');
    assert.match(cancel.stderr, new RegExp(`^Failed to cancel task ${task.ID}: .*\\(HTTP 409\\)`, 'm'));
    // The same error line as gimming's, but for the request id.
    const ts = await gimming(['task', 'cancel', task.ID]);
    const line = (text: string) => text.trim().replace(/req-[0-9a-f-]{36}/, 'req-*');
    assert.equal(line(cancel.stderr), line(ts.stderr));
    const gone = await openstack(['image', 'show', uploadedId]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /\(HTTP 404\) \(Request-ID: req-/);
  });

  it('shares the local cache with gimming: image list --cached', async () => {
    assert.equal((await gimming(['image', 'list', '-f', 'json'])).code, 0);
    const cached = await openstack(['image', 'list', '--cached', '--property', 'nope=1', '-f', 'json']);
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /Cached listing from \S+ \(\d+ s ago\)\./);
    assert.deepEqual(JSON.parse(cached.stdout), []);
    const all = await openstack(['image', 'list', '--cached', '-f', 'value', '-c', 'Name']);
    assert.equal(all.stdout, 'osc-renamed\n');
  });

  it('imports from a URL with --wait: the import, then the copies it queued', async () => {
    const url = `http://127.0.0.2:${(source.address() as AddressInfo).port}/disk.raw`;
    const res = await openstack([
      'image',
      'create',
      'osc-imported',
      '--url',
      url,
      '--target',
      'zone-a',
      '--target',
      'zone-b',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /^import .*: succeeded/m);
    assert.match(res.stderr, /^copy zone-a: succeeded/m);
    assert.match(res.stderr, /^copy zone-b: succeeded/m);
    const image = JSON.parse(res.stdout);
    assert.equal(image.status, 'active');
    assert.equal(image.size, sourceData.length);
    assert.equal(image.available_in, 'zone-a, zone-b');
  });
});
