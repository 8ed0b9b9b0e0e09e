/**
 * Every callback_id, action_id and block_id the app sends or listens for. Views, listeners and tests
 * import these, so a renamed id cannot silently disconnect a button from its handler.
 */
export const COMMAND = '/accesskey';

/** A Slack user ID (U… or, on Enterprise Grid, W…). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const VIEW = {
  createKey: 'create_key_modal',
  /** `/accesskey networks <key>`: the key's ranges and report-only switch. */
  keyNetworks: 'key_networks_modal',
  extendKey: 'extend_key_modal',
  denyRequest: 'deny_request_modal',
  /** Why a System Admin key is kept in an access review; private_metadata `<campaign id>:<key ID>|<channel>|<ts>`. */
  reviewKeepReason: 'review_keep_reason_modal',
  /** `/accesskey admin streams` (docs/streams.md): the list, and the add / replay form. */
  streams: 'streams_modal',
  /** Step-up (docs/admin-security.md): a current code before a deciding action; metadata names the action. */
  stepUp: 'step_up_modal',
  /** The first code, confirming a new TOTP enrolment. */
  mfaConfirm: 'mfa_confirm_modal',
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
  /**
   * The offboarding card (docs/offboarding.md), per key: block_id `offboarding:<offboarding id>:<key ID>`.
   * Transfer to… is a users_select; Delete and Keep inactive are buttons.
   */
  offboardingTransfer: 'offboarding_transfer',
  offboardingDelete: 'offboarding_delete',
  offboardingKeep: 'offboarding_keep',
  /**
   * An access review's DM (docs/offboarding.md), value `<campaign id>:<key ID>`. Keep on a System Admin
   * key opens a modal asking why (`VIEW.reviewKeepReason`).
   */
  reviewKeep: 'review_keep',
  reviewInactivate: 'review_inactivate',
  reviewDelete: 'review_delete',
  /** value: stream ID. The buttons under a stream in the streams modal (one listener: actions/stream-button.ts). */
  streamPause: 'stream_pause',
  streamResume: 'stream_resume',
  streamTest: 'stream_test',
  streamVerify: 'stream_verify',
  streamDelete: 'stream_delete',
  /** value: key ID. A leaked key's card (docs/leak-response.md): an admin confirms the leak, the key stays off. */
  leakKeepInactive: 'leak_keep_inactive',
  /** value: key ID. A leaked key's card: an admin calls it a false positive and the key works again (audited). */
  leakFalsePositive: 'leak_false_positive',
  /** In the enrolment DM: opens the modal for the first code. */
  mfaConfirm: 'mfa_confirm',
  /** value: key ID. Posts the key's usage report (chart and table; docs/usage-analytics.md). */
  keyUsage: 'key_usage',
  /** value: key ID. The rotation grace question: keep the old key 24 h more, or expire it now. */
  graceExtend: 'grace_extend',
  graceExpire: 'grace_expire',
} as const;

/** block_id prefix of an offboarding card's key (`offboarding:<offboarding id>:<key ID>`). */
export const OFFBOARDING_BLOCK = 'offboarding';
/** block_id prefix (`leak_card:<key ID>`) of a leaked key's card in the security channel. */
export const LEAK_CARD_BLOCK = 'leak_card';

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
  /** Least privilege (docs/least-privilege.md): one checkbox group per 10 permissions (Slack's limit), suffixed `_0`, `_1`, … */
  permissions: 'permissions_block',
  networks: 'networks_block',
  networkReportOnly: 'network_report_only_block',
  reviewReason: 'review_reason_block',
  streamName: 'stream_name_block',
  streamKind: 'stream_kind_block',
  streamUrl: 'stream_url_block',
  streamFormat: 'stream_format_block',
  streamFilter: 'stream_filter_block',
  streamCa: 'stream_ca_block',
  streamReplayWhich: 'stream_replay_which_block',
  streamReplaySeq: 'stream_replay_seq_block',
  mfaCode: 'mfa_code_block',
} as const;

export const INPUT = {
  name: 'name_input',
  expiryEnabled: 'expiry_enabled',
  expiryAt: 'expiry_at',
  extendChoice: 'extend_choice',
  denyReason: 'deny_reason',
  permissions: 'permissions_input',
  networks: 'networks_input',
  networkReportOnly: 'network_report_only',
  reviewReason: 'review_reason',
  streamName: 'stream_name',
  streamKind: 'stream_kind',
  streamUrl: 'stream_url',
  streamFormat: 'stream_format',
  streamFilter: 'stream_filter',
  streamCa: 'stream_ca',
  streamReplayWhich: 'stream_replay_which',
  streamReplaySeq: 'stream_replay_seq',
  mfaCode: 'mfa_code',
} as const;

/** Workflow Builder steps (manifest `functions`, SPEC §18): callback_id → the step. */
export const FUNCTION = {
  requestApiAccess: 'request_api_access',
  deactivateUserKeys: 'deactivate_user_keys',
  keyStatus: 'key_status',
} as const;
