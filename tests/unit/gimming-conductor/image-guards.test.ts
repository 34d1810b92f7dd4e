import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import type { ImageRow } from '../../../src/gimming-conductor/db/entities';
import { copyBelongsToImage } from '../../../src/gimming-conductor/image-guards';

describe('whose a copy is (delete everywhere)', () => {
  const image = { id: 'img-1', owner: 'project-a' } as ImageRow;
  const glance = { owners_are_projects: true } as Capabilities;
  const ec2 = { owners_are_projects: false } as Capabilities;
  const copy = (owner: string, tag?: string): { owner: string; properties: Record<string, string> } => ({
    owner,
    properties: tag ? { gimming_image_id: tag } : {},
  });

  it('is the image’s where its project owns it', () => {
    assert.ok(copyBelongsToImage(copy('project-a'), image, glance));
    assert.ok(copyBelongsToImage(copy(''), image, null));
  });

  it('is not where another project owns it, tag or not (Glance)', () => {
    assert.equal(copyBelongsToImage(copy('project-b', 'img-1'), image, glance), false);
    assert.equal(copyBelongsToImage(copy('project-b', 'img-1'), image, null), false);
  });

  it('is, in a cloud of accounts (EC2), only when it carries this image’s tag', () => {
    assert.ok(copyBelongsToImage(copy('111122223333', 'img-1'), image, ec2));
    assert.equal(copyBelongsToImage(copy('111122223333', 'img-2'), image, ec2), false);
    assert.equal(copyBelongsToImage(copy('111122223333'), image, ec2), false);
  });
});
