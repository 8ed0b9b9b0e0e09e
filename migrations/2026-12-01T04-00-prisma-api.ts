import type { Kysely } from 'kysely';

/**
 * Frozen in time (no app types). The Prisma-compatible key API needs no table of its own: the owner DMs
 * it sends ("your key was created / deleted / made inactive by automation using key ak_…") are rows of
 * the notification outbox (migration 2026-12-01T02-00), queued in the same transaction as the change.
 * Kept, empty, under its name so a database that already ran it still migrates.
 */
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
