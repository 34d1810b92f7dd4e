/**
 * What ImportSnapshot checks and converts, and what ExportImage writes, with Debian's qemu-img: a disk
 * is recognised by its magic bytes, never by the format the caller claims.
 */
import { execFile } from 'node:child_process';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

export type DetectedFormat = 'raw' | 'vmdk' | 'vhd' | 'qcow2' | 'vdi' | 'vhdx';

export function detectFormat(file: string): { format: DetectedFormat; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(512);
    readSync(fd, head, 0, 512, 0);
    const tail = Buffer.alloc(512);
    if (size >= 512) readSync(fd, tail, 0, 512, size - 512);
    if (head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) return { format: 'qcow2', size };
    if (head.subarray(0, 8).toString('latin1') === 'vhdxfile') return { format: 'vhdx', size };
    if (head.readUInt32LE(0x40) === 0xbeda107f) return { format: 'vdi', size };
    if (
      head.subarray(0, 4).toString('latin1') === 'KDMV' ||
      head.subarray(0, 21).toString('latin1') === '# Disk DescriptorFile'
    ) {
      return { format: 'vmdk', size };
    }
    if (
      head.subarray(0, 8).toString('latin1') === 'conectix' ||
      tail.subarray(0, 8).toString('latin1') === 'conectix'
    ) {
      return { format: 'vhd', size };
    }
    return { format: 'raw', size };
  } finally {
    closeSync(fd);
  }
}

const QEMU_FORMAT: Record<string, string> = { raw: 'raw', vmdk: 'vmdk', vhd: 'vpc' };

/** qemu-img convert; VMDK out is streamOptimized, as EC2's exports are. */
export function convert(
  from: string,
  fromFormat: string,
  to: string,
  toFormat: string,
  signal: AbortSignal,
): Promise<void> {
  const args = ['convert', '-q', '-f', QEMU_FORMAT[fromFormat]!, '-O', QEMU_FORMAT[toFormat]!];
  if (toFormat === 'vmdk') args.push('-o', 'subformat=streamOptimized');
  if (toFormat === 'vhd') args.push('-o', 'subformat=fixed,force_size=on');
  args.push(from, to);
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { signal }, (err, _out, stderr) => {
      if (err) reject(new Error(`qemu-img ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
