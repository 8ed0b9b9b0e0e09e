import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand, type ParsedCommand } from '../../input/command.js';
import type { Message } from '../../views/blocks.js';
import { errorMessage, helpMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { adminSubcommand } from './accesskey/admin.js';
import { compromisedSubcommand } from './accesskey/compromised.js';
import { createSubcommand } from './accesskey/create.js';
import { deleteSubcommand } from './accesskey/delete.js';
import { extendSubcommand } from './accesskey/extend.js';
import { networksSubcommand } from './accesskey/networks.js';
import { listSubcommand } from './accesskey/list.js';
import { requestAccessSubcommand } from './accesskey/request-access.js';
import { roleSubcommand } from './accesskey/role.js';
import { rotateSubcommand } from './accesskey/rotate.js';
import { showSubcommand } from './accesskey/show.js';
import { statusSubcommand } from './accesskey/status.js';
import { usageSubcommand } from './accesskey/usage.js';
import type { SubcommandArgs, SubcommandResult } from './accesskey/types.js';

function route(args: SubcommandArgs, command: ParsedCommand): Promise<SubcommandResult> | SubcommandResult {
  switch (command.kind) {
    case 'help':
      return helpMessage(
        command.unknown === undefined
          ? undefined
          : `I don't know \`${command.unknown.slice(0, 40).replace(/[`<>&]/g, '')}\`. Here is what I can do:`,
      );
    case 'invalid':
      return errorMessage(command.message);
    case 'create':
      return createSubcommand(args, command.name);
    case 'list':
      return listSubcommand(args, command.allRoles);
    case 'show':
      return showSubcommand(args, command.key);
    case 'extend':
      return extendSubcommand(args, command.key);
    case 'deactivate':
      return statusSubcommand(args, command.key, 'inactive');
    case 'activate':
      return statusSubcommand(args, command.key, 'active');
    case 'delete':
      return deleteSubcommand(args, command.key);
    case 'role':
      return roleSubcommand(args, command.name);
    case 'request-access':
      return requestAccessSubcommand(args, command.reason);
    case 'admin':
      return adminSubcommand(args, command.text);
    case 'rotate':
      return rotateSubcommand(args, command.key);
    case 'compromised':
      return compromisedSubcommand(args, command.key);
    case 'networks':
      return networksSubcommand(args, command.key);
    case 'usage':
      return usageSubcommand(args, command.key);
  }
}

/**
 * `/accesskey`: parses the text, runs the subcommand and answers ephemerally. The reply goes in the
 * acknowledgement when it is ready in time (it nearly always is: the domain answers in milliseconds),
 * otherwise through the response_url after an empty ack.
 */
export function accesskeyCommand(ctx: ListenerContext) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    let acked = false;
    const ackNow = async () => {
      if (acked) return;
      acked = true;
      // Work after this point may already be committed (a rotation): a failed ack must not stop it.
      await ack().catch((error: unknown) => ctx.logger.warn('ack failed; carrying on', { error, userId: command.user_id }));
    };
    const reply = async (message: Message) => {
      if (acked) {
        await respond({ response_type: 'ephemeral', replace_original: false, ...message });
        return;
      }
      acked = true;
      await ack({ response_type: 'ephemeral', ...message });
    };
    const args: SubcommandArgs = {
      ctx,
      client,
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      responseUrl: command.response_url,
      ackNow,
    };
    // Errors go to the error boundary (src/slack/errors.ts): it answers in the ack or through respond().
    const message = await route(args, parseCommand(command.text));
    if (message === undefined) await ackNow();
    else await reply(message);
  };
}
