/** CRC-32C (Castagnoli), as Cloud Storage reports it in `crc32c` and `x-goog-hash` (base64, big endian). */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export class Crc32c {
  private crc = 0xffffffff;

  update(buf: Uint8Array): this {
    let c = this.crc;
    for (const byte of buf) c = (TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
    this.crc = c >>> 0;
    return this;
  }

  /** The value as Cloud Storage writes it: four bytes, big endian, in base64. */
  base64(): string {
    const b = Buffer.alloc(4);
    b.writeUInt32BE((this.crc ^ 0xffffffff) >>> 0);
    return b.toString('base64');
  }
}
