/**
 * A session on one GCE cloud (a GCP project): the cloud-neutral CloudSession over the project's images,
 * their IAM policies (sharing) and the import through the transfer bucket. GCE has no API that hands out
 * an image's bytes: openRead refuses, and the driver's capabilities say so (canExport false).
 */
import type { Readable } from 'node:stream';
import type { protos } from '@google-cloud/compute';
import { GimmingError } from '../../../common/errors';
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
import type { GcpClients } from './clients';
import type { GcpConfig } from './config';
import { decodeDescription, encodeDescription } from './description';
import { gcpFailure } from './errors';
import { TransferBucket } from './gcs-objects';
import { type CloudDefaults, insertPlan } from './image-spec';
import { Importer, type PendingImports, checkDescription } from './import';
import { alreadySet, deprecationStatus, imageUrl } from './lifecycle';
import { gceImageName, isImageName, labelValue } from './names';
import { ID_LABEL, VISIBILITY_LABEL, toCloudImage } from './record';
import { operationName, waitOperation } from './wait';

type Image = protos.google.cloud.compute.v1.IImage;
type Policy = protos.google.cloud.compute.v1.IPolicy;

export const IMAGE_USER_ROLE = 'roles/compute.imageUser';
const PUBLIC_MEMBER = 'allAuthenticatedUsers';
const MEMBER = /^(user|serviceAccount|group|domain):\S{1,320}$/;
/** Properties GIMinG reads from an image's own fields: not kept in its description. */
const OWN_FIELDS = new Set(['gce_description']);

export class GcpSession implements CloudSession {
  constructor(
    private readonly clients: GcpClients,
    private readonly own: GcpConfig,
    private readonly pending: PendingImports,
    readonly cloudName: string,
    private readonly bucketName: string,
    private readonly defaults: CloudDefaults = {},
  ) {}

  private get project(): string {
    return this.clients.project;
  }

  private importer(): Importer {
    return new Importer(this.clients, this.own, this.cloudName);
  }

  private bucket(): TransferBucket {
    if (!this.bucketName) {
      throw new GimmingError(
        'gimming.cloud.no_bucket',
        409,
        `Cloud ${this.cloudName} has no Cloud Storage bucket for transfers (its bucket option): images cannot be made in it.`,
      );
    }
    return new TransferBucket(
      this.clients.storage,
      this.bucketName,
      this.cloudName,
      this.own.request_timeout * 1000,
    );
  }

  private async get(id: string): Promise<Image> {
    if (!isImageName(id)) {
      throw new GimmingError(
        'gimming.remote_image.not_found',
        404,
        `Image ${id.slice(0, 64)} was not found in cloud ${this.cloudName}.`,
      );
    }
    try {
      const [image] = await this.clients.images.get({ project: this.project, image: id });
      return image;
    } catch (err) {
      throw gcpFailure(err, `Reading image ${id}`, this.cloudName, id);
    }
  }

  private image(image: Image): CloudImage {
    return toCloudImage(image, this.project);
  }

  async describe(id: string): Promise<CloudImage> {
    const p = this.pending.get(id);
    if (p) {
      try {
        return this.image(await this.get(id));
      } catch {
        return {
          ...this.image({ name: id, status: 'PENDING', description: encodeDescription(p.record) }),
          status: 'queued',
        };
      }
    }
    return this.image(await this.get(id));
  }

  async list(filters: Record<string, string>, limit: number, deadline: number): Promise<CloudImage[]> {
    const id = filters[ID_LABEL] !== undefined ? labelValue(filters[ID_LABEL]) : undefined;
    const found: CloudImage[] = [];
    try {
      const iterable = this.clients.images.listAsync(
        { project: this.project, ...(id ? { filter: `labels.${ID_LABEL} = "${id}"` } : {}), maxResults: 500 },
        {
          autoPaginate: false,
          timeout: Math.max(1, Math.min(deadline - Date.now(), this.own.request_timeout * 1000)),
        },
      );
      for await (const image of iterable) {
        const shown = this.image(image);
        if (Object.entries(filters).every(([k, v]) => shown.properties[k] === v)) found.push(shown);
        if (found.length >= limit || Date.now() >= deadline) break;
      }
    } catch (err) {
      throw gcpFailure(err, 'Listing images', this.cloudName);
    }
    return found;
  }

