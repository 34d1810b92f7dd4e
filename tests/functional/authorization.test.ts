/**
 * Authorization through the real daemons and the test bed's Keystone and Glance (issue 11, section 6):
 * who is an administrator is the policy's answer for a project-scoped token, never the admin role granted
 * on a domain or on the system; a project adopts and links only the images it owns in a cloud, and what
 * another project adopted never keeps the owner from adopting its own; a trust delegates only the roles
 * the work needs, never admin.
 */
import assert from 'node:assert/strict';
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForTasks } from '../support/flows';
import { http as request, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

/** A token of the test bed's admin user scoped to the system, or to a domain. */
async function scopedToken(bed: Testbed, scope: Record<string, unknown>): Promise<string> {
  const admin = bed.users.admin;
  const res = await request('POST', `${bed.auth_url.replace(/\/+$/, '')}/auth/tokens`, {
    json: {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: admin.username,
              password: admin.password,
              domain: { name: admin.user_domain_name },
            },
          },
        },
        scope,
      },
    },
  });
  assert.equal(res.status, 201, `token scoped to ${JSON.stringify(scope)}: ${res.text}`);
  assert.ok(
    (res.body.token.roles as Array<{ name: string }>).some((r) => r.name === 'admin'),
    'the token carries the admin role',
  );
  return res.headers.get('x-subject-token') as string;
}

/** Serves /stall: announces 16 MiB, sends 64 KiB and then nothing (an import that runs until cancelled). */
function stallingServer(): Promise<{ server: Server; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 16 * 1024 * 1024 });
    res.write(Buffer.alloc(64 * 1024, 7));
    held.push(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.2', () => resolve({ server, held })));
}

// Unusual, so that the trusts this run makes are told from those of other runs on the same test bed.
const TRUST_LIFETIME = 7777;

