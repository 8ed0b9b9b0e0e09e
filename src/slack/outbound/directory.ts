import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { DirectoryAnswer, UserDirectory } from '../../domain/owner-reconcile-ports.js';
import { outcomeOfError } from './outcome.js';

/** `users.info` for the owner reconcile (docs/offboarding.md), through its own WebClient (no retries: the job decides). */
export class SlackUserDirectory implements UserDirectory {
  constructor(private readonly client: WebClient) {}

  async lookUp(userId: string): Promise<DirectoryAnswer> {
    try {
      const answer = await this.client.users.info({ user: userId });
      return answer.user?.deleted === true ? { kind: 'deleted' } : { kind: 'active' };
    } catch (error) {
      if (error instanceof WebAPIPlatformError && error.data.error === 'user_not_found') return { kind: 'unknown_user' };
      const outcome = outcomeOfError(error);
      return outcome.kind === 'rate_limited' ? outcome : { kind: 'unavailable', error: outcome.error };
    }
  }
}
