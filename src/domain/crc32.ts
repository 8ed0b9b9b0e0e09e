/**
 * CRC-32 (IEEE 802.3, the one zlib, PNG and `cksum -o 3` use) of a string's UTF-8 bytes: the checksum at
 * the end of every secret (docs/rules.md: key-format), so scanners can recognise a real key offline.
 *
 * Why not `zlib.crc32`: it only exists from Node 20.15, and `engines` allows 20.11, where importing it
 * failed before the app could start. For the 44 ASCII characters a verify checks, this loop costs what
 * zlib's does (about 0.25 µs each on the development machine).
 */
const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

const step = (crc: number, byte: number): number => (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);

export function crc32(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Past ASCII, a character is several UTF-8 bytes: the rare case sums the encoded bytes instead.
    if (code > 0x7f) return crc32OfBytes(Buffer.from(text, 'utf8'));
    crc = step(crc, code);
  }
  return (crc ^ -1) >>> 0;
}

function crc32OfBytes(bytes: Uint8Array): number {
  let crc = -1;
  for (const byte of bytes) crc = step(crc, byte);
  return (crc ^ -1) >>> 0;
}
