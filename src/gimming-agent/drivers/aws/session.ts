/**
 * A session on one EC2 cloud (an account in a region): the cloud-neutral CloudSession over AMIs, their
 * snapshots' tags, launch permissions, and the import, export and copy tasks.
 */
import type { Readable } from 'node:stream';
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
} from './ec2-sdk';
import type { Image as Ami } from './ec2-sdk';
import { GimmingError } from '../../../common/errors';
import type { CloudRef__Output } from '../../../common/grpc/generated/gimming/agent/v2/CloudRef';
import type {
  CloudSession,
  ImageData,
  ImageSpec,
  LifecycleState,
  TransferOptions,
  UploadResult,
  WrittenProof,
} from '../driver';
import type { CloudImage, CloudMember } from '../image';
import { badMarker, listingLate, pageByTokens } from '../token-pages';
import { AMI_ID, Amis } from './ami';
import type { AwsClients } from './clients';
import type { AwsConfig } from './config';
import { awsFailure } from './errors';
import { Exporter } from './export';
import { Importer, PENDING_PREFIX, type PendingImports, importFormat } from './import';
import { copyBetweenRegions } from './native-copy';
import { toCloudImage } from './record';
import { registerPlan } from './register-spec';
import { TransferBucket } from './s3-objects';
import { recordingProof } from './proof-on-read';
import { LIFECYCLE_TAG, PROOF_TAG, decodeProof, encodeProof, propertyTags, tagValue } from './tags';

const ACCOUNT_ID = /^\d{12}$/;

export class AwsSession implements CloudSession {
  private readonly amis: Amis;

  constructor(
    private readonly clients: AwsClients,
    private readonly own: AwsConfig,
    private readonly pending: PendingImports,
    readonly cloudName: string,
    /** The cloud's transfer bucket (CloudRef.options.bucket); empty when it has none. */
    private readonly bucketName: string,
  ) {
    this.amis = new Amis(clients.ec2, cloudName);
  }

  private image(ami: Parameters<typeof toCloudImage>[0]): CloudImage {
    return toCloudImage(ami, this.own.export_format);
  }

  private bucket(): TransferBucket {
    if (!this.bucketName) {
      throw new GimmingError(
        'gimming.cloud.no_bucket',
        409,
        `Cloud ${this.cloudName} has no S3 bucket for transfers (its bucket option): image data cannot move in or out.`,
      );
    }
    return new TransferBucket(this.clients.s3, this.bucketName, this.cloudName);
  }

  async describe(id: string): Promise<CloudImage> {
    const p = this.pending.get(id);
    if (p) {
      if (p.amiId) return this.image(await this.amis.get(p.amiId));
      return {
        ...this.image({ ImageId: id, State: 'pending', Name: p.spec.name }),
        status: 'queued',
        disk_format: p.spec.disk_format,
      };
    }
    return this.image(await this.amis.get(id));
  }

  async list(filters: Record<string, string>, limit: number, deadline: number): Promise<CloudImage[]> {
    const Filters = Object.entries(filters).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
    try {
      const out = await this.clients.ec2.send(
        new DescribeImagesCommand({ Owners: ['self'], ...(Filters.length ? { Filters } : {}) }),
        {
          abortSignal: AbortSignal.timeout(
            Math.max(1, Math.min(deadline - Date.now(), this.own.request_timeout * 1000)),
          ),
        },
      );
      return (out.Images ?? []).slice(0, limit).map((ami) => this.image(ami));
    } catch (err) {
      throw awsFailure(err, 'Listing images', this.cloudName);
    }
  }

  /** A browse page from DescribeImages' own pages (MaxResults, NextToken): see token-pages.ts. */
  async listPage(
    limit: number,
    marker: string,
    deadline: number,
  ): Promise<{ images: CloudImage[]; next?: string }> {
    const page = await pageByTokens({
      limit,
      marker,
      // EC2 takes MaxResults of 5 to 1000.
      pageSize: Math.max(5, Math.min(limit + 1, 1000)),
      maxPageSize: 1000,
      id: (ami: Ami) => ami.ImageId ?? '',
      fetch: async (token, size) => {
        const left = deadline - Date.now();
        if (left <= 0) throw listingLate(this.cloudName);
        try {
          const out = await this.clients.ec2.send(
            new DescribeImagesCommand({
              Owners: ['self'],
              MaxResults: size,
              ...(token ? { NextToken: token } : {}),
            }),
            {
              abortSignal: AbortSignal.timeout(Math.max(1, Math.min(left, this.own.request_timeout * 1000))),
            },
          );
          return { items: out.Images ?? [], next: out.NextToken };
        } catch (err) {
          if ((err as { name?: string }).name === 'InvalidNextToken') throw badMarker(marker);
          throw awsFailure(err, 'Listing images', this.cloudName);
        }
      },
    });
    return { images: page.items.map((ami) => this.image(ami)), ...(page.next ? { next: page.next } : {}) };
  }

