/**
 * The AMI operations every part of the driver shares: find one, tag it with its snapshots, wait until
 * it is available, and take it away with its snapshots (EC2 leaves the snapshots of a deregistered AMI:
 * they are deleted here, so that none leaks).
 */
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Image as Ami,
} from './ec2-sdk';
import { describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import { awsFailure, isNotFound } from './errors';
import { snapshotsOf } from './record';
import { AMI_TAG, type Tag } from './tags';
import { waitFor } from './wait';

const log = getLogger('agent.aws');

export const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

export class Amis {
  constructor(
    private readonly ec2: EC2Client,
    private readonly cloudName: string,
  ) {}

  /** The AMI, or undefined when EC2 has none of that ID (deregistered, or never). */
  async find(id: string): Promise<Ami | undefined> {
    if (!AMI_ID.test(id)) return undefined;
    try {
      // A disabled AMI (a revoked or obsolete version) is still GIMinG's copy: asked for by name.
      const out = await this.ec2.send(new DescribeImagesCommand({ ImageIds: [id], IncludeDisabled: true }));
      const ami = out.Images?.find((i) => i.ImageId === id);
      return ami && ami.State !== 'deregistered' ? ami : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw awsFailure(err, `Describing image ${id}`, this.cloudName, id);
    }
  }

  async get(id: string): Promise<Ami> {
    const ami = await this.find(id);
    if (!ami)
      throw awsFailure(
        { name: 'InvalidAMIID.NotFound', $metadata: { httpStatusCode: 400 } },
        '',
        this.cloudName,
        id,
      );
    return ami;
  }

  /** Sets tags on the AMI and on its snapshots. */
  async tag(ami: Ami, tags: Tag[]): Promise<void> {
    if (tags.length === 0) return;
    const id = ami.ImageId ?? '';
    try {
      await this.ec2.send(new CreateTagsCommand({ Resources: [id, ...snapshotsOf(ami)], Tags: tags }));
    } catch (err) {
      throw awsFailure(err, `Tagging image ${id}`, this.cloudName, id);
    }
  }

  /** Sets tags on one resource (a snapshot). */
  async tagResource(resourceId: string, tags: Tag[]): Promise<void> {
    try {
      await this.ec2.send(new CreateTagsCommand({ Resources: [resourceId], Tags: tags }));
    } catch (err) {
      throw awsFailure(err, `Tagging ${resourceId}`, this.cloudName);
    }
  }

  async untag(ami: Ami, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const id = ami.ImageId ?? '';
    try {
      await this.ec2.send(
        new DeleteTagsCommand({ Resources: [id, ...snapshotsOf(ami)], Tags: keys.map((Key) => ({ Key })) }),
      );
    } catch (err) {
      throw awsFailure(err, `Removing tags of image ${id}`, this.cloudName, id);
    }
  }

  /** Waits until the AMI is available; a failed one is an error with EC2's reason. */
  async waitAvailable(
    id: string,
    opts: { intervalMs: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<Ami> {
    return waitFor(
      async () => {
        const ami = await this.find(id);
        if (!ami || ami.State === 'pending') return undefined;
        if (ami.State === 'available') return ami;
        throw awsFailure(
          {
            name: 'ImageFailed',
            message: ami.StateReason?.Message ?? ami.State,
            $metadata: { httpStatusCode: 400 },
          },
          `Making image ${id}`,
          this.cloudName,
        );
      },
      { ...opts, what: `Image ${id} in cloud ${this.cloudName}` },
    );
  }

  /**
   * Deregisters the AMI and deletes its snapshots. False when the AMI was already gone; its snapshots
   * that GIMinG tagged for it are then looked for and deleted too (a delete interrupted between the two).
   */
  async remove(id: string): Promise<boolean> {
    const ami = await this.find(id);
    if (!ami) {
      await this.deleteOrphans(id);
      return false;
    }
    try {
      await this.ec2.send(new DeregisterImageCommand({ ImageId: id }));
    } catch (err) {
      if (!isNotFound(err)) throw awsFailure(err, `Deregistering image ${id}`, this.cloudName, id);
    }
    for (const snapshot of snapshotsOf(ami)) await this.deleteSnapshot(snapshot);
    return true;
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    try {
      await this.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      log.info({ cloud: this.cloudName, snapshot_id: snapshotId }, 'snapshot deleted');
    } catch (err) {
      if (!isNotFound(err)) throw awsFailure(err, `Deleting snapshot ${snapshotId}`, this.cloudName);
    }
  }

  private async deleteOrphans(amiId: string): Promise<void> {
    if (!AMI_ID.test(amiId)) return;
    try {
      const out = await this.ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${AMI_TAG}`, Values: [amiId] }],
        }),
      );
      for (const s of out.Snapshots ?? []) if (s.SnapshotId) await this.deleteSnapshot(s.SnapshotId);
    } catch (err) {
      log.warn(
        { cloud: this.cloudName, ami_id: amiId, err: describeError(err) },
        'could not look for the snapshots of a gone image',
      );
    }
  }
}
