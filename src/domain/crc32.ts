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

/** Per window width: a byte's share of the register once `width` more bytes have followed it. */
const leavingTables = new Map<number, Int32Array>();

function leavingTable(width: number): Int32Array {
  let table = leavingTables.get(width);
  if (table === undefined) {
    table = new Int32Array(256);
    for (let byte = 0; byte < 256; byte++) {
      let crc = step(0, byte);
      for (let k = 0; k < width; k++) crc = step(crc, 0);
      table[byte] = crc;
    }
    leavingTables.set(width, table);
  }
  return table;
}

/**
 * Offers `crc32(prefix + text.slice(start, start + width))` for every window start from `from` up to
 * `to - width`, until `accept` takes one (then true). One step per character instead of `width`: CRC is
 * affine over GF(2), so the byte leaving the window is taken back out with a table. Single-byte
 * (ASCII or Latin-1) text only, as the base62 runs the URL check scans.
 */
export function someWindowCrc32(
  text: string,
  range: { from: number; to: number },
  prefix: string,
  width: number,
  accept: (start: number, crc: number) => boolean,
): boolean {
  const { from, to } = range;
  if (to - from < width) return false;
  const leaving = leavingTable(width);
  // crc32(prefix + window) = (the window's register from zero) xor crc32(prefix + width zero bytes).
  const offset = crc32(prefix + '\u0000'.repeat(width));
  let register = 0;
  for (let i = from; i < from + width; i++) register = step(register, text.charCodeAt(i) & 0xff);
  for (let start = from; ; start++) {
    if (accept(start, (register ^ offset) >>> 0)) return true;
    const next = start + width;
    if (next >= to) return false;
    register = step(register, text.charCodeAt(next) & 0xff) ^ (leaving[text.charCodeAt(start) & 0xff] ?? 0);
  }
}
