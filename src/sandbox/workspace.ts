/**
 * The sandbox's pretend workspace: who is in it and which channels exist. The configuration uses the
 * same ids as its defaults, so the app posts its audit trail and approval cards where the page shows them.
 */
export interface SandboxPerson {
  id: string;
  /** Slack's handle (lower case), shown in mentions. */
  name: string;
  realName: string;
  admin: boolean;
}

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [
  { id: 'U0SANDADA', name: 'ada', realName: 'Ada', admin: true },
  { id: 'U0SANDBEN', name: 'ben', realName: 'Ben', admin: false },
  { id: 'U0SANDCLEO', name: 'cleo', realName: 'Cleo', admin: false },
];

export const SANDBOX_ADMIN_IDS = SANDBOX_PEOPLE.filter((person) => person.admin).map((person) => person.id);

export const SANDBOX_CHANNELS = {
  general: { id: 'C0SANDGENERAL', name: 'general' },
  audit: { id: 'C0SANDAUDIT', name: 'security-audit' },
  approvals: { id: 'C0SANDAPPROVALS', name: 'key-approvals' },
} as const;

/** Where the sandbox keeps its data unless DATABASE_URL says otherwise. */
export const SANDBOX_DATABASE_URL = 'file:./data/sandbox.sqlite';

/** Its conversations when the database is not a file they could sit beside (PostgreSQL). */
export const SANDBOX_CONVERSATIONS_FILE = './data/sandbox.conversations.json';

/** The sandbox's page and endpoints live under this path on the app's port. */
export const SANDBOX_PATH = '/sandbox';

/** A second workspace of the same organisation (Enterprise Grid), for trying an org-wide install. */
export const SANDBOX_SECOND_WORKSPACE = { id: 'T0SANDBOX2', name: 'Sandbox EU', domain: 'sandbox-eu' } as const;

/** The organisation both sandbox workspaces belong to; an OAuth install in the sandbox is org-wide. */
export const SANDBOX_ORG = { id: 'E0SANDBOX', name: 'Sandbox Group' } as const;
