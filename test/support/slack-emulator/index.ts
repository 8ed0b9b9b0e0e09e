export { SlackEmulator, type WaitOptions } from './emulator.js';
export { slackSignature, signedHeaders } from './signing.js';
export { checkBlocks, checkView, type BlockKitProblem } from './block-kit.js';
export type { Delivery } from './inbound.js';
export type * from './types.js';
