/**
 * EC2 region to EC2 region: CopyImage, issued in the destination region with the destination cloud's
 * keys (the source AMI must be readable to that account), tags copied with the AMI (CopyImageTags) and
 * then set on its new snapshots, and the copy tagged with this image's properties. No bytes pass through
 * the agents: the proof is EC2's own provenance (and the source's proof tag, copied with the tags).
 * A failed or cancelled copy is deregistered with its snapshots.
 */
import { randomUUID } from 'node:crypto';
import { CopyImageCommand, type EC2Client } from './ec2-sdk';
import { GimmingError, describeError } from '../../../common/errors';
import type { CloudRef__Output } from '../../../common/grpc/generated/gimming/agent/v2/CloudRef';
import { getLogger } from '../../../common/log';
import type { ImageSpec, TransferOptions } from '../driver';
import { AMI_ID, Amis } from './ami';
import type { AwsConfig } from './config';
import { awsFailure } from './errors';
import { snapshotsOf } from './record';
import { AMI_TAG, NAME_TAG, amiName, propertyTags } from './tags';

const log = getLogger('agent.aws');

export async function copyBetweenRegions(
  ec2: EC2Client,
  own: AwsConfig,
  cloudName: string,
  source: CloudRef__Output,
  sourceImageId: string,
  spec: ImageSpec,
  opts: TransferOptions,
): Promise<string> {
  if (!AMI_ID.test(sourceImageId)) {
    throw new GimmingError(
      'gimming.remote_image.not_found',
      404,
      `Image ${sourceImageId} was not found in cloud ${source.name || source.id}.`,
    );
  }
  const tags = propertyTags(spec.properties);
  const amis = new Amis(ec2, cloudName);
  let copyId: string | undefined;
  opts.progress?.({ stage: 'copy' });
  try {
    try {
      const out = await ec2.send(
        new CopyImageCommand({
          SourceImageId: sourceImageId,
          SourceRegion: source.region_name,
          Name: amiName(spec.name, spec.properties.gimming_image_id),
          Description: spec.name.slice(0, 255),
          CopyImageTags: true,
          // One per attempt: EC2 answers a token it saw with the same AMI, even one since deregistered.
          ClientToken: randomUUID(),
        }),
      );
      copyId = out.ImageId;
    } catch (err) {
      throw awsFailure(
        err,
        `Copying image ${sourceImageId} from region ${source.region_name}`,
        cloudName,
        sourceImageId,
      );
    }
    if (!copyId) throw new GimmingError('gimming.cloud.error', 502, `Cloud ${cloudName} made no copy.`);
    log.info({ cloud: cloudName, source_image_id: sourceImageId, ami_id: copyId }, 'image copy started');
    const ami = await amis.waitAvailable(copyId, {
      intervalMs: own.task_poll_interval,
      timeoutMs: own.task_timeout * 1000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    // The tags CopyImage brought are on the AMI; its new snapshots get them too, with this image's own.
    const copied = (ami.Tags ?? []).flatMap((t) =>
      t.Key && t.Value !== undefined && !t.Key.startsWith('aws:') ? [{ Key: t.Key, Value: t.Value }] : [],
    );
    await amis.tag(ami, [
      ...copied.filter((t) => !tags.some((o) => o.Key === t.Key)),
      { Key: NAME_TAG, Value: spec.name },
      ...tags,
    ]);
    for (const snapshot of snapshotsOf(ami))
      await amis.tagResource(snapshot, [{ Key: AMI_TAG, Value: copyId }]);
    return copyId;
  } catch (err) {
    if (copyId) {
      try {
        await amis.remove(copyId);
        log.info({ cloud: cloudName, ami_id: copyId }, 'half-made copy deregistered');
      } catch (cleanupErr) {
        log.error(
          { cloud: cloudName, ami_id: copyId, err: describeError(cleanupErr) },
          'could not remove a half-made copy',
        );
      }
    }
    throw err;
  }
}
