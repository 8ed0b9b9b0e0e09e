export { SlackEmulator, type ChangeListener, type EmulatorRuntimeOptions, type WaitOptions } from './emulator.js';
export type { CallInterceptor, InterceptOutcome } from './interceptor.js';
export { slackSignature, signedHeaders } from './signing.js';
export { checkBlocks, checkView, type BlockKitProblem } from './block-kit.js';
export type { Delivery } from './inbound.js';
export type * from './types.js';
export { stateValuesFromForm } from './elements.js';
export { conversationsSnapshotSchema, type ConversationsSnapshot } from './snapshot.js';
