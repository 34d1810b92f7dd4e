/** AMIs: RegisterImage, DescribeImages, DeregisterImage and the image attributes (launch permissions). */
import type {
  DeregisterImageRequest,
  DisableImageDeprecationRequest,
  DisableImageRequest,
  EnableImageDeprecationRequest,
  EnableImageRequest,
  DescribeImageAttributeRequest,
  DescribeImagesRequest,
  ModifyImageAttributeRequest,
  RegisterImageRequest,
  ResetImageAttributeRequest,
} from '@aws-sdk/client-ec2';
import { AwsError } from '../errors';
import { applyFilters, tagFields, tagList } from '../filters';
import { newId } from '../ids';
import { enumOf } from '../model';
import type { BlockDeviceRec, ImageRec } from '../state';
import {
  addTags,
  ownImage,
  ownSnapshot,
  paginate,
  tagsFromSpecs,
  visibleImage,
  type Ec2Handler,
} from './context';
import { dropCopy } from './copy-image';
import { checkImageName } from './image-names';

export function imageView(img: ImageRec): Record<string, unknown> {
  return {
    Architecture: img.architecture,
    CreationDate: img.creationDate,
    ImageId: img.id,
    ImageLocation: `${img.account}/${img.name}`,
    ImageType: 'machine',
    Public: img.launchPublic,
    OwnerId: img.account,
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    State: img.state,
    BlockDeviceMappings: img.blockDeviceMappings.map((b) => ({
      DeviceName: b.deviceName,
      Ebs: b.snapshotId
        ? {
            DeleteOnTermination: b.deleteOnTermination ?? true,
            SnapshotId: b.snapshotId,
            VolumeSize: b.volumeSize,
            VolumeType: b.volumeType ?? 'gp2',
            Encrypted: false,
          }
        : undefined,
    })),
    Description: img.description,
    EnaSupport: img.enaSupport,
    Hypervisor: 'xen',
    Name: img.name,
    RootDeviceName: img.rootDeviceName,
    RootDeviceType: 'ebs',
    SriovNetSupport: img.sriovNetSupport,
    StateReason: img.stateReason
      ? { Code: img.stateReason.code, Message: img.stateReason.message }
      : undefined,
    Tags: Object.keys(img.tags).length ? tagList(img.tags) : undefined,
    VirtualizationType: img.virtualizationType,
    BootMode: img.bootMode,
    DeprecationTime: img.deprecationTime,
  };
}

