/**
 * The options of image conversion ([agent] image_conversion, qemu_img_path), composed into the [agent]
 * group after the staging options (the scratch space is part of the staging area), and checked at the
 * agent's start: with conversion on, qemu-img must run.
 */
import type { ConfigValues, GimmingConfig, GroupSpec } from '../../common/config/schema';
import type { ConfigFragment } from '../drivers/driver';
import { qemuImgVersion } from './qemu-img';

const OPTIONS = {
  image_conversion: {
    doc:
      'Convert image data with qemu-img when a copy goes to a cloud that does not take the disk format of ' +
      'its source (EC2 takes no qcow2; an OpenStack zone may refuse formats with its own disk_formats). The ' +
      'target agent pulls the source into scratch space under staging_dir, counted against ' +
      'staging_max_bytes, converts it, and uploads the result. When false, such a copy is refused (409). ' +
      'When true, the agent does not start unless qemu_img_path runs.',
    format: 'oslo-bool' as const,
    default: false,
  },
  qemu_img_path: {
    doc: 'Path of the qemu-img program (Debian and Ubuntu: package qemu-utils) that image conversion runs.',
    format: 'oslo-string' as const,
    default: '/usr/bin/qemu-img',
  },
} satisfies GroupSpec;

export const CONVERSION_CONFIG: ConfigFragment = {
  options: { agent: { after: 'staging_max_upload_bytes', options: OPTIONS } },
};

export type ConversionConfig = ConfigValues<typeof OPTIONS>;

/** The conversion options in a loaded configuration (loaded with CONVERSION_CONFIG composed in). */
export function conversionConfig(config: GimmingConfig): ConversionConfig {
  return (config as unknown as { agent: ConversionConfig }).agent;
}

/**
 * Checks that qemu-img runs when conversion is on (the agent then does not start otherwise); its
 * version line, or null when conversion is off.
 */
export async function checkConversion(config: GimmingConfig): Promise<string | null> {
  const own = conversionConfig(config);
  if (!own.image_conversion) return null;
  return qemuImgVersion(own.qemu_img_path);
}
