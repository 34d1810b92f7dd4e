/**
 * A session on one OpenStack cloud: the cloud-neutral CloudSession over Glance v2.
 */
import type { Readable } from 'node:stream';
import type { CloudRef__Output } from '../../../common/grpc/generated/gimming/agent/v2/CloudRef';
import type {
  CloudSession,
  ImageData,
  ImageSpec,
  LifecycleState,
  TransferOptions,
  UploadResult,
} from '../driver';
import type { CloudImage, CloudMember } from '../image';
import type { GlanceClient } from './client';
import { DiskFormatCache } from './disk-formats';
import { copyByGlanceDownload } from './glance-download';
import { GLANCE_DOWNLOAD, type ImportMethodCache } from './import-methods';
import {
  LIFECYCLE_PROPERTY,
  createBody,
  propertyPatch,
  toCloudImage,
  toCloudMember,
  updatePatch,
} from './record';

/** What a session needs to have its Glance pull an image from another region itself (glance-download). */
export interface NativeImport {
  /** The import methods of the zones' Glances read so far, shared by the sessions of one agent. */
  imports: ImportMethodCache;
  /** [glance] native_import: auto, where the Glance advertises glance-download; never. */
  mode: 'auto' | 'never';
  /** The catalog interface the target Glance reaches the source's through ([agent] glance_interface). */
  serviceInterface: string;
  /** The target cloud: a shared cloud, reached with the caller's own token and catalog. */
  target: { region: string; ownKeystone: boolean };
}

export class GlanceSession implements CloudSession {
  constructor(
    private readonly client: GlanceClient,
    readonly cloudName: string,
    /** The zones' disk formats read so far, shared by the sessions of one agent. */
    private readonly formats: DiskFormatCache = new DiskFormatCache(),
    private readonly native?: NativeImport,
  ) {}

  /**
   * Whether this Glance copies `source` itself (glance-download): the operator allows it, this Glance
   * advertises the method, and both clouds are regions of the caller's own Keystone (the token the
   * target Glance pulls with, the catalog it finds the source's Glance in), in two different regions.
   */
  async nativeCopyFrom(source: CloudRef__Output): Promise<boolean> {
    const n = this.native;
    if (!n || n.mode === 'never' || n.target.ownKeystone) return false;
    if (source.type !== 'openstack' || source.auth_url || source.credentials_ref) return false;
    if (!source.region_name || source.region_name === n.target.region) return false;
    try {
      const methods = await n.imports.get(this.client.endpoint, () => this.client.getImportMethods());
      return methods.includes(GLANCE_DOWNLOAD);
    } catch {
      return false; // the bytes stream through the agents instead
    }
  }

  async copyNative(
    source: CloudRef__Output,
    sourceImageId: string,
    spec: ImageSpec,
    opts: TransferOptions,
  ): Promise<UploadResult> {
    const image = await copyByGlanceDownload(
      this.client,
      this.cloudName,
      {
        region: source.region_name,
        imageId: sourceImageId,
        serviceInterface: this.native?.serviceInterface ?? 'public',
      },
      spec,
      opts,
    );
    return { image: toCloudImage(image) };
  }

  /** The disk formats this zone takes, from its image schema (its [image_format] disk_formats). */
  diskFormats(): Promise<readonly string[]> {
    return this.formats.get(this.client.endpoint, () => this.client.getImageSchema());
  }

  async describe(id: string): Promise<CloudImage> {
    return toCloudImage(await this.client.getImage(id));
  }

  async list(filters: Record<string, string>, limit: number, deadline: number): Promise<CloudImage[]> {
    return (await this.client.listImages(filters, limit, deadline)).map(toCloudImage);
  }

  /** A browse page by Glance's own marker: the marker of the next page is the last image's ID. */
  async listPage(
    limit: number,
    marker: string,
    deadline: number,
  ): Promise<{ images: CloudImage[]; next?: string }> {
    const { images, more } = await this.client.listImagesPage(limit, marker, deadline);
    const last = images[images.length - 1];
    return { images: images.map(toCloudImage), ...(more && last ? { next: last.id } : {}) };
  }

  async setProperties(id: string, props: Record<string, string>): Promise<CloudImage> {
    const current = await this.client.getImage(id);
    const ops = propertyPatch(current, props);
    return toCloudImage(ops.length > 0 ? await this.client.patchImage(id, ops) : current);
  }

  async update(id: string, changes: { name?: string; visibility?: string }): Promise<CloudImage> {
    const current = await this.client.getImage(id);
    const ops = updatePatch(current, changes);
    return toCloudImage(ops.length > 0 ? await this.client.patchImage(id, ops) : current);
  }

  /**
   * Glance's terms: deprecated is hidden from image lists (os_hidden) but still boots; obsolete and revoked
   * are hidden and deactivated (nothing new boots from them, the data is kept); active undoes both.
   */
  async setLifecycle(id: string, state: LifecycleState): Promise<CloudImage> {
    const current = await this.client.getImage(id);
    const deactivate = state === 'obsolete' || state === 'revoked';
    // Reactivated before the patch that undoes the rest, deactivated after the patch that records why.
    if (!deactivate && current.status === 'deactivated') await this.client.imageAction(id, 'reactivate');
    const record = current as Record<string, unknown>;
    const ops: Array<{ op: string; path: string; value?: unknown }> = [];
    const hidden = state !== 'active';
    if (record.os_hidden !== hidden) ops.push({ op: 'replace', path: '/os_hidden', value: hidden });
    if (state === 'active') {
      if (LIFECYCLE_PROPERTY in record) ops.push({ op: 'remove', path: `/${LIFECYCLE_PROPERTY}` });
    } else if (record[LIFECYCLE_PROPERTY] !== state) {
      ops.push({
        op: LIFECYCLE_PROPERTY in record ? 'replace' : 'add',
        path: `/${LIFECYCLE_PROPERTY}`,
        value: state,
      });
    }
    if (ops.length > 0) await this.client.patchImage(id, ops);
    if (deactivate && current.status !== 'deactivated') await this.client.imageAction(id, 'deactivate');
    return toCloudImage(await this.client.getImage(id));
  }

  async addMember(id: string, member: string): Promise<CloudMember> {
    return toCloudMember(await this.client.addMember(id, member));
  }

  removeMember(id: string, member: string): Promise<boolean> {
    return this.client.removeMember(id, member);
  }

  async listMembers(id: string): Promise<CloudMember[]> {
    return (await this.client.listMembers(id)).map(toCloudMember);
  }

  delete(id: string): Promise<boolean> {
    return this.client.deleteImage(id);
  }

  async openRead(id: string): Promise<ImageData> {
    // No separate look at the image first: Glance answers a read of an image without data (queued,
    // deactivated, killed) with a status that openData turns into a clear error.
    const res = await this.client.openData(id);
    const announced = Number(res.headers['content-length'] ?? NaN);
    return { stream: res, ...(Number.isFinite(announced) ? { announcedLength: announced } : {}) };
  }

  async create(spec: ImageSpec): Promise<string> {
    return (await this.client.createImage(createBody(spec))).id;
  }

  async upload(id: string, data: Readable): Promise<UploadResult> {
    await this.client.uploadData(id, data, undefined);
    // Glance hashed the data as it stored it: its record is the proof.
    return { image: toCloudImage(await this.client.getImage(id)) };
  }
}