  async setProperties(id: string, props: Record<string, string>): Promise<CloudImage> {
    const ami = await this.amis.get(id);
    const set = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== ''));
    await this.amis.tag(ami, propertyTags(set));
    await this.amis.untag(
      ami,
      Object.keys(props).filter((k) => props[k] === '' && k !== PROOF_TAG),
    );
    return this.image(await this.amis.get(id));
  }

  /**
   * EC2's terms: deprecated is a deprecation time (EnableImageDeprecation, now: EC2 takes no time in
   * the past and rounds to the minute, so the next minute); obsolete and revoked are deprecated and
   * disabled (DisableImage: nothing launches from it, and EC2 removes its launch permissions); active
   * undoes both (EnableImage, DisableImageDeprecation). The tag records which of them GIMinG set.
   */
  async setLifecycle(id: string, state: LifecycleState): Promise<CloudImage> {
    const ami = await this.amis.get(id);
    const ec2 = this.clients.ec2;
    const what = `Setting image ${id} ${state}`;
    try {
      if (state === 'active') {
        if (ami.State === 'disabled') await ec2.send(new EnableImageCommand({ ImageId: id }));
        if (ami.DeprecationTime) await ec2.send(new DisableImageDeprecationCommand({ ImageId: id }));
      } else {
        if (!ami.DeprecationTime || Date.parse(ami.DeprecationTime) > Date.now() + 120_000) {
          const nextMinute = new Date(Math.ceil((Date.now() + 1000) / 60_000) * 60_000);
          await ec2.send(new EnableImageDeprecationCommand({ ImageId: id, DeprecateAt: nextMinute }));
        }
        if (state !== 'deprecated' && ami.State !== 'disabled')
          await ec2.send(new DisableImageCommand({ ImageId: id }));
        if (state === 'deprecated' && ami.State === 'disabled')
          await ec2.send(new EnableImageCommand({ ImageId: id }));
      }
    } catch (err) {
      throw awsFailure(err, what, this.cloudName, id);
    }
    if (state === 'active') await this.amis.untag(ami, [LIFECYCLE_TAG]);
    else await this.amis.tag(ami, [{ Key: LIFECYCLE_TAG, Value: state }]);
    return this.image(await this.amis.get(id));
  }

  async update(id: string, changes: { name?: string; visibility?: string }): Promise<CloudImage> {
    const ami = await this.amis.get(id);
    const current = this.image(ami);
    if (changes.name && changes.name !== current.name) {
      throw new GimmingError(
        'gimming.cloud.rename_unsupported',
        409,
        `An image's name cannot change in EC2 (cloud ${this.cloudName}, image ${id}): an AMI keeps the name it was registered with.`,
      );
    }
    if (changes.visibility) {
      // A shared image is a private AMI that the accounts it is shared with may launch (its members), as
      // create() makes it.
      if (!['public', 'private', 'shared'].includes(changes.visibility)) {
        throw new GimmingError(
          'gimming.cloud.bad_visibility',
          400,
          `EC2 images are private or public, not ${changes.visibility.slice(0, 32)}.`,
        );
      }
      const toPublic = changes.visibility === 'public';
      if (toPublic !== (current.visibility === 'public')) {
        await this.launchPermission(id, toPublic ? 'add' : 'remove', { Group: 'all' });
        return this.image(await this.amis.get(id));
      }
    }
    return current;
  }

  private async launchPermission(
    id: string,
    op: 'add' | 'remove',
    who: { Group: 'all' } | { UserId: string },
  ): Promise<void> {
    try {
      await this.clients.ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: id,
          Attribute: 'launchPermission',
          LaunchPermission: op === 'add' ? { Add: [who] } : { Remove: [who] },
        }),
      );
    } catch (err) {
      throw awsFailure(err, `Changing who may launch image ${id}`, this.cloudName, id);
    }
  }

  private accountId(member: string): string {
    if (!ACCOUNT_ID.test(member)) {
      throw new GimmingError(
        'gimming.cloud.bad_member',
        400,
        `An EC2 image is shared with AWS account IDs (12 digits), not ${member.slice(0, 64)}.`,
      );
    }
    return member;
  }

  async addMember(id: string, member: string): Promise<CloudMember> {
    await this.amis.get(id);
    await this.launchPermission(id, 'add', { UserId: this.accountId(member) });
    // EC2 asks nothing of the account it shares with: the permission holds at once.
    return { member_id: member, status: 'accepted', created_at: '', updated_at: '' };
  }

  async removeMember(id: string, member: string): Promise<boolean> {
    const account = this.accountId(member);
    if (!(await this.listMembers(id)).some((m) => m.member_id === account)) return false;
    await this.launchPermission(id, 'remove', { UserId: account });
    return true;
  }

  async listMembers(id: string): Promise<CloudMember[]> {
    if (!AMI_ID.test(id)) await this.amis.get(id);
    try {
      const out = await this.clients.ec2.send(
        new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }),
      );
      return (out.LaunchPermissions ?? []).flatMap((p) =>
        p.UserId ? [{ member_id: p.UserId, status: 'accepted', created_at: '', updated_at: '' }] : [],
      );
    } catch (err) {
      throw awsFailure(err, `Reading who may launch image ${id}`, this.cloudName, id);
    }
  }

  async delete(id: string): Promise<boolean> {
    if (id.startsWith(PENDING_PREFIX)) {
      const p = this.pending.get(id);
      if (!p) return false;
      await new Importer(this.clients.ec2, this.own, this.cloudName).cleanUp(p);
      this.pending.drop(id);
      return true;
    }
    return this.amis.remove(id);
  }

  async openRead(id: string, opts?: TransferOptions): Promise<ImageData> {
    const ami = await this.amis.get(id);
    if (ami.State !== 'available') {
      throw new GimmingError(
        'gimming.remote_image.no_data',
        409,
        `Image ${id} in cloud ${this.cloudName} is ${ami.State ?? 'not available'}.`,
      );
    }
    const data = await new Exporter(this.clients.ec2, this.own, this.cloudName).read(id, this.bucket(), opts);
    // An AMI made outside GIMinG carries no proof: its first full read records one.
    if (decodeProof(tagValue(ami.Tags, PROOF_TAG))) return data;
    return {
      ...data,
      stream: recordingProof(data.stream, (proof) => this.recordProof(id, proof), {
        cloud: this.cloudName,
        amiId: id,
      }),
    };
  }

  async create(spec: ImageSpec): Promise<string> {
    // Everything that can be refused is refused here, before any data moves.
    if (!importFormat(spec.disk_format)) {
      throw new GimmingError(
        'gimming.cloud.unsupported_format',
        400,
        `EC2 imports raw, vmdk and vhd disks, not ${spec.disk_format.slice(0, 32)} (cloud ${this.cloudName}).`,
      );
    }
    if (spec.visibility && !['public', 'private', 'shared'].includes(spec.visibility)) {
      throw new GimmingError(
        'gimming.cloud.bad_visibility',
        400,
        `EC2 images are private or public, not ${spec.visibility.slice(0, 32)}.`,
      );
    }
    const plan = registerPlan(spec.properties);
    const tags = propertyTags(spec.properties);
    return this.pending.add({ bucket: this.bucket(), spec, plan, tags }).id;
  }

  async upload(id: string, data: Readable, opts: TransferOptions = {}): Promise<UploadResult> {
    const p = this.pending.get(id);
    if (!p)
      throw new GimmingError(
        'gimming.remote_image.not_found',
        404,
        `Image ${id} was not found in cloud ${this.cloudName}.`,
      );
    const amiId = await new Importer(this.clients.ec2, this.own, this.cloudName).run(p, data, opts);
    this.pending.drop(id);
    if (p.spec.visibility === 'public') await this.launchPermission(amiId, 'add', { Group: 'all' });
    // EC2 knows its volume's size, not the bytes it was made from: size 0 holds the copy to the bytes the
    // agent wrote (and recordProof keeps them).
    return { image: { ...this.image(await this.amis.get(amiId)), size: 0 } };
  }

  async recordProof(id: string, proof: WrittenProof): Promise<void> {
    const ami = await this.amis.get(id);
    await this.amis.tag(ami, [{ Key: PROOF_TAG, Value: encodeProof(proof) }]);
  }

  async copyNative(
    source: CloudRef__Output,
    sourceImageId: string,
    spec: ImageSpec,
    opts: TransferOptions,
  ): Promise<UploadResult> {
    const amiId = await copyBetweenRegions(
      this.clients.ec2,
      this.own,
      this.cloudName,
      source,
      sourceImageId,
      spec,
      opts,
    );
    return { image: this.image(await this.amis.get(amiId)) };
  }
}
