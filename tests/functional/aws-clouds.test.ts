/**
 * AWS EC2 regions registered as clouds, through the real daemons, Keystone and Barbican, by REST and by
 * the `gimming` command line: a shared aws cloud (no credentials: its agents' hosts have their own) and
 * project aws clouds (the access key in a Barbican secret, or given with a request); every one in the
 * cloud list, shown with its type and bucket, a column of the matrix; bad regions, bad buckets and an
 * auth_url refused with the right status and body; and the access keys (recognisable canaries) found
 * nowhere in the clouds table, the database dump or any daemon's log. No agent of the aws zones runs
 * here: the clouds are accepted and show no capabilities until one with the aws driver reports.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { http } from '../support/http';
import { type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, TESTBED_DIR } from '../support/testbed';

const BIN = resolve(__dirname, '../../../bin/gimming');

interface BedIds {
  auth_url: string;
  barbican_url?: string;
  users: Record<string, { project_id: string }>;
  roles: Record<string, string>;
}

/** An access key ID and secret key no other test uses, to search for afterwards. */
function canaryKey(): { access_key_id: string; secret_access_key: string } {
  return {
    access_key_id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secret_access_key: `GIMMING-AWS-CANARY-${randomBytes(12).toString('hex')}`,
  };
}

describe('aws clouds', function () {
  this.timeout(300000);
  let ids: BedIds;
  let api: string;
  let admin: Token;
  let owner: Token; // a member and Barbican creator of project demo
  let ownerUserId = '';
  let home: string;
  let secretRef = '';
  const secretKey = { ...canaryKey(), session_token: `GIMMING-AWS-TOKEN-${randomBytes(12).toString('hex')}` };
  const requestKey = canaryKey();
  const suffix = randomBytes(3).toString('hex');
  const shared = `ec2-east-${suffix}`;
  const withRef = `my-ec2-${suffix}`;
  const noRef = `my-ec2-byreq-${suffix}`;

  const keystone = (path: string) => `${ids.auth_url.replace(/\/+$/, '')}${path}`;

  before(function () {
    this.timeout(600000);
    // Barbican is not part of the default test bed: bring it up (idempotent, quick when it runs).
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'testbed.sh'), 'up', '--barbican'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ids = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as BedIds;
    assert.ok(ids.barbican_url, 'the test bed runs Barbican');
    home = mkdtempSync(join(tmpdir(), 'gimming-aws-cli-'));
  });

  const stack = useStack({ zones: ['zone-a'] });

  before(async function () {
    this.timeout(120000);
    ({ api, admin } = stack);
    const password = randomBytes(16).toString('hex');
    const made = await http('POST', keystone('/users'), {
      token: admin.id,
      json: {
        user: { name: `gimming-aws-owner-${suffix}`, password, domain_id: 'default' },
      },
    });
    assert.equal(made.status, 201, made.text);
    ownerUserId = made.body.user.id;
    for (const role of ['member', 'creator']) {
      const grant = await http(
        'PUT',
        keystone(`/projects/${ids.users.demo!.project_id}/users/${ownerUserId}/roles/${ids.roles[role]}`),
        { token: admin.id },
      );
      assert.equal(grant.status, 204, grant.text);
    }
    owner = await issueToken(stack.bed, { ...stack.bed.users.demo, username: made.body.user.name, password });
  });

  after(async function () {
    this.timeout(60000);
    if (secretRef) await http('DELETE', secretRef, { token: owner.id }).catch(() => undefined);
    if (ownerUserId) await http('DELETE', keystone(`/users/${ownerUserId}`), { token: admin.id });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs gimming as the holder of `token`, against the stack's API. */
  function gimming(token: Token, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) =>
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            XDG_CACHE_HOME: join(home, 'cache'),
            OS_AUTH_URL: stack.bed.auth_url,
            OS_TOKEN: token.id,
            // The token is exchanged for one scoped to the same project (the roles come with the scope).
            OS_PROJECT_ID: token.projectId,
            OS_ENDPOINT_OVERRIDE: api,
          },
          cwd: home,
        },
        (err, stdout, stderr) =>
          done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  }

  const create = (token: Token, json: Record<string, unknown>) =>
    http('POST', `${api}/v1/clouds`, { token: token.id, json });

  describe('registering', () => {
    it('registers a shared aws cloud with the command line, and shows it with its type and bucket', async () => {
      const run = await gimming(admin, [
        'cloud',
        'create',
        '--type',
        'aws',
        '--region',
        'us-east-1',
        '--bucket',
        'gimming-transfers',
        shared,
        '-f',
        'json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const made = JSON.parse(run.stdout);
      assert.equal(made.type, 'aws');
      assert.equal(made.region_name, 'us-east-1');
      assert.equal(made.bucket, 'gimming-transfers');
      assert.equal(made.scope, 'shared');
      assert.equal(made.zone, shared);
      assert.equal(made.auth_url, null);
      assert.equal(made.credentials_ref, null);
      // No agent of its zone runs: accepted, and nothing known of what it can do yet.
      assert.equal(made.agents_up, 0);
      assert.equal(made.capabilities, null);

      const show = await gimming(owner, ['cloud', 'show', shared]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /\| type\s+\| aws\s+\|/);
      assert.match(show.stdout, /\| bucket\s+\| gimming-transfers\s+\|/);

      const list = await gimming(owner, ['cloud', 'list', '--long', '-f', 'json']);
      assert.equal(list.code, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
      const row = rows.find((r) => r.Name === shared);
      assert.equal(row?.Type, 'aws');
      assert.equal(row?.Bucket, 'gimming-transfers');
      assert.equal(rows.find((r) => r.Name === 'zone-a')?.Bucket, '', 'an openstack cloud has no bucket');
    });

    it('registers a project aws cloud whose access key is in a Barbican secret', async () => {
      const stored = await http('POST', `${ids.barbican_url}/v1/secrets`, {
        token: owner.id,
        json: {
          name: 'gimming-test-aws-key',
          payload: JSON.stringify(secretKey),
          payload_content_type: 'text/plain',
        },
      });
      assert.equal(stored.status, 201, stored.text);
      secretRef = stored.body.secret_ref;
      const run = await gimming(owner, [
        'cloud',
        'create',
        '--type',
        'aws',
        '--region',
        'eu-west-1',
        '--bucket',
        'my.gimming-bucket',
        '--project',
        '--credentials-ref',
        secretRef,
        withRef,
        '-f',
        'json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const made = JSON.parse(run.stdout);
      assert.equal(made.type, 'aws');
      assert.equal(made.scope, 'project');
      assert.equal(made.owner, owner.projectId);
      assert.equal(made.credentials_ref, secretRef);
      assert.equal(made.bucket, 'my.gimming-bucket');
    });

    it('registers a project aws cloud without a secret by REST (its key then comes with each request)', async () => {
      const res = await create(owner, {
        name: noRef,
        type: 'aws',
        region_name: 'ap-southeast-2',
        bucket: 'gimming-byreq',
        scope: 'project',
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `/v1/clouds/${res.body.id}`);
      assert.deepEqual(Object.keys(res.body), [
        'id',
        'name',
        'type',
        'region_name',
        'zone',
        'scope',
        'owner',
        'auth_url',
        'credentials_ref',
        'bucket',
        'agents_up',
        'capabilities',
        'created_at',
        'updated_at',
      ]);
      assert.equal(res.body.credentials_ref, null);
    });

    it('leaves openstack clouds as they were: no bucket field', async () => {
      const res = await http('GET', `${api}/v1/clouds/zone-a`, { token: owner.id });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.type, 'openstack');
      assert.ok(!('bucket' in res.body));
    });
  });

  describe('refusing', () => {
    const base = { type: 'aws', region_name: 'us-east-1', bucket: 'gimming-transfers' };

    async function refused(
      token: Token,
      json: Record<string, unknown>,
      status: number,
      code: string,
      words: RegExp,
    ) {
      const res = await create(token, { name: `bad-${randomBytes(3).toString('hex')}`, ...json });
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error.code, code, res.text);
      assert.equal(res.body.error.status, status);
      assert.match(res.body.error.message, words);
      assert.match(res.headers.get('x-openstack-request-id') ?? '', /^req-/);
    }

    it('refuses a region that is not an AWS region code', async () => {
      await refused(
        admin,
        { ...base, region_name: 'RegionOne' },
        400,
        'gimming.cloud.bad_region',
        /us-east-1/,
      );
      await refused(
        admin,
        { ...base, region_name: 'us-east-1a' },
        400,
        'gimming.cloud.bad_region',
        /AWS region/,
      );
    });

    it('refuses a bucket that breaks S3 naming rules, and none', async () => {
      await refused(admin, { ...base, bucket: 'Upper_Case' }, 400, 'gimming.cloud.bad_bucket', /lowercase/);
      await refused(admin, { ...base, bucket: '10.0.0.1' }, 400, 'gimming.cloud.bad_bucket', /IP address/);
      await refused(admin, { ...base, bucket: 'ab' }, 400, 'gimming.cloud.bad_bucket', /3 to 63/);
      await refused(
        admin,
        { type: 'aws', region_name: 'us-east-1' },
        400,
        'gimming.cloud.bad_bucket',
        /needs bucket/,
      );
    });

    it('refuses auth_url for an aws cloud, and credentials_ref for a shared one', async () => {
      await refused(
        owner,
        { ...base, scope: 'project', auth_url: 'https://keystone.example.org/v3' },
        400,
        'gimming.cloud.bad_auth_url',
        /aws cloud takes no auth_url/,
      );
      await refused(
        admin,
        { ...base, credentials_ref: secretRef },
        400,
        'gimming.cloud.bad_scope',
        /shared aws cloud/,
      );
    });

    it('refuses a bucket for an openstack cloud, and an unknown type', async () => {
      await refused(
        admin,
        { type: 'openstack', region_name: 'RegionOne', bucket: 'gimming-transfers' },
        400,
        'gimming.cloud.bad_option',
        /aws and gcp clouds only/,
      );
      await refused(admin, { ...base, type: 'gce' }, 400, 'gimming.request.invalid', /type/);
    });

    it('tells the command line user why, with exit code 1', async () => {
      const run = await gimming(admin, [
        'cloud',
        'create',
        '--type',
        'aws',
        '--region',
        'nowhere',
        '--bucket',
        'b-1',
        'x',
      ]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /AWS region code such as us-east-1\. \(HTTP 400\)/);
    });

    it("needs a project aws cloud's key: from its secret, or given with the request", async () => {
      const without = await http('GET', `${api}/v1/clouds/${noRef}/images`, { token: owner.id });
      assert.equal(without.status, 400, without.text);
      assert.equal(without.body.error.code, 'gimming.cloud.credentials_required');
      assert.match(without.body.error.message, /AWS access key/);
      // With the key, the work goes on to an agent of the zone, of which none runs here.
      const given = await http('GET', `${api}/v1/clouds/${noRef}/images`, {
        token: owner.id,
        headers: { 'x-cloud-credentials': JSON.stringify({ [noRef]: requestKey }) },
      });
      assert.equal(given.status, 503, given.text);
      assert.equal(given.body.error.code, 'gimming.agent.none_alive');
      const bad = await http('GET', `${api}/v1/clouds/${noRef}/images`, {
        token: owner.id,
        headers: { 'x-cloud-credentials': JSON.stringify({ [noRef]: { access_key_id: 'lower' } }) },
      });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.error.code, 'gimming.cloud.bad_credentials');
      const withSecret = await http('GET', `${api}/v1/clouds/${withRef}/images`, { token: owner.id });
      assert.equal(withSecret.status, 503, withSecret.text);
      assert.equal(withSecret.body.error.code, 'gimming.agent.none_alive');
    });
  });

  describe('the matrix', () => {
    it('has a column for each aws cloud, with the state of the copies there', async () => {
      // Recording an image for an aws cloud needs an agent of its zone (none runs here: 503), so the
      // image goes to zone-a and its copy in the shared aws cloud is written straight to the database.
      const refused = await http('POST', `${api}/v1/images`, {
        token: owner.id,
        json: { name: 'x', disk_format: 'raw', container_format: 'bare', targets: [shared] },
      });
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.error.code, 'gimming.agent.none_alive');
      const made = await http('POST', `${api}/v1/images`, {
        token: owner.id,
        json: {
          name: `aws-matrix-${suffix}`,
          disk_format: 'raw',
          container_format: 'bare',
          targets: ['zone-a'],
        },
      });
      assert.equal(made.status, 201, made.text);
      const [cloud] = await stack.query<{ id: string }>('SELECT id FROM clouds WHERE name = ?', [shared]);
      await stack.query(
        `INSERT INTO locations (id, image_id, owner, cloud_id, remote_id, status, created_at, updated_at)
         VALUES (UUID(), ?, ?, ?, 'ami-0123456789abcdef0', 'active', NOW(6), NOW(6))`,
        [made.body.id, owner.projectId, cloud!.id],
      );
      const res = await http('GET', `${api}/v1/matrix?name=aws-matrix-${suffix}`, { token: owner.id });
      assert.equal(res.status, 200, res.text);
      const names = (res.body.clouds as Array<{ name: string }>).map((c) => c.name);
      for (const name of [shared, withRef, noRef, 'zone-a'])
        assert.ok(names.includes(name), `a column for ${name}`);
      assert.deepEqual(res.body.images[0].cells, {
        [shared]: 'active',
        [withRef]: null,
        [noRef]: null,
        'zone-a': 'queued',
      });
      const cli = await gimming(owner, [
        'matrix',
        '--name',
        `aws-matrix-${suffix}`,
        '--cloud',
        shared,
        '--cloud',
        withRef,
        '--cloud',
        'zone-a',
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      // A table's head names each cloud's kind after its name (gimming matrix).
      assert.match(
        cli.stdout,
        new RegExp(
          `\\| ${shared} \\(aws\\)\\s+\\| ${withRef} \\(aws\\)\\s+\\| zone-a \\(openstack\\)\\s+\\|`,
        ),
      );
      assert.match(cli.stdout, /\| ok\s+\| -\s+\| \.\. queued\s+\|/);
      await stack.query('DELETE FROM locations WHERE image_id = ? AND cloud_id = ?', [
        made.body.id,
        cloud!.id,
      ]);
      await http('DELETE', `${api}/v1/images/${made.body.id}`, { token: owner.id });
    });
  });

  describe('afterwards', () => {
    it('finds no access key in the clouds table, the database or any log', async () => {
      const rows = await stack.query<{
        name: string;
        options: string | null;
        credentials_ref: string | null;
      }>('SELECT name, options, credentials_ref FROM clouds WHERE type = ?', ['aws']);
      const byName = new Map(rows.map((r) => [r.name, r]));
      assert.deepEqual(JSON.parse(byName.get(shared)?.options ?? 'null'), { bucket: 'gimming-transfers' });
      assert.equal(byName.get(withRef)?.credentials_ref, secretRef, 'only the reference is stored');
      const dump = execFileSync(
        'mysqldump',
        ['-h', '127.0.0.1', '-u', 'root', '--skip-extended-insert', stack.daemons.dbName],
        { maxBuffer: 256 * 1024 * 1024 },
      ).toString('utf8');
      assert.ok(dump.includes(secretRef) && dump.includes('gimming-byreq'), 'the dump holds the clouds');
      const logs = stack.daemons.names.map((name) => ({ name, text: stack.daemons.logText(name) }));
      assert.ok(
        logs.some((l) => l.text.includes('/v1/clouds')),
        'the logs hold the requests',
      );
      const secrets = [
        secretKey.access_key_id,
        secretKey.secret_access_key,
        secretKey.session_token,
        requestKey.access_key_id,
        requestKey.secret_access_key,
      ];
      for (const secret of secrets) {
        assert.ok(!JSON.stringify(rows).includes(secret), 'not in the clouds table');
        assert.ok(!dump.includes(secret), 'not in the database');
        for (const l of logs) assert.ok(!l.text.includes(secret), `not in the ${l.name} log`);
      }
    });
  });
});
