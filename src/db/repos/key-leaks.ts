import type { Selectable, Updateable } from 'kysely';
import type { KeyLeak, LeakResolution, LeakSource } from '../../domain/repo-ports.js';
import type { KeyLeaksTable } from '../tables.js';
import type { Db } from './db.js';

/** `key_leaks`: one row per leaked key (SPEC §12), written in the sighting's audited transaction. */

const SOURCES: ReadonlySet<string> = new Set<LeakSource>(['slack', 'github', 'gitlab']);
const RESOLUTIONS: ReadonlySet<string> = new Set<LeakResolution>(['kept_inactive', 'false_positive']);

function toLeak(row: Selectable<KeyLeaksTable>): KeyLeak {
  return {
    keyId: row.key_id,
    sightings: Number(row.sightings),
    firstAt: row.first_at,
    lastAt: row.last_at,
    // Only this module writes the column, from the same closed sets.
    lastSource: (SOURCES.has(row.last_source) ? row.last_source : 'slack') as LeakSource,
    lastLocation: row.last_location,
    inactivated: Number(row.inactivated) === 1,
    cardChannel: row.card_channel,
    cardTs: row.card_ts,
    cardQueued: Number(row.card_queued) === 1,
    resolution: row.resolution !== null && RESOLUTIONS.has(row.resolution) ? (row.resolution as LeakResolution) : null,
    resolvedBy: row.resolved_by,
  };
}

export async function find(db: Db, keyId: string): Promise<KeyLeak | undefined> {
  const row = await db.selectFrom('key_leaks').selectAll().where('key_id', '=', keyId).executeTakeFirst();
  return row === undefined ? undefined : toLeak(row);
}

export async function insert(db: Db, leak: KeyLeak): Promise<void> {
  await db
    .insertInto('key_leaks')
    .values({
      key_id: leak.keyId,
      sightings: leak.sightings,
      first_at: leak.firstAt,
      last_at: leak.lastAt,
      last_source: leak.lastSource,
      last_location: leak.lastLocation,
      inactivated: leak.inactivated ? 1 : 0,
      card_channel: leak.cardChannel,
      card_ts: leak.cardTs,
      card_queued: leak.cardQueued ? 1 : 0,
      resolution: leak.resolution,
      resolved_by: leak.resolvedBy,
    })
    .execute();
}

export async function update(db: Db, keyId: string, patch: Partial<Omit<KeyLeak, 'keyId' | 'firstAt'>>): Promise<void> {
  const set: Updateable<KeyLeaksTable> = {};
  if (patch.sightings !== undefined) set.sightings = patch.sightings;
  if (patch.lastAt !== undefined) set.last_at = patch.lastAt;
  if (patch.lastSource !== undefined) set.last_source = patch.lastSource;
  if (patch.lastLocation !== undefined) set.last_location = patch.lastLocation;
  if (patch.inactivated !== undefined) set.inactivated = patch.inactivated ? 1 : 0;
  if (patch.cardChannel !== undefined) set.card_channel = patch.cardChannel;
  if (patch.cardTs !== undefined) set.card_ts = patch.cardTs;
  if (patch.cardQueued !== undefined) set.card_queued = patch.cardQueued ? 1 : 0;
  if (patch.resolution !== undefined) set.resolution = patch.resolution;
  if (patch.resolvedBy !== undefined) set.resolved_by = patch.resolvedBy;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('key_leaks').set(set).where('key_id', '=', keyId).execute();
}
