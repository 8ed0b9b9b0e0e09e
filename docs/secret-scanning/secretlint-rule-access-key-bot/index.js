// A secretlint rule for Access Key Bot secrets (docs/secret-scanning/README.md). A secret is `aks_`, 40
// random base62 characters and a 6-character base62 CRC-32 of the 44 characters before it; this rule
// reports only strings whose checksum is right, so look-alikes (examples, typos, test fixtures with a
// made-up tail) are not reported. Plain JavaScript with no dependencies: copy it anywhere.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET = /(?<![0-9A-Za-z_])aks_[0-9A-Za-z]{46}(?![0-9A-Za-z])/g;

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib) of ASCII text. */
function crc32(text) {
  let crc = -1;
  for (let i = 0; i < text.length; i++) crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The number in 6 base62 digits, most significant first. */
function base62(value) {
  let out = '';
  let rest = value;
  for (let i = 0; i < 6; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export function isAccessKeyBotSecret(candidate) {
  return candidate.length === 50 && base62(crc32(candidate.slice(0, 44))) === candidate.slice(44);
}

const messages = {
  AccessKeyBotSecret: {
    en: () => 'found an Access Key Bot secret (aks_…, valid checksum): report its key compromised and rotate it',
  },
};

export const creator = {
  messages,
  meta: {
    id: 'secretlint-rule-access-key-bot',
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        for (const match of source.content.matchAll(SECRET)) {
          if (!isAccessKeyBotSecret(match[0])) continue;
          context.report({ message: t('AccessKeyBotSecret'), range: [match.index, match.index + match[0].length] });
        }
      },
    };
  },
};
