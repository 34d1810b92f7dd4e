/**
 * What the first bytes of a qcow2 image say: its virtual size (how large the disk is once converted to
 * raw), read before the rest arrives so that a conversion too large for the scratch space is refused
 * before any work. The layout is qemu's docs/interop/qcow2.txt: big-endian fields at fixed offsets.
 */

/** The qcow2 magic, "QFI\xfb". */
const QCOW2_MAGIC = 0x514649fb;

/** The bytes the fields read here need: magic .. crypt_method (offsets 0-35). */
export const QCOW2_HEADER_BYTES = 36;

export interface Qcow2Header {
  version: number;
  /** The size of the virtual disk in bytes. */
  virtualSize: number;
  /** The image names a backing file: its data would be read from the converting host's disk. */
  hasBackingFile: boolean;
  /** 0: not encrypted. */
  cryptMethod: number;
}

/** The header's fields, or a reason why `head` is not the start of a qcow2 image this agent converts. */
export function parseQcow2Header(head: Buffer): Qcow2Header | { problem: string } {
  if (head.length < QCOW2_HEADER_BYTES) return { problem: 'it is too short to be a qcow2 image' };
  if (head.readUInt32BE(0) !== QCOW2_MAGIC) return { problem: 'it does not start with the qcow2 magic' };
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) return { problem: `its qcow2 version ${version} is unknown` };
  const size = head.readBigUInt64BE(24);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: 'its virtual size is out of range' };
  return {
    version,
    virtualSize: Number(size),
    hasBackingFile: head.readBigUInt64BE(8) !== 0n,
    cryptMethod: head.readUInt32BE(32),
  };
}
