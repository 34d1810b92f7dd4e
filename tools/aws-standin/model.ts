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

/**
 * EC2 operations newer than Debian's botocore model (python3-botocore 1.29's ec2/2016-11-15 has
 * EnableImageDeprecation and DeprecationTime, but not DisableImage, EnableImage, IncludeDisabled nor the
 * `disabled` image state, all added by AWS in 2024, nor DescribeImages' MaxResults and NextToken). Transcribed from AWS's EC2 API reference (the
 * DisableImage and EnableImage pages, DescribeImages' IncludeDisabled) and checked against the shapes of
 * @aws-sdk/client-ec2, so that requests stay checked against a vendor's definition; each is used only
 * when the model read lacks it.
 */
const EC2_SUPPLEMENT: { operations: Record<string, Operation>; shapes: Record<string, Shape> } = {
  operations: {
    DisableImage: {
      name: 'DisableImage',
      input: { shape: 'DisableImageRequest' },
      output: { shape: 'DisableImageResult' },
    },
    EnableImage: {
      name: 'EnableImage',
      input: { shape: 'EnableImageRequest' },
      output: { shape: 'EnableImageResult' },
    },
  },
  shapes: {
    DisableImageRequest: {
      type: 'structure',
      required: ['ImageId'],
      members: { ImageId: { shape: 'ImageId' }, DryRun: { shape: 'Boolean' } },
    },
    DisableImageResult: {
      type: 'structure',
      members: { Return: { shape: 'Boolean', locationName: 'return' } },
    },
    EnableImageRequest: {
      type: 'structure',
      required: ['ImageId'],
      members: { ImageId: { shape: 'ImageId' }, DryRun: { shape: 'Boolean' } },
    },
    EnableImageResult: {
      type: 'structure',
      members: { Return: { shape: 'Boolean', locationName: 'return' } },
    },
  },
};

function supplementEc2(model: ServiceModel): ServiceModel {
  for (const [name, op] of Object.entries(EC2_SUPPLEMENT.operations)) model.operations[name] ??= op;
  for (const [name, shape] of Object.entries(EC2_SUPPLEMENT.shapes)) model.shapes[name] ??= shape;
  const describe = model.shapes.DescribeImagesRequest;
  if (describe?.members && !describe.members.IncludeDisabled)
    describe.members.IncludeDisabled = { shape: 'Boolean' };
  // DescribeImages' pagination (AWS added it in 2020): MaxResults and NextToken in, NextToken out.
  if (describe?.members && !describe.members.MaxResults) describe.members.MaxResults = { shape: 'Integer' };
  if (describe?.members && !describe.members.NextToken) describe.members.NextToken = { shape: 'String' };
  const described = model.shapes.DescribeImagesResult;
  if (described?.members && !described.members.NextToken)
    described.members.NextToken = { shape: 'String', locationName: 'nextToken' };
  const state = model.shapes.ImageState;
  if (state?.enum && !state.enum.includes('disabled')) state.enum.push('disabled');
  return model;
}

/** Loads `botocore/data/<service>/<version>/service-2.json` (once per process). */
export function loadModel(service: 'ec2' | 'sts', version: string): ServiceModel {
  const key = `${service}/${version}`;
  let model = cache.get(key);
  if (!model) {
    const path = join(BOTOCORE_DATA, service, version, 'service-2.json');
    model = JSON.parse(readFileSync(path, 'utf8')) as ServiceModel;
    if (service === 'ec2') model = supplementEc2(model);
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
