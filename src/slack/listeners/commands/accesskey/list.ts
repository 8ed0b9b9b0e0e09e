import { listMessage } from '../../../surfaces.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

export async function listSubcommand(args: SubcommandArgs, allRoles: boolean): Promise<SubcommandResult> {
  return listMessage(args.ctx, args.userId, allRoles);
}