  /** A browse page from images.list's own pages (maxResults, pageToken): see token-pages.ts. */
  async listPage(
    limit: number,
    marker: string,
    deadline: number,
  ): Promise<{ images: CloudImage[]; next?: string }> {
    const page = await pageByTokens({
      limit,
      marker,
      // GCE takes maxResults of 0 to 500.
      pageSize: Math.min(limit + 1, 500),
      maxPageSize: 500,
      id: (image: Image) => image.name ?? '',
      fetch: async (token, size) => {
        const left = deadline - Date.now();
        if (left <= 0) throw listingLate(this.cloudName);
        try {
          const [items, , raw] = await this.clients.images.list(
            { project: this.project, maxResults: size, ...(token ? { pageToken: token } : {}) },
            { autoPaginate: false, timeout: Math.max(1, Math.min(left, this.own.request_timeout * 1000)) },
          );
          return { items, next: raw?.nextPageToken ?? undefined };
        } catch (err) {
          if (token && /page ?token/i.test((err as Error).message ?? '')) throw badMarker(marker);
          throw gcpFailure(err, 'Listing images', this.cloudName);
        }
      },
    });
    return { images: page.items.map((i) => this.image(i)), ...(page.next ? { next: page.next } : {}) };
  }

  /** Changes an image's description (images.patch) and waits for it. */
  private async patch(id: string, resource: Image): Promise<void> {
    try {
      const [started] = await this.clients.images.patch({
        project: this.project,
        image: id,
        imageResource: resource,
      });
      await waitOperation(this.clients.operations, this.project, operationName(started), this.cloudName, {
        intervalMs: this.own.operation_poll_interval,
        timeoutMs: this.own.request_timeout * 1000,
      });
    } catch (err) {
      throw gcpFailure(err, `Changing image ${id}`, this.cloudName, id);
    }
  }

  private async setLabels(image: Image, labels: Record<string, string>): Promise<void> {
    const id = image.name ?? '';
    try {
      const [started] = await this.clients.images.setLabels({
        project: this.project,
        resource: id,
        globalSetLabelsRequestResource: { labels, labelFingerprint: image.labelFingerprint ?? '' },
      });
      await waitOperation(this.clients.operations, this.project, operationName(started), this.cloudName, {
        intervalMs: this.own.operation_poll_interval,
        timeoutMs: this.own.request_timeout * 1000,
      });
    } catch (err) {
      throw gcpFailure(err, `Labelling image ${id}`, this.cloudName, id);
    }
  }

  async setProperties(id: string, props: Record<string, string>): Promise<CloudImage> {
    const image = await this.get(id);
    const record = decodeDescription(image.description);
    const properties = { ...(record.properties ?? {}) };
    for (const [k, v] of Object.entries(props)) {
      if (v === '') delete properties[k];
      else properties[k] = v;
    }
    for (const k of OWN_FIELDS) delete properties[k];
    const description = encodeDescription({
      name: record.name ?? image.name ?? id,
      properties,
      ...(record.proof ? { proof: record.proof } : {}),
    });
    await this.patch(id, { description });
    if (ID_LABEL in props) {
      const labels = { ...(image.labels ?? {}) };
      const value = props[ID_LABEL] ? labelValue(props[ID_LABEL]) : undefined;
      if (value) labels[ID_LABEL] = value;
      else delete labels[ID_LABEL];
      await this.setLabels(await this.get(id), labels);
    }
    return this.image(await this.get(id));
  }

  private checkVisibility(visibility: string): void {
    if (!['public', 'private', 'shared'].includes(visibility)) {
      throw new GimmingError(
        'gimming.cloud.bad_visibility',
        400,
        `GCE images are private or public, not ${visibility.slice(0, 32)}.`,
      );
    }
    if (visibility === 'public' && !this.own.allow_public_images) {
      throw new GimmingError(
        'gimming.cloud.public_refused',
        403,
        `Images in cloud ${this.cloudName} cannot be made public: its agents' [gcp] allow_public_images is off.`,
      );
    }
  }

