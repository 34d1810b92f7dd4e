/**
 * The vendor's published service models, read from Debian's python3-botocore at start-up: every request
 * is checked against them and every answer is built from their output shapes, so the stand-in cannot
 * drift into an echo of what our own driver sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BOTOCORE_DATA =
  process.env.AWS_STANDIN_BOTOCORE_DATA ?? '/usr/lib/python3/dist-packages/botocore/data';

export interface MemberRef {
  shape: string;
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
}

export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'blob'
    | 'double'
    | 'float';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  flattened?: boolean;
  timestampFormat?: string;
}

export interface Operation {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
}

export interface ServiceModel {
  metadata: { apiVersion: string; protocol: 'ec2' | 'query'; xmlNamespace?: string; endpointPrefix: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

const cache = new Map<string, ServiceModel>();

/** Loads `botocore/data/<service>/<version>/service-2.json` (once per process). */
export function loadModel(service: 'ec2' | 'sts', version: string): ServiceModel {
  const key = `${service}/${version}`;
  let model = cache.get(key);
  if (!model) {
    const path = join(BOTOCORE_DATA, service, version, 'service-2.json');
    model = JSON.parse(readFileSync(path, 'utf8')) as ServiceModel;
    cache.set(key, model);
  }
  return model;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`service model has no shape ${name}`);
  return shape;
}

/** The enum values of a named string shape, for members the model types as a plain String. */
export function enumOf(model: ServiceModel, name: string): string[] {
  return shapeOf(model, name).enum ?? [];
}
