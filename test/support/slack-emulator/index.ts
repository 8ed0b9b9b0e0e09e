import { SlackEmulator as Emulator, type EmulatorRuntimeOptions } from '../../../src/sandbox/emulator/index.js';
import type { EmulatorOptions } from '../../../src/sandbox/emulator/index.js';
import { FaultInjector, type FaultSpec } from './faults.js';

/**
 * The test suite's Slack: the product's emulator (src/sandbox/emulator, also the local sandbox) plus
 * scripted faults (429s, 500s, `ok:false` errors, delays), which stay here because only tests want them.
 */
export class SlackEmulator extends Emulator {
  private readonly faults: FaultInjector;

  private constructor(faults: FaultInjector, options: EmulatorOptions & Omit<EmulatorRuntimeOptions, 'interceptor'>) {
    super({ ...options, interceptor: faults });
    this.faults = faults;
  }

  static override async start(options: EmulatorOptions & Omit<EmulatorRuntimeOptions, 'interceptor'> = {}): Promise<SlackEmulator> {
    const emulator = new SlackEmulator(new FaultInjector(), options);
    await emulator.listen();
    return emulator;
  }

  fault(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Lets every call held by a `hold` fault go on. */
  releaseHeld(): void {
    this.faults.releaseHeld();
  }

  /** How many Web API calls a `hold` fault keeps waiting right now. */
  get heldCalls(): number {
    return this.faults.heldCount;
  }
}

export {
  slackSignature,
  signedHeaders,
  checkBlocks,
  checkView,
  type BlockKitProblem,
  type Delivery,
  type WaitOptions,
} from '../../../src/sandbox/emulator/index.js';
export type * from '../../../src/sandbox/emulator/types.js';
export type { FaultKind, FaultSpec } from './faults.js';
