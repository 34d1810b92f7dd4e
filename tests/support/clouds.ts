/**
 * One fixture per kind of cloud GIMinG drives, so that a scenario written once runs against every kind:
 * how to register a test-bed cloud of that kind in GIMinG, and how a test reaches the cloud itself (make
 * an image holding known bytes, read it, find the images that carry a property, delete) to check what
 * GIMinG did there, never trusting GIMinG's own view of it. Glance is the first kind; EC2 and GCE add
 * theirs to CLOUD_KINDS as their drivers arrive.
 */
import { randomBytes } from 'node:crypto';
import { http } from './http';
import { Glance } from './openstack';
import type { Testbed } from './testbed';

/** An image as the cloud itself reports it (its own fields, whatever the kind). */
export interface CloudImage {
  id: string;
  status: string;
  name?: string;
  [field: string]: any;
}

/** A cloud seen by a test, as one user: the cloud's own API, not GIMinG's. */
export interface CloudFixture {
  /** The kind of cloud (the CloudKind's name). */
  readonly kind: string;
  /** The cloud's name in GIMinG (as registered with POST /v1/clouds). */
  readonly name: string;
  /** An active image holding `data` (or that many random bytes), with the given cloud fields. */
  createWithData(
    data: number | Buffer,
    fields?: Record<string, unknown>,
  ): Promise<{ image: CloudImage; data: Buffer }>;
  /** The image, or undefined when the cloud has no such image (deleted, never made, not visible). */
  get(id: string): Promise<CloudImage | undefined>;
  /** Every image visible to the user whose property `key` is `value` (a tag GIMinG put, for example). */
  listByProperty(key: string, value: string): Promise<CloudImage[]>;
  /** Sets a property on an image out of band, as another tool (or a crashed run) would. */
  setProperty(id: string, key: string, value: string): Promise<void>;
  /** The image's bytes. */
  download(id: string): Promise<Buffer>;
  /** Deletes the image (nothing when it is gone already). */
  delete(id: string): Promise<void>;
  /** What proves two images hold the same bytes on this kind of cloud (compared as a whole). */
  fingerprint(image: CloudImage): Record<string, unknown>;
}

/** How a kind of cloud of the test bed is registered in GIMinG and reached by tests. */
export interface CloudKind {
  readonly name: string;
  /** The POST /v1/clouds body for the test bed's zone (a GIMinG cloud name such as zone-a). */
  registration(bed: Testbed, zone: string): Record<string, unknown>;
  /** The zone as seen by the holder of `token`. */
  fixture(bed: Testbed, zone: string, token: string): CloudFixture;
}

/** The test bed's zones, each a GIMinG cloud name and the Keystone region behind it. */
export const ZONES: Readonly<Record<string, string>> = { 'zone-a': 'RegionOne', 'zone-b': 'RegionTwo' };

function region(bed: Testbed, zone: string): { name: string; glance_url: string } {
  const name = ZONES[zone];
  const r = name ? bed.regions[name] : undefined;
  if (!name || !r) throw new Error(`the test bed has no zone ${zone}`);
  return { name, glance_url: r.glance_url };
}

/** Glance, through tests/support/openstack.ts. */
export class GlanceCloud implements CloudFixture {
  readonly kind = 'glance';
  readonly glance: Glance;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly token: string,
  ) {
    this.glance = new Glance(url, token);
  }

  async createWithData(
    data: number | Buffer,
    fields: Record<string, unknown> = {},
  ): Promise<{ image: CloudImage; data: Buffer }> {
    const bytes = typeof data === 'number' ? randomBytes(data) : data;
    const image = await this.glance.create({ name: `test-${randomBytes(4).toString('hex')}`, ...fields });
    await this.glance.upload(image.id, bytes);
    return { image: await this.glance.get(image.id), data: bytes };
  }

  get(id: string): Promise<CloudImage | undefined> {
    return this.glance.get(id);
  }

  listByProperty(key: string, value: string): Promise<CloudImage[]> {
    return this.glance.list({ [key]: value });
  }

  async setProperty(id: string, key: string, value: string): Promise<void> {
    const current = await this.glance.get(id);
    const res = await http('PATCH', `${this.url}/v2/images/${id}`, {
      token: this.token,
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: current && key in current ? 'replace' : 'add', path: `/${key}`, value }]),
    });
    if (res.status !== 200) throw new Error(`set ${key} on ${id}: HTTP ${res.status} ${res.text}`);
  }

  async download(id: string): Promise<Buffer> {
    const res = await fetch(`${this.url}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': this.token } });
    if (res.status !== 200) throw new Error(`download ${id}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  delete(id: string): Promise<void> {
    return this.glance.delete(id);
  }

  fingerprint(image: CloudImage): Record<string, unknown> {
    return {
      size: image.size,
      checksum: image.checksum,
      os_hash_algo: image.os_hash_algo,
      os_hash_value: image.os_hash_value,
    };
  }
}

export const glanceKind: CloudKind = {
  name: 'glance',
  registration: (bed, zone) => ({ name: zone, type: 'openstack', region_name: region(bed, zone).name }),
  fixture: (bed, zone, token) => new GlanceCloud(zone, region(bed, zone).glance_url, token),
};

/** Every kind of cloud the scenarios run against: one describe per kind. */
export const CLOUD_KINDS: readonly CloudKind[] = [glanceKind];