  async update(id: string, changes: { name?: string; visibility?: string }): Promise<CloudImage> {
    const image = await this.get(id);
    const current = this.image(image);
    if (changes.name && changes.name !== current.name) {
      throw new GimmingError(
        'gimming.cloud.rename_unsupported',
        409,
        `An image's name cannot change in GCE (cloud ${this.cloudName}, image ${id}): an image keeps the name it was made with.`,
      );
    }
    if (changes.visibility) {
      this.checkVisibility(changes.visibility);
      const toPublic = changes.visibility === 'public';
      if (toPublic !== (current.visibility === 'public')) {
        await this.binding(id, toPublic ? 'add' : 'remove', PUBLIC_MEMBER);
        const labels = { ...(image.labels ?? {}) };
        if (toPublic) labels[VISIBILITY_LABEL] = 'public';
        else delete labels[VISIBILITY_LABEL];
        await this.setLabels(await this.get(id), labels);
        return this.image(await this.get(id));
      }
    }
    return current;
  }

  /**
   * GCE's terms (lifecycle.ts): the image's deprecation status, set by images.deprecate (a global
   * operation, waited for); `replacementId` is the image (in this project) that replaces it.
   */
  async setLifecycle(id: string, state: LifecycleState, replacementId?: string): Promise<CloudImage> {
    const image = await this.get(id);
    const replacement =
      state !== 'active' && replacementId ? imageUrl(this.project, replacementId) : undefined;
    if (alreadySet(state, image.deprecated, replacement)) return this.image(image);
    try {
      const [started] = await this.clients.images.deprecate({
        project: this.project,
        image: id,
        deprecationStatusResource: deprecationStatus(state, image.deprecated, new Date(), replacement),
      });
      await waitOperation(this.clients.operations, this.project, operationName(started), this.cloudName, {
        intervalMs: this.own.operation_poll_interval,
        timeoutMs: this.own.request_timeout * 1000,
      });
    } catch (err) {
      throw gcpFailure(err, `Setting image ${id} ${state}`, this.cloudName, id);
    }
    return this.image(await this.get(id));
  }

  private async policy(id: string): Promise<Policy> {
    try {
      const [policy] = await this.clients.images.getIamPolicy({ project: this.project, resource: id });
      return policy;
    } catch (err) {
      throw gcpFailure(err, `Reading who may use image ${id}`, this.cloudName, id);
    }
  }

  /** Adds or removes `member` in the image's roles/compute.imageUser binding; false when nothing changed. */
  private async binding(id: string, op: 'add' | 'remove', member: string): Promise<boolean> {
    const policy = await this.policy(id);
    const bindings = [...(policy.bindings ?? [])];
    let binding = bindings.find((b) => b.role === IMAGE_USER_ROLE && !b.condition);
    if (!binding) {
      if (op === 'remove') return false;
      binding = { role: IMAGE_USER_ROLE, members: [] };
      bindings.push(binding);
    }
    const members = new Set(binding.members ?? []);
    if (op === 'add' ? members.has(member) : !members.has(member)) return false;
    if (op === 'add') members.add(member);
    else members.delete(member);
    binding.members = [...members];
    try {
      await this.clients.images.setIamPolicy({
        project: this.project,
        resource: id,
        globalSetPolicyRequestResource: {
          policy: { ...policy, bindings: bindings.filter((b) => (b.members ?? []).length > 0) },
        },
      });
    } catch (err) {
      throw gcpFailure(err, `Changing who may use image ${id}`, this.cloudName, id);
    }
    return true;
  }

  private member(member: string): string {
    if (!MEMBER.test(member)) {
      throw new GimmingError(
        'gimming.cloud.bad_member',
        400,
        'A GCE image is shared with IAM members (user:, serviceAccount:, group: or domain:), not ' +
          `${member.slice(0, 64)}.`,
      );
    }
    return member;
  }

  async addMember(id: string, member: string): Promise<CloudMember> {
    await this.binding(id, 'add', this.member(member));
    return { member_id: member, status: 'accepted', created_at: '', updated_at: '' };
  }

  async removeMember(id: string, member: string): Promise<boolean> {
    return this.binding(id, 'remove', this.member(member));
  }

