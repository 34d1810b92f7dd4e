/**
 * The `gimming` command line, run as a subprocess the way a user runs it, against the real daemons,
 * Keystone and both Glance zones: clouds.yaml and OS_* environment authentication, token and application
 * credential, the endpoint from the Keystone catalog, every command's output in json and table format,
 * errors, --wait, the local cache, and the progress bar under a pseudo-terminal. Its zone-b agents also
 * reach the EC2 and the GCE stand-ins: an aws and a gcp cloud registered with the command, an image
 * synced into them, and the matrix saying the kind of each of its columns.
 *
 * The test's API has a catalog entry of its own (type image-manager) in a Keystone region the test makes
 * and removes, so the command finds it through the catalog while `npm run demo`'s API holds the test
 * bed's entry on 9595.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AwsStandin } from '../support/aws-standin';
import { GceStandin } from '../support/gce-standin';
import { http, waitFor } from '../support/http';
import { type Glance, type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';
import { CLIENT_MAX_API_VERSION } from '../../src/gimmingclient/api-version';

const BIN = resolve(__dirname, '../../../bin/gimming');
const REGION = `RegionCLI-${randomBytes(3).toString('hex')}`;
// Names of the images this run uploads into the shared test bed's Glance: a run's own, so that what an
// earlier run left there is not a name conflict (from 1.7 a create refuses a target holding the name).
const RUN = randomBytes(3).toString('hex');
const UPLOADED = `cli-uploaded-${RUN}`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the gimming command line', function () {
  this.timeout(180000);
  let bed: Testbed;
  let home: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  let clouds: string;
  let admin: Token;
  let endpointId: string | undefined;

  /** Runs gimming with a clean environment plus `env`. */
  function gimming(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((done) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), ...env },
          cwd: home,
          maxBuffer: 16 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? ((err as { code?: number }).code ?? 1) : 0;
          done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
        },
      );
    });
  }

  const asDemo = (args: string[]) => gimming(['--os-cloud', 'demo', ...args]);
  const asAdmin = (args: string[]) => gimming(['--os-cloud', 'admin', ...args]);

  /** Runs a command in json (parsed) and in table format; both must succeed. */
  async function both(args: string[], run = asDemo): Promise<any> {
    const json = await run([...args, '-f', 'json']);
    assert.equal(json.code, 0, `${args.join(' ')} -f json: ${json.stderr}`);
    const table = await run([...args, '-f', 'table']);
    assert.equal(table.code, 0, `${args.join(' ')} -f table: ${table.stderr}`);
    const parsed = JSON.parse(json.stdout);
    if (!(Array.isArray(parsed) && parsed.length === 0)) {
      assert.match(table.stdout, /^\+-+\+/, `${args.join(' ')}: a table`);
      const header = Array.isArray(parsed) ? Object.keys(parsed[0])[0] : 'Field';
      assert.ok(table.stdout.includes(`| ${header}`), `${args.join(' ')}: header ${header}`);
    }
    return parsed;
  }

  const aws = new AwsStandin({ minDurationMs: 500, tickMs: 100 });
  const gce = new GceStandin({ insertMs: 500 });
  before(async function () {
    this.timeout(60000);
    await Promise.all([aws.start(), gce.start()]);
  });
  after(async () => {
    await Promise.all([aws.stop(), gce.stop()]);
  });

  // The test registers the clouds itself, through the command line. Its API's catalog entry is made once
  // the port is picked, before the daemons start.
  const stack = useStack({
    registerClouds: false,
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
    beforeStart: async (s) => {
      bed = s.bed;
      admin = await issueToken(bed, bed.users.admin);
      const services = await http('GET', `${bed.auth_url}/services?type=image-manager`, { token: admin.id });
      assert.equal(services.status, 200, services.text);
      const region = await http('POST', `${bed.auth_url}/regions`, {
        token: admin.id,
        json: { region: { id: REGION } },
      });
      assert.equal(region.status, 201, region.text);
      const endpoint = await http('POST', `${bed.auth_url}/endpoints`, {
        token: admin.id,
        json: {
          endpoint: {
            service_id: services.body.services[0].id,
            interface: 'public',
            region_id: REGION,
            url: s.api,
          },
        },
      });
      assert.equal(endpoint.status, 201, endpoint.text);
      endpointId = endpoint.body.endpoint.id;
    },
  });

  before(function () {
    home = mkdtempSync(join(tmpdir(), 'gimming-cli-'));
    demo = stack.demo;
    glanceA = stack.glance('zone-a');
    glanceB = stack.glance('zone-b');
    const cloud = (u: typeof bed.users.demo) => ({
      auth: {
        auth_url: bed.auth_url,
        username: u.username,
        project_name: u.project_name,
        user_domain_name: u.user_domain_name,
        project_domain_name: u.project_domain_name,
      },
      region_name: REGION,
    });
    // Passwords in secure.yaml beside clouds.yaml, as openstacksdk allows.
    clouds = JSON.stringify({ clouds: { demo: cloud(bed.users.demo), admin: cloud(bed.users.admin) } });
    writeFileSync(join(home, 'clouds.yaml'), clouds);
    writeFileSync(
      join(home, 'secure.yaml'),
      JSON.stringify({
        clouds: {
          demo: { auth: { password: bed.users.demo.password } },
          admin: { auth: { password: bed.users.admin.password } },
        },
      }),
    );
  });

  after(async function () {
    this.timeout(60000);
    if (home) rmSync(home, { recursive: true, force: true });
    if (admin) {
      if (endpointId) await http('DELETE', `${bed.auth_url}/endpoints/${endpointId}`, { token: admin.id });
      await http('DELETE', `${bed.auth_url}/regions/${REGION}`, { token: admin.id });
    }
  });

  it('registers and shows clouds (admin, clouds.yaml in the working directory, catalog endpoint)', async () => {
    for (const [name, region] of [
      ['zone-a', 'RegionOne'],
      ['zone-b', 'RegionTwo'],
    ]) {
      const res = await asAdmin([
        'cloud',
        'create',
        name as string,
        '--region',
        region as string,
        '-f',
        'json',
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(JSON.parse(res.stdout).region_name, region);
    }
    const denied = await asDemo(['cloud', 'create', 'zone-x', '--region', 'RegionOne']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /\(HTTP 403\) \(Request-ID: req-[0-9a-f-]{36}\)/);
    const listed = await both(['cloud', 'list']);
    assert.deepEqual(
      listed.map((c: any) => [c.Name, c.Region, c['Agents Up']]),
      [
        ['zone-a', 'RegionOne', 1],
        ['zone-b', 'RegionTwo', 1],
      ],
    );
    assert.ok('Owner' in (await both(['cloud', 'list', '--long']))[0], '--long adds columns');
    assert.equal((await both(['cloud', 'show', 'zone-b'])).zone, 'zone-b');
    // A cloud made in table format, then removed (it holds nothing).
    const made = await asAdmin([
      'cloud',
      'create',
      'zone-t',
      '--region',
      'RegionOne',
      '--zone',
      'zone-a',
      '-f',
      'table',
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /\| name +\| zone-t +\|/);
    assert.equal((await asAdmin(['cloud', 'delete', 'zone-t'])).code, 0);
    assert.equal((await asDemo(['cloud', 'show', 'zone-t'])).code, 1);
  });

  it('prints what it made in table format too (create, adopt, sync)', async () => {
    const created = await asDemo(['image', 'create', 'cli-table', '--target', 'zone-a', '-f', 'table']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /\| status +\| queued +\|/);
    const { image } = await glanceA.createWithData(16 * 1024, { name: 'cli-table-source' });
    const adopted = await asDemo([
      'image',
      'adopt',
      image.id,
      '--cloud',
      'zone-a',
      '--name',
      'cli-table-adopted',
      '-f',
      'table',
    ]);
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.match(adopted.stdout, /\| name +\| cli-table-adopted +\|/);
    const synced = await asDemo([
      'image',
      'sync',
      'cli-table-adopted',
      '--target',
      'zone-b',
      '--wait',
      '-f',
      'table',
    ]);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /\| available_in +\| zone-a, zone-b +\|/);
    const adoptedId = (
      await asDemo(['image', 'show', 'cli-table-adopted', '-f', 'value', '-c', 'id'])
    ).stdout.trim();
    assert.ok(adoptedId, adopted.stdout);
    const [copy] = await glanceB.list({ gimming_image_id: adoptedId });
    assert.equal(copy?.status, 'active', 'the synced copy is in zone-b itself');
    assert.equal(copy?.checksum, image.checksum);
    assert.equal(
      (await asDemo(['image', 'delete', 'cli-table', 'cli-table-adopted', '--delete-remote', '--wait'])).code,
      0,
    );
    assert.equal(await glanceB.get(copy.id), undefined, 'the copy is deleted from zone-b');
    assert.equal(await glanceA.get(image.id), undefined, 'the source is deleted from zone-a');
  });

  let adoptedId: string;
  let sourceId: string;

  it('adopts an image with --wait, authenticated from OS_* variables alone', async () => {
    const { image } = await glanceA.createWithData(256 * 1024, { name: 'cli-adopted' });
    sourceId = image.id;
    const u = bed.users.demo;
    const env = {
      OS_AUTH_URL: bed.auth_url,
      OS_USERNAME: u.username,
      OS_PASSWORD: u.password,
      OS_PROJECT_NAME: u.project_name,
      OS_USER_DOMAIN_NAME: u.user_domain_name,
      OS_PROJECT_DOMAIN_NAME: u.project_domain_name,
      OS_REGION_NAME: REGION,
    };
    const res = await gimming(
      ['image', 'adopt', sourceId, '--cloud', 'zone-a', '--target', 'zone-b', '--wait', '-f', 'json'],
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    const shown = JSON.parse(res.stdout);
    adoptedId = shown.id;
    assert.equal(shown.name, 'cli-adopted');
    assert.match(
      res.stderr,
      /copy zone-b: succeeded/,
      'the end of each task is reported when not on a terminal',
    );
    const copies = await glanceB.list({ gimming_image_id: adoptedId });
    assert.equal(copies.length, 1);
    assert.equal(copies[0].checksum, image.checksum);
  });

  it('lists and shows images in every format, by name or ID', async () => {
    const list = await both(['image', 'list']);
    const row = list.find((i: any) => i.ID === adoptedId);
    assert.deepEqual(row, {
      ID: adoptedId,
      Name: 'cli-adopted',
      Status: 'active',
      Locations: 'zone-a=active, zone-b=active',
    });
    const shown = await both(['image', 'show', 'cli-adopted']);
    assert.equal(shown.id, adoptedId);
    assert.deepEqual(shown.available_in, 'zone-a, zone-b');
    const yaml = await asDemo(['image', 'show', adoptedId, '-f', 'yaml', '-c', 'status']);
    assert.equal(yaml.stdout.trim(), 'status: active');
    const value = await asDemo(['image', 'list', '-f', 'value', '-c', 'ID', '-c', 'Name']);
    assert.ok(value.stdout.split('\n').includes(`${adoptedId} cli-adopted`));
    const shell = await asDemo(['image', 'show', adoptedId, '-f', 'shell', '-c', 'id', '--prefix', 'img_']);
    assert.equal(shell.stdout.trim(), `img_id="${adoptedId}"`);
    const csv = await asDemo(['image', 'list', '-f', 'csv', '-c', 'Name', '-c', 'Status']);
    assert.ok(csv.stdout.startsWith('Name,Status\n'));
    const long = await both(['image', 'list', '--long', '--sort-column', 'Name', '--sort-descending']);
    assert.ok('Properties' in long[0]);
    const names = long.map((i: any) => i.Name);
    assert.deepEqual(names, [...names].sort().reverse());
    const browse = await both(['cloud', 'image', 'list', 'zone-a']);
    assert.equal(browse.find((i: any) => i.ID === sourceId)['Tracked By'], adoptedId);
  });

  it('negotiates the microversion and follows the browse pages at 1.1; one page at 1.0; refuses what neither knows', async () => {
    const ids = (rows: any[]) => rows.map((r) => r.ID);
    const all = await both(['cloud', 'image', 'list', 'zone-a']);
    assert.ok(all.length >= 2, 'zone-a has images to page through');
    // Pages of one image each: the CLI follows `next` to the end (1.1 negotiated, no option needed).
    assert.deepEqual(ids(await both(['cloud', 'image', 'list', 'zone-a', '--page-size', '1'])), ids(all));
    const two = await both(['cloud', 'image', 'list', 'zone-a', '--page-size', '1', '--limit', '2']);
    assert.deepEqual(ids(two), ids(all).slice(0, 2));
    const after = await both(['cloud', 'image', 'list', 'zone-a', '--marker', all[0].ID]);
    assert.deepEqual(ids(after), ids(all).slice(1));
    // At 1.0 (asked for by option or environment) the server gives one page with no next link.
    const old = await both([
      '--os-image-manager-api-version',
      '1.0',
      'cloud',
      'image',
      'list',
      'zone-a',
      '--page-size',
      '1',
    ]);
    assert.equal(old.length, 1);
    const env = await gimming(
      ['--os-cloud', 'demo', 'cloud', 'image', 'list', 'zone-a', '--page-size', '1', '-f', 'json'],
      { OS_IMAGE_MANAGER_API_VERSION: '1.0' },
    );
    assert.equal(env.code, 0, env.stderr);
    assert.equal(JSON.parse(env.stdout).length, 1);
    for (const [version, message] of [
      [
        '1.99',
        new RegExp(
          `API version 1\\.99 is not known to this client, which knows 1\\.0 to ${CLIENT_MAX_API_VERSION.replace('.', '\\.')}`,
        ),
      ],
      ['latest-ish', /is not a version/],
    ] as const) {
      const res = await gimming(['--os-cloud', 'demo', 'cloud', 'list'], {
        OS_IMAGE_MANAGER_API_VERSION: version,
      });
      assert.equal(res.code, 1, res.stdout);
      assert.match(res.stderr, message);
    }
  });

  it('lists images when the cache cannot be written', async () => {
    // XDG_CACHE_HOME is a file: the cache directory cannot be made, for root too.
    const blocked = join(home, 'not-a-directory');
    writeFileSync(blocked, '');
    const res = await gimming(['--os-cloud', 'demo', 'image', 'list', '-f', 'json'], {
      XDG_CACHE_HOME: blocked,
    });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(JSON.parse(res.stdout).some((i: any) => i.ID === adoptedId));
  });

  it('uploads a file once to two clouds and follows the copies', async () => {
    const file = join(home, 'disk.raw');
    const bytes = randomBytes(3 * 1024 * 1024);
    writeFileSync(file, bytes);
    const res = await asDemo([
      'image',
      'create',
      UPLOADED,
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
    ]);
    assert.equal(res.code, 0, res.stderr);
    const image = JSON.parse(res.stdout);
    assert.equal(image.size, 3 * 1024 * 1024);
    assert.equal(image.available_in, 'zone-a, zone-b', 'with --wait, the image as the copies left it');
    assert.equal((res.stderr.match(/^copy zone-[ab]: succeeded/gm) ?? []).length, 2, 'both copies followed');
    assert.deepEqual(image.properties, { os_distro: 'cirros' });
    // Each cloud itself holds one active copy with the file's bytes, tagged with the image.
    const md5 = createHash('md5').update(bytes).digest('hex');
    const sha512 = createHash('sha512').update(bytes).digest('hex');
    for (const glance of [glanceA, glanceB]) {
      const copies = await glance.list({ gimming_image_id: image.id });
      assert.equal(copies.length, 1, `${glance.url}: ${JSON.stringify(copies.map((c) => c.id))}`);
      assert.equal(copies[0].status, 'active');
      assert.equal(copies[0].size, bytes.length);
      assert.equal(copies[0].checksum, md5);
      assert.equal(copies[0].os_hash_value, sha512);
      assert.equal(copies[0].os_distro, 'cirros');
    }
    assert.ok(!res.stderr.includes('Uploading ['), 'no progress bar when stderr is not a terminal');
    const tasks = await both(['task', 'list', '--image', UPLOADED]);
    assert.deepEqual(
      tasks.map((t: any) => t.Status),
      ['succeeded', 'succeeded'],
    );
    const one = await both(['task', 'show', tasks[0].ID]);
    assert.equal(one.status, 'succeeded');
    assert.equal(one.bytes_done, 3 * 1024 * 1024);
  });

  it('shows a progress bar with bytes, rate and ETA on a terminal', async () => {
    const file = join(home, 'big.raw');
    writeFileSync(file, randomBytes(64 * 1024 * 1024));
    const created = await asDemo([
      'image',
      'create',
      `cli-tty-${RUN}`,
      '--target',
      'zone-a',
      '-f',
      'value',
      '-c',
      'id',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const cmd = [process.execPath, BIN, '--os-cloud', 'demo', 'image', 'upload', id, file]
      .map((a) => `'${a}'`)
      .join(' ');
    // `script` gives the command a pseudo-terminal and records what it drew.
    const typescript = execFileSync('script', ['-qefc', cmd, '/dev/null'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), TERM: 'xterm' },
      encoding: 'utf8',
    });
    assert.match(
      typescript,
      /Uploading \[#+-*\] \d+% [\d.]+ [KMG]iB\/64\.0 MiB [\d.]+ [KMG]?i?B\/s ETA \d\d:\d\d/,
    );
    assert.match(typescript, /Uploading \[#{30}\] 100% 64\.0 MiB\/64\.0 MiB/);

    // On a terminal of 40 columns, the bar and the --wait lines are fitted to it: none wraps.
    const narrowId = (
      await asDemo(['image', 'create', `cli-narrow-${RUN}`, '--target', 'zone-a', '-f', 'value', '-c', 'id'])
    ).stdout.trim();
    const narrowCmd = [
      process.execPath,
      BIN,
      '--os-cloud',
      'demo',
      'image',
      'upload',
      narrowId,
      file,
      '--wait',
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const narrow = execFileSync('script', ['-qefc', `stty cols 40 rows 24; exec ${narrowCmd}`, '/dev/null'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), TERM: 'xterm' },
      encoding: 'utf8',
    });
    const drawn = narrow
      .replace(new RegExp(`${String.fromCharCode(27)}\\[\\d*[A-Za-z]`, 'g'), '')
      .split(/[\r\n]/)
      .filter(Boolean);
    assert.ok(
      drawn.some((l) => /^Uploading \[#+-*\] \d+%/.test(l)),
      narrow,
    );
    assert.ok(
      drawn.some((l) => /^\w+ zone-a: /.test(l)),
      narrow,
    );
    for (const line of drawn) assert.ok(line.length < 40, `${line.length} columns: ${line}`);
    assert.equal((await asDemo(['image', 'delete', narrowId, '--delete-remote', '--wait'])).code, 0);
  });

  it('syncs, refreshes, renames, shares and unshares, links and unlinks', async () => {
    await glanceB.delete((await glanceB.list({ gimming_image_id: adoptedId }))[0].id);
    const refreshed = await both(['image', 'refresh', adoptedId]);
    assert.ok(
      refreshed.locations.some((l: string) => l.startsWith('zone-b: missing')),
      JSON.stringify(refreshed.locations),
    );
    const sync = await asDemo(['image', 'sync', adoptedId, '--target', 'zone-b', '--wait', '-f', 'json']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal((await both(['image', 'show', adoptedId])).available_in, 'zone-a, zone-b');
    const resynced = await glanceB.list({ gimming_image_id: adoptedId });
    assert.equal(resynced.length, 1, 'zone-b itself holds the copy again, once');
    assert.equal(resynced[0].status, 'active');
    assert.equal(resynced[0].checksum, (await glanceA.get(sourceId)).checksum);

    const set = await both(['image', 'set', adoptedId, '--visibility', 'shared', '--name', 'cli-shared']);
    assert.equal(set.visibility, 'shared');
    const alt = await issueToken(bed, bed.users.alt);
    // Adding and linking change things: each format gets its own add (or link) after an undo.
    for (const format of ['json', 'table']) {
      const added = await asDemo(['image', 'member', 'add', 'cli-shared', alt.projectId, '-f', format]);
      assert.equal(added.code, 0, added.stderr);
      if (format === 'json') assert.equal(JSON.parse(added.stdout).member_id, alt.projectId);
      else assert.match(added.stdout, new RegExp(`\\| member_id +\\| ${alt.projectId} +\\|`));
      const members = await both(['image', 'member', 'list', 'cli-shared']);
      assert.equal(members[0]['Member ID'], alt.projectId);
      assert.equal(members[0].Status, 'zone-a=pending, zone-b=pending');
      assert.equal((await asDemo(['image', 'member', 'remove', 'cli-shared', alt.projectId])).code, 0);
    }
    assert.deepEqual(await both(['image', 'member', 'list', 'cli-shared']), []);

    const copyId = (await glanceB.list({ gimming_image_id: adoptedId }))[0].id;
    for (const format of ['json', 'table']) {
      assert.equal((await asDemo(['image', 'unlink', adoptedId, 'zone-b'])).code, 0);
      const unlinked = await glanceB.get(copyId);
      assert.equal(unlinked?.status, 'active', 'unlinking leaves the copy in zone-b');
      assert.equal(unlinked?.gimming_image_id, undefined, 'and untags it there');
      const linked = await asDemo(['image', 'link', adoptedId, 'zone-b', copyId, '-f', format]);
      assert.equal(linked.code, 0, linked.stderr);
      if (format === 'json') assert.equal(JSON.parse(linked.stdout).status, 'active');
      else assert.match(linked.stdout, /\| status +\| active +\|/);
      assert.equal(
        (await glanceB.get(copyId))?.gimming_image_id,
        adoptedId,
        'the linked copy is tagged in zone-b',
      );
    }
  });

  it('draws the matrix for a person, and gives it whole in json', async () => {
    const table = await asDemo(['matrix']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\| cli-shared +\| [0-9a-f-]{36} \| ok +\| ok +\|/);
    assert.match(table.stderr, /ok = active/);
    const json = await both(['matrix']);
    const row = json.find((r: any) => r.ID === adoptedId);
    assert.deepEqual(row, { Image: 'cli-shared', ID: adoptedId, 'zone-a': 'active', 'zone-b': 'active' });
  });

  it('registers an aws and a gcp cloud, syncs into both, and the matrix says the kind of each column', async () => {
    const made: Record<string, any> = {};
    for (const [name, args] of [
      [
        'cli-ec2',
        ['--type', 'aws', '--region', 'us-east-1', '--bucket', aws.bucket('operator', 'us-east-1')],
      ],
      [
        'cli-gce',
        [
          '--type',
          'gcp',
          '--region',
          'global',
          '--gcp-project',
          gce.projects.operator.id,
          '--bucket',
          gce.bucket('operator'),
          '--storage-location',
          'europe-west1',
          '--family',
          'cli-images',
        ],
      ],
    ] as const) {
      const res = await asAdmin(['cloud', 'create', name, '--zone', 'zone-b', ...args, '-f', 'json']);
      assert.equal(res.code, 0, res.stderr);
      made[name] = JSON.parse(res.stdout);
    }
    assert.equal(made['cli-ec2'].type, 'aws');
    assert.deepEqual(
      [
        made['cli-gce'].type,
        made['cli-gce'].project,
        made['cli-gce'].storage_location,
        made['cli-gce'].family,
      ],
      ['gcp', gce.projects.operator.id, 'europe-west1', 'cli-images'],
    );
    const badProject = await asAdmin([
      'cloud',
      'create',
      'cli-gce-bad',
      '--type',
      'gcp',
      '--region',
      'global',
      '--gcp-project',
      'My_Project',
      '--bucket',
      gce.bucket('operator'),
    ]);
    assert.equal(badProject.code, 1);
    assert.match(badProject.stderr, /needs project: a Google Cloud project ID.*\(HTTP 400\)/);
    await waitFor(
      'the agents of zone-b to serve both',
      async () => {
        const listed = JSON.parse((await asDemo(['cloud', 'list', '-f', 'json'])).stdout);
        const up = listed.filter((c: any) => ['cli-ec2', 'cli-gce'].includes(c.Name) && c['Agents Up'] > 0);
        return up.length === 2 ? true : undefined;
      },
      60000,
    );
    const sync = await asDemo([
      'image',
      'sync',
      adoptedId,
      '--target',
      'cli-ec2',
      '--target',
      'cli-gce',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(sync.code, 0, sync.stderr);

    const table = await asDemo(['matrix', '--name', 'cli-shared']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    // The head: the cloud names, each with its kind.
    assert.match(
      lines[1] ?? '',
      /^\| Image +\| ID +\| cli-ec2 \(aws\) +\| cli-gce \(gcp\) +\| zone-a \(openstack\) +\| zone-b \(openstack\) +\|$/,
    );
    assert.match(table.stdout, /\| cli-shared +\| [0-9a-f-]{36} \| ok +\| ok +\| ok +\| ok +\|/);
    // The other formats key the cells by cloud name alone; -c takes the names too.
    const json = await both(['matrix', '--name', 'cli-shared']);
    assert.deepEqual(json, [
      {
        Image: 'cli-shared',
        ID: adoptedId,
        'cli-ec2': 'active',
        'cli-gce': 'active',
        'zone-a': 'active',
        'zone-b': 'active',
      },
    ]);
    const picked = await asDemo(['matrix', '--name', 'cli-shared', '-c', 'cli-gce', '-c', 'Image']);
    assert.equal(picked.code, 0, picked.stderr);
    assert.match(picked.stdout, /\| cli-gce \(gcp\) +\| Image +\|/);

    // In the clouds themselves: an AMI in EC2, a READY image in the project's GCE, no transfer left.
    const shown = await both(['image', 'show', adoptedId]);
    assert.equal(shown.available_in, 'cli-ec2, cli-gce, zone-a, zone-b');
    const state = await gce.state();
    const image = state.images.find((i) => i.image.labels?.gimming_image_id === adoptedId);
    assert.equal(image?.image.status, 'READY', JSON.stringify(state.images));
    assert.equal(image?.project, gce.projects.operator.id);
    // Made where the cloud says, in its family.
    const fields = image?.image as { storageLocations?: string[]; family?: string } | undefined;
    assert.deepEqual([fields?.storageLocations, fields?.family], [['europe-west1'], 'cli-images']);
    assert.deepEqual(state.objects, [], 'no object left in the bucket');

    // The copies go again, and the clouds with them: the tests that follow see zone-a and zone-b only.
    const kept = await asDemo(['image', 'set-clouds', adoptedId, 'zone-a', 'zone-b', '--wait']);
    assert.equal(kept.code, 0, kept.stderr);
    await waitFor('GCE to hold no image', async () =>
      (await gce.state()).images.length === 0 ? true : undefined,
    );
    for (const name of ['cli-ec2', 'cli-gce']) {
      const removed = await asAdmin(['cloud', 'delete', name]);
      assert.equal(removed.code, 0, removed.stderr);
    }
  });

  it('searches the cached listing without a round trip, and says how old it is', async () => {
    assert.equal((await asDemo(['image', 'list'])).code, 0);
    // A wrong password: any call to Keystone or GIMinG would fail.
    const secure = JSON.stringify({ clouds: { demo: { auth: { password: 'wrong' } } } });
    writeFileSync(join(home, 'secure.yaml'), secure);
    try {
      const res = await asDemo(['image', 'list', '--cached', '--property', 'os_distro=cirros', '-f', 'json']);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(
        JSON.parse(res.stdout).map((i: any) => i.Name),
        [UPLOADED],
      );
      assert.match(res.stderr, /Cached listing from \S+ \(\d+ s ago\)/);
      const byCloud = await asDemo([
        'image',
        'list',
        '--cached',
        '--cloud',
        'zone-b',
        '--name',
        'cli-shared',
        '-f',
        'value',
        '-c',
        'ID',
      ]);
      assert.equal(byCloud.stdout.trim(), adoptedId);
      const live = await asDemo(['image', 'list']);
      assert.equal(live.code, 1, 'the live listing does need the server');
      assert.match(live.stderr, /Keystone refused the credentials/);
    } finally {
      writeFileSync(
        join(home, 'secure.yaml'),
        JSON.stringify({
          clouds: {
            demo: { auth: { password: bed.users.demo.password } },
            admin: { auth: { password: bed.users.admin.password } },
          },
        }),
      );
    }
  });

  it('authenticates with a token, and with an application credential', async () => {
    const token = await gimming(['image', 'list', '-f', 'value', '-c', 'Name'], {
      OS_AUTH_URL: bed.auth_url,
      OS_TOKEN: demo.id,
      OS_REGION_NAME: REGION,
    });
    assert.equal(token.code, 0, token.stderr);
    assert.ok(token.stdout.includes(UPLOADED));
    const made = await http('POST', `${bed.auth_url}/users/${demo.userId}/application_credentials`, {
      token: demo.id,
      json: { application_credential: { name: `cli-${randomBytes(4).toString('hex')}` } },
    });
    assert.equal(made.status, 201, made.text);
    const cred = made.body.application_credential;
    try {
      const res = await gimming(
        [
          '--os-auth-type',
          'v3applicationcredential',
          '--os-application-credential-id',
          cred.id,
          'task',
          'list',
          '-f',
          'json',
        ],
        { OS_AUTH_URL: bed.auth_url, OS_APPLICATION_CREDENTIAL_SECRET: cred.secret, OS_REGION_NAME: REGION },
      );
      assert.equal(res.code, 0, res.stderr);
      assert.ok(JSON.parse(res.stdout).length >= 3);
    } finally {
      await http('DELETE', `${bed.auth_url}/users/${demo.userId}/application_credentials/${cred.id}`, {
        token: demo.id,
      });
    }
  });

  it('reports errors with the server message and request id, and bad usage with exit code 2', async () => {
    const missing = await asDemo(['image', 'show', 'no-such-image']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), "No image with a name or ID of 'no-such-image' exists. (HTTP 404)");
    const gone = await asDemo(['task', 'show', '00000000-0000-4000-8000-000000000000']);
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr,
      /^Task 00000000-0000-4000-8000-000000000000 was not found\. \(HTTP 404\) \(Request-ID: req-/,
    );
    const tasks = JSON.parse((await asDemo(['task', 'list', '-f', 'json'])).stdout);
    const done = await asDemo(['task', 'cancel', tasks[0].ID]);
    assert.equal(done.code, 1);
    assert.match(done.stderr, /only a pending or running task can be cancelled\. \(HTTP 409\)/);
    assert.equal((await asDemo(['image', 'frobnicate'])).code, 2);
    assert.equal((await asDemo(['image', 'list', '-f', 'xml'])).code, 2);
    const badFormat = await asDemo(['image', 'create', 'never-made', '--target', 'zone-a', '-f', 'xml']);
    assert.equal(badFormat.code, 2, 'a bad output option is refused before anything is done');
    assert.equal((await asDemo(['image', 'list', '--name', 'never-made', '-f', 'value'])).stdout, '');
    assert.equal((await asDemo(['image', 'list', '-c', 'Nope'])).code, 2);
    const noCloud = await gimming(['--os-cloud', 'nowhere', 'image', 'list']);
    assert.equal(noCloud.code, 1);
    assert.match(noCloud.stderr, /Cloud nowhere was not found in clouds\.yaml/);
    const used = await asAdmin(['cloud', 'delete', 'zone-a']);
    assert.equal(used.code, 1);
    assert.match(used.stderr, /holds copies GIMinG tracks/);
  });

  it('exits non-zero, and starts nothing, when the plan refuses a target', async () => {
    const { image } = await glanceA.createWithData(64 * 1024, { name: 'cli-doomed' });
    const adopted = JSON.parse(
      (await asDemo(['image', 'adopt', image.id, '--cloud', 'zone-a', '-f', 'json'])).stdout,
    );
    await glanceA.delete(image.id); // the only source goes away before the copy
    // The planner reads the source first: the sync is refused with the reason, before any task (it was
    // a task that failed, before the planner).
    const dry = await asDemo(['image', 'sync', adopted.id, '--target', 'zone-b', '--dry-run', '-f', 'json']);
    assert.equal(dry.code, 1, dry.stderr);
    assert.match(
      JSON.parse(dry.stdout)[0].Refused,
      /cannot be read from: Image .* was not found in cloud zone-a/,
    );
    const res = await asDemo(['image', 'sync', adopted.id, '--target', 'zone-b', '--wait', '-f', 'json']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr,
      /Nothing was done: The copy in cloud zone-a cannot be read from: .*\(HTTP 409\)/,
    );
    const tasks = await asDemo(['task', 'list', '--image', adopted.id, '-f', 'json']);
    assert.deepEqual(JSON.parse(tasks.stdout), [], 'no task was queued');
  });

  it('deletes images everywhere with --wait', async () => {
    const id = (await asDemo(['image', 'show', UPLOADED, '-f', 'value', '-c', 'id'])).stdout.trim();
    const copies = [
      ...(await glanceA.list({ gimming_image_id: id })),
      ...(await glanceB.list({ gimming_image_id: id })),
    ];
    assert.equal(copies.length, 2, 'a copy in each zone before the delete');
    const res = await asDemo(['image', 'delete', UPLOADED, '--delete-remote', '--wait']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /delete zone-a: succeeded/);
    assert.match(res.stderr, /delete zone-b: succeeded/);
    assert.equal((await asDemo(['image', 'show', UPLOADED])).code, 1);
    for (const copy of copies) {
      const left = (await glanceA.get(copy.id)) ?? (await glanceB.get(copy.id));
      assert.equal(left, undefined, `copy ${copy.id} is deleted from its cloud`);
    }
  });
});