export const registerImage: Ec2Handler = (call) => {
  const i = call.input as RegisterImageRequest;
  if (i.ImageLocation !== undefined) {
    throw new AwsError(
      'UnsupportedOperation',
      'The stand-in registers EBS-backed AMIs from snapshots only (no ImageLocation).',
    );
  }
  checkImageName(call, i.Name as string);
  const virtualizationType = i.VirtualizationType ?? 'paravirtual';
  if (!enumOf(call.svc.model, 'VirtualizationType').includes(virtualizationType)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${virtualizationType}) for parameter virtualizationType is invalid. Valid values: hvm, paravirtual.`,
    );
  }
  if (i.SriovNetSupport !== undefined && i.SriovNetSupport !== 'simple') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${i.SriovNetSupport}) for parameter sriovNetSupport is invalid. Valid value: simple.`,
    );
  }
  const mappings: BlockDeviceRec[] = [];
  for (const m of i.BlockDeviceMappings ?? []) {
    const deviceName = m.DeviceName;
    if (!deviceName)
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        'The device name must be given for every block device mapping.',
      );
    if (!/^\/dev\/(sd[a-z]\d*|xvd[a-z]\d*|nvme\d+n\d+)$/.test(deviceName)) {
      throw new AwsError('InvalidBlockDeviceMapping', `Invalid device name ${deviceName}`);
    }
    if (mappings.some((x) => x.deviceName === deviceName))
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        `The device name ${deviceName} is used more than once.`,
      );
    const ebs = m.Ebs;
    if (!ebs?.SnapshotId) {
      if (m.VirtualName || m.NoDevice !== undefined) {
        mappings.push({ deviceName });
        continue;
      }
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        `The block device mapping for ${deviceName} needs Ebs.SnapshotId.`,
      );
    }
    const snap = ownSnapshot(call, ebs.SnapshotId);
    if (snap.state !== 'completed')
      throw new AwsError('IncorrectState', `Snapshot ${snap.id} is not completed.`);
    const size = ebs.VolumeSize ?? snap.volumeSize;
    if (size < snap.volumeSize) {
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        `Volume of size ${size}GB is smaller than snapshot '${snap.id}', expect size >= ${snap.volumeSize}GB`,
      );
    }
    if (ebs.Encrypted === true)
      throw new AwsError('UnsupportedOperation', 'The stand-in has no encrypted volumes.');
    mappings.push({
      deviceName,
      snapshotId: snap.id,
      volumeSize: size,
      volumeType: ebs.VolumeType,
      deleteOnTermination: ebs.DeleteOnTermination,
    });
  }
  const root = i.RootDeviceName ?? mappings[0]?.deviceName;
  const rootMapping = mappings.find((m) => m.deviceName === root && m.snapshotId);
  if (!root || !rootMapping) {
    throw new AwsError(
      'InvalidBlockDeviceMapping',
      `The root device name ${root ?? '(none)'} must be the device of an EBS block device mapping with a snapshot.`,
    );
  }
  const tags = tagsFromSpecs(i.TagSpecifications, ['image']);
  const img: ImageRec = {
    id: newId('ami'),
    account: call.account,
    region: call.region,
    tags: {},
    name: i.Name as string,
    description: i.Description,
    state: 'available',
    architecture: (i.Architecture as string | undefined) ?? 'i386',
    bootMode: i.BootMode,
    enaSupport: i.EnaSupport,
    sriovNetSupport: i.SriovNetSupport,
    rootDeviceName: root,
    virtualizationType,
    blockDeviceMappings: mappings,
    creationDate: new Date().toISOString(),
    launchUsers: [],
    launchPublic: false,
  };
  addTags(img.tags, tags.image ?? {});
  call.svc.store.images.set(img.id, img);
  call.svc.store.changed();
  return { ImageId: img.id };
};

const IMAGE_FILTERS = [
  'image-id',
  'name',
  'state',
  'owner-id',
  'architecture',
  'is-public',
  'description',
  'root-device-name',
  'virtualization-type',
  'boot-mode',
  'block-device-mapping.snapshot-id',
  'image-type',
];

export const describeImages: Ec2Handler = (call) => {
  const i = call.input as DescribeImagesRequest;
  const ids = i.ImageIds;
  for (const id of ids ?? [])
    if (!/^ami-[0-9a-f]{8,17}$/.test(id))
      throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
  const now = Date.now();
  let images = [...call.svc.store.images.values()].filter(
    (img) =>
      img.region === call.region &&
      (img.account === call.account || img.launchPublic || img.launchUsers.includes(call.account)) &&
      // Disabled AMIs only when asked for (IncludeDisabled), and to their owner only.
      (img.state !== 'disabled' || (i.IncludeDisabled === true && img.account === call.account)) &&
      // Deprecated AMIs: always to their owner and by ID, to others only with IncludeDeprecated.
      (img.account === call.account ||
        !!ids?.length ||
        i.IncludeDeprecated === true ||
        !img.deprecationTime ||
        Date.parse(img.deprecationTime) > now),
  );
  if (ids?.length) {
    const missing = ids.filter((id) => !images.some((img) => img.id === id));
    if (missing.length)
      throw new AwsError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
    images = images.filter((img) => ids.includes(img.id));
  }
  const owners = i.Owners;
  if (owners?.length) {
    for (const o of owners) {
      if (o !== 'self' && o !== 'amazon' && o !== 'aws-marketplace' && !/^\d{12}$/.test(o))
        throw new AwsError('InvalidUserID.Malformed', `Invalid user id: "${o}"`);
    }
    images = images.filter((img) =>
      owners.some((o) => (o === 'self' ? img.account === call.account : o === img.account)),
    );
  }
  const users = i.ExecutableUsers;
  if (users?.length) {
    images = images.filter((img) =>
      users.some((u) =>
        u === 'all'
          ? img.launchPublic
          : u === 'self'
            ? img.account === call.account || img.launchUsers.includes(call.account)
            : img.launchUsers.includes(u),
      ),
    );
  }
  images = applyFilters(
    images,
    i.Filters,
    (img, name) => {
      switch (name) {
        case 'image-id':
          return [img.id];
        case 'name':
          return [img.name];
        case 'state':
          return [img.state];
        case 'owner-id':
          return [img.account];
        case 'architecture':
          return [img.architecture];
        case 'is-public':
          return [String(img.launchPublic)];
        case 'description':
          return img.description === undefined ? [] : [img.description];
        case 'root-device-name':
          return [img.rootDeviceName];
        case 'virtualization-type':
          return [img.virtualizationType];
        case 'boot-mode':
          return img.bootMode ? [img.bootMode] : [];
        case 'image-type':
          return ['machine'];
        case 'block-device-mapping.snapshot-id':
          return img.blockDeviceMappings.flatMap((b) => (b.snapshotId ? [b.snapshotId] : []));
        default:
          return tagFields(img.tags, name);
      }
    },
    IMAGE_FILTERS,
  );
  // EC2's pagination: MaxResults of 5 to 1000 (without it, every image), NextToken from the page before;
  // not with ImageIds.
  if (i.MaxResults !== undefined && ids?.length)
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter ImageIds cannot be used with the parameter maxResults',
    );
  if (i.MaxResults !== undefined && (i.MaxResults < 5 || i.MaxResults > 1000))
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${i.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  const { page, next } = paginate(images, i.MaxResults, i.NextToken);
  return { Images: page.map(imageView), ...(next ? { NextToken: next } : {}) };
};