describe('authorization: administrators, ownership of adopted images, trusts', function () {
  this.timeout(180000);
  let bed: Testbed;
  let api: string;
  let admin: Token;
  let demo: Token;
  let alt: Token;
  let stall: { server: Server; held: ServerResponse[] };
  let keystone: string;
  let adminRoleId: string;
  let domainGrant: string | undefined;
  const glanceImages: Array<{ glance: Glance; id: string }> = [];

  const stack = useStack({
    beforeStart: async () => {
      stall = await stallingServer();
    },
    extraConfig: () =>
      `[conductor]\nrefresh_interval = 0\ntrust_lifetime = ${TRUST_LIFETIME}\n` +
      `[import_filtering]\nallowed_ports = 80,443,${(stall.server.address() as AddressInfo).port}\n` +
      'allowed_private_networks = 127.0.0.2/32\n',
  });

  before(async function () {
    ({ bed, api, admin, demo, alt } = stack);
    keystone = bed.auth_url.replace(/\/+$/, '');
    const roles = await request('GET', `${keystone}/roles?name=admin`, { token: admin.id });
    assert.equal(roles.status, 200, roles.text);
    adminRoleId = roles.body.roles[0].id;
  });

  after(async function () {
    this.timeout(60000);
    for (const res of stall?.held ?? []) res.destroy();
    stall?.server.close();
    if (domainGrant) await request('DELETE', domainGrant, { token: admin.id });
    for (const { glance, id } of glanceImages) {
      await request('DELETE', `${glance.url}/v2/images/${id}`, { token: admin.id });
    }
  });

  describe('who is an administrator', () => {
    let demoImage: string;

    before(async () => {
      const res = await request('POST', `${api}/v1/images`, {
        token: demo.id,
        json: {
          name: 'demo-waits-for-data',
          disk_format: 'raw',
          container_format: 'bare',
          targets: ['zone-a'],
        },
      });
      assert.equal(res.status, 201, res.text);
      demoImage = res.body.id;
    });

    it("a project-scoped admin lists every project's images", async () => {
      const res = await request('GET', `${api}/v1/images?all_projects=true&limit=1000`, { token: admin.id });
      assert.equal(res.status, 200, res.text);
      assert.ok(
        res.body.images.some((i: any) => i.id === demoImage),
        res.text,
      );
    });

    async function assertNobody(token: string, what: string): Promise<void> {
      for (const path of [
        '/v1/images?all_projects=true',
        '/v1/images',
        `/v1/images/${demoImage}`,
        '/v1/tasks',
      ]) {
        const res = await request('GET', `${api}${path}`, { token });
        assert.equal(res.status, 403, `${what} ${path}: ${res.text}`);
        assert.equal(res.body.error.code, 'gimming.policy.forbidden', `${what} ${path}`);
        assert.ok(!res.text.includes(demoImage), `${what} ${path}: the answer shows demo's image`);
      }
      const clouds = await request('POST', `${api}/v1/clouds`, {
        token,
        json: { name: 'by-a-global-admin', type: 'openstack', region_name: 'RegionOne' },
      });
      assert.equal(clouds.status, 403, `${what} registers a shared cloud: ${clouds.text}`);
    }

    it('a system-scoped token with the admin role is refused, not a global administrator', async () => {
      await assertNobody(await scopedToken(bed, { system: { all: true } }), 'system-scoped admin');
    });

    it('a domain-scoped token with the admin role is refused, not a global administrator', async () => {
      domainGrant = `${keystone}/domains/default/users/${admin.userId}/roles/${adminRoleId}`;
      const granted = await request('PUT', domainGrant, { token: admin.id });
      assert.equal(granted.status, 204, granted.text);
      await assertNobody(await scopedToken(bed, { domain: { id: 'default' } }), 'domain-scoped admin');
      const revoked = await request('DELETE', domainGrant, { token: admin.id });
      assert.equal(revoked.status, 204, revoked.text);
      domainGrant = undefined;
    });
  });

  describe('what a project may adopt', () => {
    let publicImage: string;

    before(async () => {
      const glance = new Glance(bed.regions.RegionOne!.glance_url, admin.id);
      const { image } = await glance.createWithData(32 * 1024, { visibility: 'public' });
      glanceImages.push({ glance, id: image.id });
      publicImage = image.id;
    });

    const adopt = (token: string, imageId: string) =>
      request('POST', `${api}/v1/images`, {
        token,
        json: { source: { cloud: 'zone-a', image_id: imageId }, targets: [] },
      });

    function assertNotOwned(res: Awaited<ReturnType<typeof adopt>>, what: string): void {
      assert.equal(res.status, 403, `${what}: ${res.text}`);
      assert.equal(res.body.error.code, 'gimming.remote_image.not_owned', `${what}: ${res.text}`);
      assert.doesNotMatch(res.text, /track/i, `${what}: the answer speaks of tracking`);
      assert.ok(!res.text.includes(admin.projectId), `${what}: the answer names the owner`);
    }

    it("refuses alt another project's public image, adopted or linked, and lets its owner adopt it", async () => {
      assertNotOwned(await adopt(alt.id, publicImage), "alt adopts admin's public image");
      const own = await request('POST', `${api}/v1/images`, {
        token: alt.id,
        json: { name: 'alt-record', disk_format: 'raw', container_format: 'bare', targets: ['zone-a'] },
      });
      assert.equal(own.status, 201, own.text);
      const linked = await request('POST', `${api}/v1/images/${own.body.id}/locations`, {
        token: alt.id,
        json: { cloud: 'zone-a', image_id: publicImage },
      });
      assertNotOwned(linked, "alt links admin's public image");

      const adopted = await adopt(admin.id, publicImage);
      assert.equal(adopted.status, 202, `the owner adopts its image: ${adopted.text}`);
      // Once tracked, alt hears exactly what it heard before.
      assertNotOwned(await adopt(alt.id, publicImage), "alt adopts admin's public image, now tracked");
    });

    it('an image an administrator adopted from demo does not keep demo from adopting it', async () => {
      const glance = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
      const { image } = await glance.createWithData(32 * 1024, { visibility: 'shared' });
      glanceImages.push({ glance, id: image.id });
      const member = await request('POST', `${glance.url}/v2/images/${image.id}/members`, {
        token: demo.id,
        json: { member: admin.projectId },
      });
      assert.equal(member.status, 200, member.text);
      // The policy lets administrators adopt what they do not own (gimming:image:adopt_unowned).
      const byAdmin = await adopt(admin.id, image.id);
      assert.equal(byAdmin.status, 202, byAdmin.text);
      const byOwner = await adopt(demo.id, image.id);
      assert.equal(byOwner.status, 202, `demo adopts its own image: ${byOwner.text}`);
      const again = await adopt(demo.id, image.id);
      assert.equal(again.status, 409, again.text);
      assert.equal(again.body.error.code, 'gimming.location.already_tracked');
      for (const [token, id] of [
        [admin.id, byAdmin.body.id],
        [demo.id, byOwner.body.id],
      ] as const) {
        const shown = await request('GET', `${api}/v1/images/${id}`, { token });
        assert.equal(shown.body.locations[0].image_id, image.id);
      }
    });
  });

  describe('what a trust delegates', () => {
    it('the roles the work needs, not admin', async () => {
      const started = Date.now();
      const service = await issueToken(bed, bed.users.gimming);
      const port = (stall.server.address() as AddressInfo).port;
      const res = await request('POST', `${api}/v1/images`, {
        token: admin.id,
        json: {
          name: 'admin-importing',
          disk_format: 'raw',
          container_format: 'bare',
          source: { url: `http://127.0.0.2:${port}/stall` },
          targets: ['zone-b'],
        },
      });
      assert.equal(res.status, 202, res.text);
      const task = await waitFor('the import to run', async () => {
        const tasks = await request('GET', `${api}/v1/tasks?image_id=${res.body.id}`, { token: admin.id });
        const t = tasks.body.tasks[0];
        return t?.status === 'running' ? t : undefined;
      });
      const trust = await waitFor('the trust of the import', async () => {
        const list = await request('GET', `${keystone}/OS-TRUST/trusts?trustor_user_id=${admin.userId}`, {
          token: admin.id,
        });
        assert.equal(list.status, 200, list.text);
        return (list.body.trusts as any[]).find((t) => {
          const expires = Date.parse(t.expires_at) - TRUST_LIFETIME * 1000;
          return (
            t.trustee_user_id === service.userId && expires >= started - 1000 && expires <= Date.now() + 1000
          );
        });
      });
      const roles = await request('GET', `${keystone}/OS-TRUST/trusts/${trust.id}/roles`, {
        token: admin.id,
      });
      assert.equal(roles.status, 200, roles.text);
      const names = (roles.body.roles as Array<{ name: string }>).map((r) => r.name).sort();
      assert.deepEqual(names, ['member', 'reader'], 'admin holds admin, member and reader');
      const cancel = await request('POST', `${api}/v1/tasks/${task.id}/cancel`, { token: admin.id });
      assert.equal(cancel.status, 202, cancel.text);
      await waitForTasks(api, admin.id, res.body.id);
    });
  });
});
