import assert from 'node:assert/strict';
import { RequestContext } from '../../../src/common/context';
import type { GimmingError } from '../../../src/common/errors';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import type { CloudRow, ImageRow } from '../../../src/gimming-conductor/db/entities';
import { assertMayTrack, copyBelongsToImage } from '../../../src/gimming-conductor/image-guards';

type Cloud = Pick<CloudRow, 'name' | 'type' | 'scope' | 'owner' | 'authUrl'>;

const sharedGlance: Cloud = {
  name: 'zone-a',
  type: 'openstack',
  scope: 'shared',
  owner: null,
  authUrl: null,
};
const sharedEc2: Cloud = { name: 'ec2-east', type: 'aws', scope: 'shared', owner: null, authUrl: null };
const projectEc2: Cloud = {
  name: 'my-ec2',
  type: 'aws',
  scope: 'project',
  owner: 'project-a',
  authUrl: null,
};
const ownKeystone: Cloud = {
  name: 'my-os',
  type: 'openstack',
  scope: 'project',
  owner: 'project-a',
  authUrl: 'https://keystone.example.org',
};
// A project cloud reached with the user's own Keystone: its owners are GIMinG's projects.
const projectGlance: Cloud = {
  name: 'my-glance',
  type: 'openstack',
  scope: 'project',
  owner: 'project-a',
  authUrl: null,
};

describe('who may track a remote image (adopt, link)', () => {
  const member = (project: string) =>
    new RequestContext({ request_id: 'req-1', project_id: project, roles: ['member', 'reader'] });
  const admin = new RequestContext({
    request_id: 'req-2',
    project_id: 'project-x',
    roles: ['admin', 'member'],
  });
  const refused = (ctx: RequestContext, cloud: Cloud, owner: string) =>
    assert.throws(
      () => assertMayTrack(ctx, cloud, { id: 'ami-1', owner }),
      (err: GimmingError) => err.code === 'gimming.remote_image.not_owned' && err.status === 403,
    );

  it('lets a project track its own images in any cloud', () => {
    assertMayTrack(member('project-a'), sharedGlance, { id: 'i-1', owner: 'project-a' });
    assertMayTrack(member('project-a'), projectGlance, { id: 'i-1', owner: 'project-a' });
  });

  it('lets a project track the images of its own aws cloud, whose owner is an account', () => {
    assertMayTrack(member('project-a'), projectEc2, { id: 'ami-1', owner: '444455556666' });
  });

  it('lets a project track the images of its own cloud with its own Keystone', () => {
    assertMayTrack(member('project-a'), ownKeystone, { id: 'i-1', owner: 'remote-project' });
  });

  it('refuses another project the images of a project cloud not its own', () => {
    refused(member('project-b'), projectEc2, '444455556666');
    refused(member('project-b'), ownKeystone, 'remote-project');
  });

  it('keeps a shared aws cloud guarded: its owners are accounts, never the caller’s project', () => {
    refused(member('project-a'), sharedEc2, '111122223333');
    refused(member('project-a'), sharedEc2, '');
  });

  it('keeps others’ images guarded in a project cloud reached with the user’s own Keystone', () => {
    refused(member('project-a'), projectGlance, 'project-b');
    refused(member('project-a'), sharedGlance, 'project-b');
  });

  it('lets the policy (gimming:image:adopt_unowned, admin by default) adopt others’ images', () => {
    assertMayTrack(admin, sharedEc2, { id: 'ami-1', owner: '111122223333' });
    assertMayTrack(admin, projectEc2, { id: 'ami-1', owner: '444455556666' });
  });
});

describe('whose a copy is (delete everywhere)', () => {
  const image = { id: 'img-1', owner: 'project-a' } as ImageRow;
  const glance = { owners_are_projects: true } as Capabilities;
  const ec2 = { owners_are_projects: false } as Capabilities;
  const copy = (owner: string, tag?: string): { owner: string; properties: Record<string, string> } => ({
    owner,
    properties: tag ? { gimming_image_id: tag } : {},
  });

  it('is the image’s where its project owns it', () => {
    assert.ok(copyBelongsToImage(copy('project-a'), image, glance, sharedGlance));
    assert.ok(copyBelongsToImage(copy(''), image, null, sharedGlance));
  });

  it('is not where another project owns it, tag or not (Glance)', () => {
    assert.equal(copyBelongsToImage(copy('project-b', 'img-1'), image, glance, sharedGlance), false);
    assert.equal(copyBelongsToImage(copy('project-b', 'img-1'), image, null, sharedGlance), false);
    assert.equal(copyBelongsToImage(copy('project-b', 'img-1'), image, glance, projectGlance), false);
  });

  it('is, in a cloud of accounts (EC2), only when it carries this image’s tag', () => {
    for (const cloud of [sharedEc2, projectEc2]) {
      assert.ok(copyBelongsToImage(copy('111122223333', 'img-1'), image, ec2, cloud));
      assert.equal(copyBelongsToImage(copy('111122223333', 'img-2'), image, ec2, cloud), false);
      assert.equal(copyBelongsToImage(copy('111122223333'), image, ec2, cloud), false);
    }
  });

  it('is, in a cloud reached with its own credentials, only when it carries this image’s tag', () => {
    // Its owners are its own Keystone's projects (or its account), whatever its agents say.
    assert.ok(copyBelongsToImage(copy('remote-project', 'img-1'), image, glance, ownKeystone));
    assert.ok(copyBelongsToImage(copy('444455556666', 'img-1'), image, null, projectEc2));
    assert.equal(copyBelongsToImage(copy('remote-project', 'img-2'), image, glance, ownKeystone), false);
    assert.equal(copyBelongsToImage(copy('remote-project'), image, glance, ownKeystone), false);
  });
});
