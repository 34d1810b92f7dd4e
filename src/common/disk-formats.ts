/**
 * Disk formats GIMinG can convert image data between (with qemu-img, in the target agent), by the names
 * Glance gives them, and the choice of the format a copy is converted to: shared by the conductor (which
 * plans the copy) and the agent (which converts, and re-checks a cloud's own list at copy time).
 */

/** Glance's disk_format names -> qemu-img's format names, for the formats a conversion reads or writes. */
export const QEMU_IMG_FORMATS: Readonly<Record<string, string>> = {
  raw: 'raw',
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
};

/** Every disk format a conversion can read and write. */
export const CONVERTIBLE_FORMATS: readonly string[] = Object.keys(QEMU_IMG_FORMATS);

/**
 * The formats a copy is converted to, best first. raw first: every cloud boots it and imports it
 * without a converter of its own (EC2's import is simplest with it), and qemu-img writes it fastest; its
 * cost is room (a raw image is as large as its virtual disk, which the scratch space must hold). Then the
 * formats that keep a sparse disk small and that EC2 and Glance both take (vmdk, vhd), then qcow2 and the
 * rest.
 */
export const CONVERSION_PREFERENCE: readonly string[] = ['raw', 'vmdk', 'vhd', 'qcow2', 'vhdx', 'vdi'];

/**
 * The format data in `source` format is converted to for a cloud that takes `accepted` (empty: any),
 * when this agent converts `convertible`: null when the cloud takes the source as it is, undefined when
 * no conversion can serve.
 */
export function conversionTarget(
  source: string,
  accepted: readonly string[],
  convertible: readonly string[] = CONVERTIBLE_FORMATS,
): string | null | undefined {
  if (accepted.length === 0 || accepted.includes(source)) return null;
  if (!convertible.includes(source)) return undefined;
  return CONVERSION_PREFERENCE.find((f) => convertible.includes(f) && accepted.includes(f));
}
