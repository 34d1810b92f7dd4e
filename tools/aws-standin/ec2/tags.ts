/** CreateTags, DeleteTags, DescribeTags over the stand-in's taggable resources. */
import type { CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest } from '@aws-sdk/client-ec2';
import { AwsError } from '../errors';
import { applyFilters, tagFields } from '../filters';
import type { Owned } from '../state';
import { addTags, checkTags, paginate, type Ec2Call, type Ec2Handler } from './context';

function resourceType(id: string): string {
  if (id.startsWith('ami-')) return 'image';
  if (id.startsWith('snap-')) return 'snapshot';
  if (id.startsWith('import-snap-')) return 'import-snapshot-task';
  if (id.startsWith('export-ami-')) return 'export-image-task';
  return 'unknown';
}

function resource(call: Ec2Call, id: string): Owned {
  const s = call.svc.store;
  const type = resourceType(id);
  const found =
    type === 'image'
      ? s.images.get(id)
      : type === 'snapshot'
        ? s.snapshots.get(id)
        : type === 'import-snapshot-task'
          ? s.importTasks.get(id)
          : type === 'export-image-task'
            ? s.exportTasks.get(id)
            : undefined;
  if (type === 'unknown') throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
  if (!found || found.account !== call.account || found.region !== call.region) {
    if (type === 'image')
      throw new AwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    if (type === 'snapshot')
      throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    throw new AwsError('InvalidID', `The ID '${id}' does not exist`);
  }
  return found;
}

export const createTags: Ec2Handler = (call) => {
  const i = call.input as CreateTagsRequest;
  const tags = checkTags(i.Tags ?? []);
  const targets = (i.Resources ?? []).map((id) => resource(call, id));
  for (const t of targets) addTags(t.tags, tags);
  call.svc.store.changed();
  return {};
};

export const deleteTags: Ec2Handler = (call) => {
  const i = call.input as DeleteTagsRequest;
  const targets = (i.Resources ?? []).map((id) => resource(call, id));
  const tags = i.Tags ?? [];
  for (const t of targets) {
    if (!tags.length) {
      for (const k of Object.keys(t.tags)) if (!k.startsWith('aws:')) delete t.tags[k];
      continue;
    }
    for (const tag of tags) {
      if (tag.Key === undefined) continue;
      if (tag.Value === undefined || t.tags[tag.Key] === tag.Value) delete t.tags[tag.Key];
    }
  }
  call.svc.store.changed();
  return {};
};

export const describeTags: Ec2Handler = (call) => {
  const i = call.input as DescribeTagsRequest;
  const s = call.svc.store;
  const rows: { Key: string; ResourceId: string; ResourceType: string; Value: string }[] = [];
  for (const map of [s.images, s.snapshots, s.importTasks, s.exportTasks] as Map<string, Owned>[]) {
    for (const r of map.values()) {
      if (r.account !== call.account || r.region !== call.region) continue;
      for (const [Key, Value] of Object.entries(r.tags))
        rows.push({ Key, ResourceId: r.id, ResourceType: resourceType(r.id), Value });
    }
  }
  const filtered = applyFilters(
    rows,
    i.Filters,
    (row, name) => {
      switch (name) {
        case 'key':
          return [row.Key];
        case 'value':
          return [row.Value];
        case 'resource-id':
          return [row.ResourceId];
        case 'resource-type':
          return [row.ResourceType];
        default:
          return tagFields({ [row.Key]: row.Value }, name);
      }
    },
    ['key', 'value', 'resource-id', 'resource-type'],
  );
  const { page, next } = paginate(filtered, i.MaxResults, i.NextToken);
  return { Tags: page, NextToken: next };
};
