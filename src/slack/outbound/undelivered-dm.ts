import type { WebClient } from '@slack/web-api';
import type { UndeliveredKeyNotice, UndeliveredKeyNotifier } from '../../domain/undelivered.js';
import { sendDm } from '../delivery/dm.js';
import { undeliveredKeyDm } from '../views/undelivered.js';

/** Tells an owner that a key whose secret never reached them was removed, and what to do. */
export class SlackUndeliveredDm implements UndeliveredKeyNotifier {
  constructor(private readonly client: WebClient) {}

  async keyRemoved(notice: UndeliveredKeyNotice): Promise<void> {
    await sendDm(this.client, notice.ownerId, undeliveredKeyDm(notice));
  }
}
