import type { Migration } from 'kysely';
import * as initial from './2026-11-27T00-00-initial.js';
import * as expiryWarnings from './2026-11-27T01-00-expiry-warnings.js';
import * as accessRequests from './2026-11-27T02-00-access-requests.js';
import * as keyRotation from './2026-11-27T03-00-key-rotation.js';
import * as prismaApi from './2026-12-01T04-00-prisma-api.js';
import * as secretDelivery from './2026-12-01T01-00-secret-delivery.js';
import * as notifications from './2026-12-01T02-00-notifications.js';
import * as policies from './2026-12-01T03-00-policies.js';
import * as loginThrottle from './2026-12-01T05-00-login-throttle.js';
import * as rotationIndex from './2026-12-01T06-00-rotation-index.js';
import * as leastPrivilege from './2026-12-07T03-00-least-privilege.js';
import * as offboarding from './2026-12-07T02-00-offboarding.js';
import * as ownerReconcile from './2026-12-07T02-00-owner-reconcile.js';
import * as reviews from './2026-12-07T02-00-reviews.js';
import * as auditStreams from './2026-12-07T05-00-audit-streams.js';
import * as keyLeaks from './2026-12-07T01-00-key-leaks.js';
import * as approvalsStepUp from './2026-12-07T06-00-approvals-step-up.js';
import * as usageAnomalies from './2026-12-07T04-00-usage-anomalies.js';
import * as usageCounts from './2026-12-07T04-00-usage-counts.js';
import * as staleClockIndex from './2026-12-07T13-50-stale-clock-index.js';

/**
 * Every migration, by name. Names sort in the order they must run (timestamp first). Listed here rather
 * than read from the folder so the same list works from TypeScript sources (tests) and compiled output.
 * To add one: copy the newest file with a later timestamp, write up/down, and add it below.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-27T00-00-initial': initial,
  '2026-11-27T01-00-expiry-warnings': expiryWarnings,
  '2026-11-27T02-00-access-requests': accessRequests,
  '2026-11-27T03-00-key-rotation': keyRotation,
  '2026-12-01T04-00-prisma-api': prismaApi,
  '2026-12-01T01-00-secret-delivery': secretDelivery,
  '2026-12-01T02-00-notifications': notifications,
  '2026-12-01T03-00-policies': policies,
  '2026-12-01T05-00-login-throttle': loginThrottle,
  '2026-12-01T06-00-rotation-index': rotationIndex,
  '2026-12-07T03-00-least-privilege': leastPrivilege,
  '2026-12-07T02-00-offboarding': offboarding,
  '2026-12-07T02-00-owner-reconcile': ownerReconcile,
  '2026-12-07T02-00-reviews': reviews,
  '2026-12-07T05-00-audit-streams': auditStreams,
  '2026-12-07T01-00-key-leaks': keyLeaks,
  '2026-12-07T06-00-approvals-step-up': approvalsStepUp,
  '2026-12-07T04-00-usage-anomalies': usageAnomalies,
  '2026-12-07T04-00-usage-counts': usageCounts,
  '2026-12-07T13-50-stale-clock-index': staleClockIndex,
};
