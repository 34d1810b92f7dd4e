/**
 * The bandwidth cap a copy is sent with: the lowest of its task's max_bandwidth and the max_bandwidth
 * options of its target and source clouds (doc/source/admin/performance.rst, "Bandwidth caps"); 0: none.
 */
import { lowestCap } from '../../common/bandwidth';
import { cloudBandwidthCap, parseCloudOptions } from '../cloud-kinds';
import type { CloudRow, TaskRow } from '../db/entities';

export function copyBandwidthCap(
  task: Pick<TaskRow, 'maxBandwidth'>,
  target: Pick<CloudRow, 'options'>,
  source: Pick<CloudRow, 'options'> | null | undefined,
): number {
  return lowestCap(
    task.maxBandwidth,
    cloudBandwidthCap(parseCloudOptions(target.options)),
    source ? cloudBandwidthCap(parseCloudOptions(source.options)) : 0,
  );
}
