/** The EC2 actions the stand-in implements; every other action of the model is UnsupportedOperation. */
import type { Ec2Handler } from './context';
import { copyImage } from './copy-image';
import { cancelExportTask, describeExportImageTasks, exportImage } from './export-image';
import {
  describeImageAttribute,
  describeImages,
  deregisterImage,
  disableImage,
  disableImageDeprecation,
  enableImage,
  enableImageDeprecation,
  modifyImageAttribute,
  registerImage,
  resetImageAttribute,
} from './images';
import { cancelImportTask, describeImportSnapshotTasks, importSnapshot } from './import-snapshot';
import { deleteSnapshot, describeRegions, describeSnapshots } from './snapshots';
import { createTags, deleteTags, describeTags } from './tags';

export const EC2_ACTIONS: Record<string, Ec2Handler> = {
  ImportSnapshot: importSnapshot,
  DescribeImportSnapshotTasks: describeImportSnapshotTasks,
  CancelImportTask: cancelImportTask,
  RegisterImage: registerImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  DisableImage: disableImage,
  EnableImage: enableImage,
  ModifyImageAttribute: modifyImageAttribute,
  DescribeImageAttribute: describeImageAttribute,
  ResetImageAttribute: resetImageAttribute,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  ExportImage: exportImage,
  DescribeExportImageTasks: describeExportImageTasks,
  CancelExportTask: cancelExportTask,
  CopyImage: copyImage,
  DescribeRegions: describeRegions,
};
