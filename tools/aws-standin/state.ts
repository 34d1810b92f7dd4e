/**
 * What the stand-in's EC2 holds, per account and region (the region of the request's SigV4 scope):
 * snapshots (their bytes as RAW files in the state directory), images, tags, launch permissions, import
 * and export tasks, and the temporary credentials STS handed out. Written to `state.json` after every
 * change, so a restarted stand-in still knows every resource and resumes its tasks.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Tags = Record<string, string>;

export interface Owned {
  id: string;
  account: string;
  region: string;
  tags: Tags;
}

export interface SnapshotRec extends Owned {
  state: 'pending' | 'completed' | 'error';
  sizeBytes: number;
  volumeSize: number;
  description: string;
  startTime: string;
}

export interface BlockDeviceRec {
  deviceName: string;
  snapshotId?: string;
  volumeSize?: number;
  volumeType?: string;
  deleteOnTermination?: boolean;
}

export interface ImageRec extends Owned {
  name: string;
  description?: string;
  state: 'pending' | 'available' | 'failed' | 'disabled';
  /** EnableImageDeprecation's time (ISO, seconds rounded to the minute as EC2 does). */
  deprecationTime?: string;
  architecture: string;
  bootMode?: string;
  enaSupport?: boolean;
  sriovNetSupport?: string;
  rootDeviceName: string;
  virtualizationType: string;
  blockDeviceMappings: BlockDeviceRec[];
  creationDate: string;
  launchUsers: string[];
  launchPublic: boolean;
  /** While a CopyImage runs: where from, and how far it is. */
  copy?: { sourceRegion: string; sourceImageId: string; startedAt: number; sizeBytes: number; done: boolean };
  stateReason?: { code: string; message: string };
}

export type TaskStatus = 'active' | 'completed' | 'deleting' | 'deleted';

export interface ImportTaskRec extends Owned {
  description?: string;
  format: string;
  bucket: string;
  key: string;
  status: TaskStatus;
  statusMessage: string;
  progress: number;
  sizeBytes: number;
  startedAt: number;
  snapshotId?: string;
  /** Set by fault injection: the task ends failed with this message. */
  failWith?: string;
  /** The bytes are in place (converted to RAW); the task completes when its simulated time is up. */
  dataReady: boolean;
  snapshotDescription?: string;
  encrypted?: boolean;
}

export interface ExportTaskRec extends Owned {
  description?: string;
  imageId: string;
  format: string;
  bucket: string;
  prefix: string;
  status: TaskStatus;
  statusMessage: string;
  progress: number;
  sizeBytes: number;
  startedAt: number;
  dataReady: boolean;
  objectKey: string;
}

export interface TempCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  account: string;
  arn: string;
  userId: string;
  expiration: string;
}

interface Persisted {
  snapshots: Record<string, SnapshotRec>;
  images: Record<string, ImageRec>;
  importTasks: Record<string, ImportTaskRec>;
  exportTasks: Record<string, ExportTaskRec>;
  tempCredentials: Record<string, TempCredential>;
}

export class Store {
  snapshots = new Map<string, SnapshotRec>();
  images = new Map<string, ImageRec>();
  importTasks = new Map<string, ImportTaskRec>();
  exportTasks = new Map<string, ExportTaskRec>();
  tempCredentials = new Map<string, TempCredential>();
  private saving = false;
  readonly snapshotDir: string;
  readonly scratchDir: string;

  constructor(readonly stateDir: string) {
    this.snapshotDir = join(stateDir, 'snapshots');
    this.scratchDir = join(stateDir, 'scratch');
    mkdirSync(this.snapshotDir, { recursive: true });
    mkdirSync(this.scratchDir, { recursive: true });
    let data: Persisted | undefined;
    try {
      data = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as Persisted;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (data) {
      this.snapshots = new Map(Object.entries(data.snapshots));
      this.images = new Map(Object.entries(data.images));
      this.importTasks = new Map(Object.entries(data.importTasks));
      this.exportTasks = new Map(Object.entries(data.exportTasks));
      this.tempCredentials = new Map(Object.entries(data.tempCredentials));
    }
  }

  snapshotFile(id: string): string {
    return join(this.snapshotDir, `${id}.raw`);
  }

  /** Writes state.json soon (several changes in one turn of the event loop are written once). */
  changed(): void {
    if (this.saving) return;
    this.saving = true;
    setImmediate(() => {
      this.saving = false;
      this.saveNow();
    });
  }

  saveNow(): void {
    const data: Persisted = {
      snapshots: Object.fromEntries(this.snapshots),
      images: Object.fromEntries(this.images),
      importTasks: Object.fromEntries(this.importTasks),
      exportTasks: Object.fromEntries(this.exportTasks),
      tempCredentials: Object.fromEntries(this.tempCredentials),
    };
    const path = join(this.stateDir, 'state.json');
    writeFileSync(`${path}.tmp`, JSON.stringify(data), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** The records of one map that belong to this account in this region. */
  static scoped<T extends Owned>(map: Map<string, T>, account: string, region: string): T[] {
    return [...map.values()].filter((r) => r.account === account && r.region === region);
  }
}