export const deregisterImage: Ec2Handler = async (call) => {
  const img = ownImage(call, (call.input as DeregisterImageRequest).ImageId!);
  if (img.copy) await dropCopy(call.svc, img);
  call.svc.store.images.delete(img.id);
  call.svc.store.changed();
  return {};
};

function checkUserId(u: string): void {
  if (!/^\d{12}$/.test(u))
    throw new AwsError(
      'InvalidAMIAttributeItemValue',
      `Invalid attribute item value "${u}" for userId item type.`,
    );
}

export const modifyImageAttribute: Ec2Handler = (call) => {
  const i = call.input as ModifyImageAttributeRequest;
  const img = ownImage(call, i.ImageId as string);
  const attribute =
    i.Attribute ??
    (i.LaunchPermission || i.UserIds || i.UserGroups
      ? 'launchPermission'
      : i.Description
        ? 'description'
        : undefined);
  if (attribute === 'description') {
    img.description = i.Description?.Value ?? i.Value ?? '';
  } else if (attribute === 'launchPermission') {
    const add: { Group?: string; UserId?: string }[] = [...((i.LaunchPermission?.Add ?? []) as [])];
    const remove: { Group?: string; UserId?: string }[] = [...((i.LaunchPermission?.Remove ?? []) as [])];
    const op = i.OperationType as string | undefined;
    const legacy = [
      ...(i.UserIds ?? []).map((UserId) => ({ UserId })),
      ...(i.UserGroups ?? []).map((Group) => ({ Group })),
    ];
    if (legacy.length) {
      if (!op) throw new AwsError('MissingParameter', 'The request must contain the parameter OperationType');
      (op === 'add' ? add : remove).push(...legacy);
    }
    if (!add.length && !remove.length)
      throw new AwsError('MissingParameter', 'The request must contain the parameter LaunchPermission');
    for (const p of [...add, ...remove]) {
      if (p.Group !== undefined && p.UserId !== undefined)
        throw new AwsError(
          'InvalidParameterCombination',
          'A launch permission names a Group or a UserId, not both.',
        );
      if (p.Group === undefined && p.UserId === undefined)
        throw new AwsError('InvalidParameterValue', 'A launch permission needs a Group or a UserId.');
      if (p.Group !== undefined && p.Group !== 'all')
        throw new AwsError(
          'InvalidAMIAttributeItemValue',
          `Invalid attribute item value "${p.Group}" for group item type.`,
        );
      if (p.UserId !== undefined) checkUserId(p.UserId);
    }
    for (const p of add) {
      if (p.Group === 'all') img.launchPublic = true;
      else if (p.UserId && !img.launchUsers.includes(p.UserId)) img.launchUsers.push(p.UserId);
    }
    for (const p of remove) {
      if (p.Group === 'all') img.launchPublic = false;
      else img.launchUsers = img.launchUsers.filter((u) => u !== p.UserId);
    }
  } else if (attribute === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter Attribute');
  } else {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${attribute}) for parameter attribute is invalid. Valid values: description, launchPermission.`,
    );
  }
  call.svc.store.changed();
  return {};
};

export const describeImageAttribute: Ec2Handler = (call) => {
  const i = call.input as DescribeImageAttributeRequest;
  const img = visibleImage(call, i.ImageId!);
  const attribute = i.Attribute!;
  const out: Record<string, unknown> = { ImageId: img.id };
  switch (attribute) {
    case 'launchPermission':
      if (img.account !== call.account)
        throw new AwsError('AuthFailure', `Not authorized for image:${img.id}`, 401);
      out.LaunchPermissions = [
        ...(img.launchPublic ? [{ Group: 'all' }] : []),
        ...img.launchUsers.map((UserId) => ({ UserId })),
      ];
      break;
    case 'description':
      out.Description = img.description === undefined ? {} : { Value: img.description };
      break;
    case 'bootMode':
      out.BootMode = img.bootMode === undefined ? {} : { Value: img.bootMode };
      break;
    case 'sriovNetSupport':
      out.SriovNetSupport = img.sriovNetSupport === undefined ? {} : { Value: img.sriovNetSupport };
      break;
    case 'blockDeviceMapping':
      out.BlockDeviceMappings = imageView(img).BlockDeviceMappings;
      break;
    case 'productCodes':
      out.ProductCodes = [];
      break;
    default:
      throw new AwsError(
        'UnsupportedOperation',
        `The stand-in does not describe the image attribute ${attribute}.`,
      );
  }
  return out;
};

export const resetImageAttribute: Ec2Handler = (call) => {
  const img = ownImage(call, (call.input as ResetImageAttributeRequest).ImageId!);
  img.launchPublic = false;
  img.launchUsers = [];
  call.svc.store.changed();
  return {};
};

/** EC2 rounds DeprecateAt to the minute, and takes no time in the past (a minute's skew allowed). */
export const enableImageDeprecation: Ec2Handler = (call) => {
  const i = call.input as EnableImageDeprecationRequest;
  const img = ownImage(call, i.ImageId as string);
  const at = i.DeprecateAt instanceof Date ? i.DeprecateAt : new Date(String(i.DeprecateAt));
  if (Number.isNaN(at.getTime()))
    throw new AwsError('InvalidParameterValue', 'Value for parameter DeprecateAt is invalid.');
  if (at.getTime() < Date.now() - 60_000)
    throw new AwsError('InvalidParameterValue', 'The DeprecateAt time cannot be in the past.');
  const minute = new Date(Math.round(at.getTime() / 60_000) * 60_000);
  img.deprecationTime = minute.toISOString().replace(/\.\d{3}Z$/, '.000Z');
  call.svc.store.changed();
  return { Return: true };
};

export const disableImageDeprecation: Ec2Handler = (call) => {
  const img = ownImage(call, (call.input as DisableImageDeprecationRequest).ImageId as string);
  delete img.deprecationTime;
  call.svc.store.changed();
  return { Return: true };
};

/**
 * DisableImage: the AMI's state becomes disabled, nothing launches from it, and its launch permissions
 * are removed (a public AMI is private again); EnableImage makes it available again, and restores no
 * launch permission. Only an available AMI can be disabled, and only a disabled one enabled.
 */
export const disableImage: Ec2Handler = (call) => {
  const img = ownImage(call, (call.input as DisableImageRequest).ImageId as string);
  if (img.state !== 'available' && img.state !== 'disabled')
    throw new AwsError('IncorrectState', `Image ${img.id} is not available: it is ${img.state}.`);
  img.state = 'disabled';
  img.launchPublic = false;
  img.launchUsers = [];
  call.svc.store.changed();
  return { Return: true };
};

export const enableImage: Ec2Handler = (call) => {
  const img = ownImage(call, (call.input as EnableImageRequest).ImageId as string);
  if (img.state !== 'disabled' && img.state !== 'available')
    throw new AwsError('IncorrectState', `Image ${img.id} is not disabled: it is ${img.state}.`);
  img.state = 'available';
  call.svc.store.changed();
  return { Return: true };
};