  async listMembers(id: string): Promise<CloudMember[]> {
    const policy = await this.policy(id);
    return (policy.bindings ?? [])
      .filter((b) => b.role === IMAGE_USER_ROLE && !b.condition)
      .flatMap((b) => b.members ?? [])
      .filter((m) => m !== PUBLIC_MEMBER && m !== 'allUsers')
      .map((m) => ({ member_id: m, status: 'accepted', created_at: '', updated_at: '' }));
  }

  async delete(id: string): Promise<boolean> {
    const p = this.pending.get(id);
    if (p) {
      await this.importer().cleanUp(p);
      this.pending.drop(id);
      return true;
    }
    if (!isImageName(id)) return false;
    return this.importer().deleteImage(id);
  }

  async openRead(id: string): Promise<ImageData> {
    throw new GimmingError(
      'gimming.cloud.export_unsupported',
      409,
      `Image ${id.slice(0, 64)} in cloud ${this.cloudName} cannot be the source of a copy: GCE has no API ` +
        "that hands out an image's bytes.",
    );
  }

  async create(spec: ImageSpec): Promise<string> {
    // Everything that can be refused is refused here, before any data moves.
    if (spec.disk_format !== 'raw') {
      throw new GimmingError(
        'gimming.cloud.unsupported_format',
        400,
        `GCE makes images from raw disks, not ${spec.disk_format.slice(0, 32)} (cloud ${this.cloudName}): the agent converts other formats first.`,
      );
    }
    if (spec.visibility) this.checkVisibility(spec.visibility);
    const plan = insertPlan(spec.properties, this.defaults);
    const imageId = spec.properties[ID_LABEL];
    const labels: Record<string, string> = {};
    const idLabel = imageId ? labelValue(imageId) : undefined;
    if (idLabel) labels[ID_LABEL] = idLabel;
    const properties = Object.fromEntries(
      Object.entries(spec.properties).filter(([k]) => !OWN_FIELDS.has(k)),
    );
    const record = { name: spec.name, properties };
    checkDescription(record);
    const bucket = this.bucket();
    const name = gceImageName(spec.name, imageId);
    return this.pending.add({ name, bucket, spec, plan, labels, record }).name;
  }

  async upload(id: string, data: Readable, opts: TransferOptions = {}): Promise<UploadResult> {
    const p = this.pending.get(id);
    if (!p) {
      throw new GimmingError(
        'gimming.remote_image.not_found',
        404,
        `Image ${id} was not found in cloud ${this.cloudName}.`,
      );
    }
    if (opts.size === undefined) {
      this.pending.drop(id);
      throw new GimmingError(
        'gimming.cloud.size_required',
        422,
        `GCE needs an image's size before its data (cloud ${this.cloudName}): this copy's source announced none.`,
      );
    }
    try {
      await this.importer().run(p, data, opts.size, opts);
    } finally {
      this.pending.drop(id);
    }
    if (p.spec.visibility === 'public') await this.update(id, { visibility: 'public' });
    // GCE knows its disk's size in GB, not the bytes it was made from: size 0 holds the copy to the
    // bytes the agent wrote (and recordProof keeps them).
    return { image: { ...this.image(await this.get(id)), size: 0 } };
  }

  /**
   * Records the agent's proof; a copy this driver made already carries it (the driver hashed the bytes
   * on their way into the archive): only a different one is written (images.patch).
   */
  async recordProof(id: string, proof: WrittenProof): Promise<void> {
    const image = await this.get(id);
    const record = decodeDescription(image.description);
    if (sameProof(record.proof, proof)) return;
    await this.patch(id, {
      description: encodeDescription({
        name: record.name ?? image.name ?? id,
        properties: record.properties ?? {},
        proof,
      }),
    });
  }
}

/** Whether a recorded proof says what `proof` says: the same size, and every digest both have equal. */
export function sameProof(recorded: WrittenProof | undefined, proof: WrittenProof): boolean {
  if (!recorded || recorded.size !== proof.size) return false;
  const shared = Object.keys(proof.digests).filter((a) => recorded.digests[a] !== undefined);
  return shared.length > 0 && shared.every((a) => recorded.digests[a] === proof.digests[a]);
}
