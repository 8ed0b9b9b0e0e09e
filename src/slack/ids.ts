/**
 * Every callback_id, action_id and block_id the app sends or listens for. Views, listeners and tests
 * import these, so a renamed id cannot silently disconnect a button from its handler.
 */
export const COMMAND = '/accesskey';

/** A Slack user ID (U… or, on Enterprise Grid, W…). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const VIEW = {
  createKey: 'create_key_modal',
  extendKey: 'extend_key_modal',
  denyRequest: 'deny_request_modal',
} as const;

export const ACTION = {
  /** value: key ID. Opens the extend modal (from lists, details, home and expiry warnings). */
  extendKey: 'key_extend',
  /** value: key ID. */
  deactivateKey: 'key_deactivate',
  activateKey: 'key_activate',
  deleteKey: 'key_delete',
  showKey: 'key_show',
  rotateKey: 'key_rotate',
  /** value: key ID. Report compromised (docs/usage.md, "Security-team controls"): inactive at once, security channel alerted. */
  reportCompromised: 'key_compromised',
  createKey: 'key_create',
  /** Deletes the ephemeral message holding a secret once the user has copied it. */
  hideSecret: 'secret_hide',
  requestAccess: 'access_request',
  approveRequest: 'access_approve',
  denyRequest: 'access_deny',
  confirmRoleDeletion: 'role_delete_confirm',
  confirmRoleRemoval: 'role_remove_confirm',
  cancel: 'cancel',
  /** value: key ID. "Keep" on a stale-key notice: restarts the key's stale clock. */
  keepKey: 'key_keep',
} as const;

/**
 * block_id prefix (`rotate_confirm:<key ID>`) of the `/accesskey rotate` question: its Rotate button
 * replaces the question with the new secret.
 */
export const ROTATE_CONFIRM_BLOCK = 'rotate_confirm';

export const BLOCK = {
  name: 'name_block',
  expiry: 'expiry_block',
  expiryAt: 'expiry_at_block',
  slots: 'slots_block',
  extendChoice: 'extend_choice_block',
  denyReason: 'deny_reason_block',
} as const;

export const INPUT = {
  name: 'name_input',
  expiryEnabled: 'expiry_enabled',
  expiryAt: 'expiry_at',
  extendChoice: 'extend_choice',
  denyReason: 'deny_reason',
} as const;

/** Workflow Builder steps (manifest `functions`, SPEC §18): callback_id → the step. */
export const FUNCTION = {
  requestApiAccess: 'request_api_access',
  deactivateUserKeys: 'deactivate_user_keys',
  keyStatus: 'key_status',
} as const;
