/**
 * Names one Slack interaction for the domain's `once` argument. Slack retries and replayed requests
 * carry the same one, so the domain records it in the transaction of the change and acts on it once:
 * - a modal submission: its view id (a view is submitted successfully once, then it closes);
 * - a button press: who pressed what, and Slack's `action_ts` for that press (a second real click gets
 *   a new one, and is judged by the key's state as before);
 * - a slash command: its trigger_id, minted per invocation.
 */
export const onceForView = (view: { id: string }): string => `view:${view.id}`;
export const onceForClick = (userId: string, actionId: string, actionTs: string): string => `click:${userId}:${actionId}:${actionTs}`;
export const onceForCommand = (triggerId: string): string => `command:${triggerId}`;
