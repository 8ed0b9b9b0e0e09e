import type { Selectable } from 'kysely';
import type { ReviewCampaign, ReviewDecision, ReviewItem } from '../../domain/model.js';
import type { ReviewCampaignsTable, ReviewItemsTable } from '../tables.js';
import type { Db } from './db.js';

/** `review_campaigns`, `review_items` (docs/offboarding.md, "Access reviews"). */

const DECISIONS: ReadonlySet<string> = new Set<ReviewDecision>(['keep', 'inactivate', 'delete']);
const decisionOf = (value: string | null): ReviewDecision | null =>
  value !== null && DECISIONS.has(value) ? (value as ReviewDecision) : null;

function toCampaign(row: Selectable<ReviewCampaignsTable>): ReviewCampaign {
  return {
    id: row.id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    roleName: row.role_name,
    deadlineAt: row.deadline_at,
    remindAt: row.remind_at,
    defaultDecision: row.default_decision === 'keep' ? 'keep' : 'inactivate',
    remindedAt: row.reminded_at,
    closedAt: row.closed_at,
  };
}

function toItem(row: Selectable<ReviewItemsTable>): ReviewItem {
  return {
    campaignId: row.campaign_id,
    keyId: row.key_id,
    keyName: row.key_name,
    ownerId: row.owner_id,
    roleName: row.role_name,
    decision: decisionOf(row.decision),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    auditSeq: row.audit_seq === null ? null : Number(row.audit_seq),
  };
}

/** Rows per insert statement: well under SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 500;

export async function insertCampaign(db: Db, campaign: ReviewCampaign, items: readonly ReviewItem[]): Promise<void> {
  await db
    .insertInto('review_campaigns')
    .values({
      id: campaign.id,
      created_by: campaign.createdBy,
      created_at: campaign.createdAt,
      role_name: campaign.roleName,
      deadline_at: campaign.deadlineAt,
      remind_at: campaign.remindAt,
      default_decision: campaign.defaultDecision,
      reminded_at: campaign.remindedAt,
      closed_at: campaign.closedAt,
    })
    .execute();
  for (let start = 0; start < items.length; start += INSERT_CHUNK) {
    await db
      .insertInto('review_items')
      .values(
        items.slice(start, start + INSERT_CHUNK).map((i) => ({
          campaign_id: i.campaignId,
          key_id: i.keyId,
          key_name: i.keyName,
          owner_id: i.ownerId,
          role_name: i.roleName,
          decision: i.decision,
          decided_by: i.decidedBy,
          decided_at: i.decidedAt,
          reason: i.reason,
          audit_seq: i.auditSeq,
        })),
      )
      .execute();
  }
}

export async function findCampaign(db: Db, id: string): Promise<ReviewCampaign | undefined> {
  const row = await db.selectFrom('review_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCampaign(row);
}

export async function findItem(db: Db, campaignId: string, keyId: string): Promise<ReviewItem | undefined> {
  const row = await db
    .selectFrom('review_items')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  return row && toItem(row);
}

export async function listCampaigns(db: Db, limit: number): Promise<Array<ReviewCampaign & { answered: number; open: number }>> {
  const campaigns = await db.selectFrom('review_campaigns').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  const out: Array<ReviewCampaign & { answered: number; open: number }> = [];
  for (const row of campaigns) {
    const counts = await db
      .selectFrom('review_items')
      .select((eb) => [eb.fn.countAll().as('total'), eb.fn.count('decision').as('answered')])
      .where('campaign_id', '=', row.id)
      .executeTakeFirstOrThrow();
    const answered = Number(counts.answered);
    out.push({ ...toCampaign(row), answered, open: Number(counts.total) - answered });
  }
  return out;
}

export async function items(db: Db, campaignId: string): Promise<ReviewItem[]> {
  const rows = await db
    .selectFrom('review_items')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('owner_id')
    .orderBy('key_name')
    .orderBy('key_id')
    .execute();
  return rows.map(toItem);
}

export async function openItems(db: Db, campaignId: string, limit: number): Promise<ReviewItem[]> {
  const rows = await db
    .selectFrom('review_items')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('decision', 'is', null)
    .orderBy('key_id')
    .limit(limit)
    .execute();
  return rows.map(toItem);
}

export async function openItemsOf(db: Db, campaignId: string, ownerId: string): Promise<ReviewItem[]> {
  const rows = await db
    .selectFrom('review_items')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('owner_id', '=', ownerId)
    .where('decision', 'is', null)
    .orderBy('key_name')
    .execute();
  return rows.map(toItem);
}

export async function decide(
  db: Db,
  campaignId: string,
  keyId: string,
  answer: { decision: ReviewDecision; decidedBy: string; decidedAt: string; reason: string | null; auditSeq: number },
): Promise<boolean> {
  const result = await db
    .updateTable('review_items')
    .set({
      decision: answer.decision,
      decided_by: answer.decidedBy,
      decided_at: answer.decidedAt,
      reason: answer.reason,
      audit_seq: answer.auditSeq,
    })
    .where('campaign_id', '=', campaignId)
    .where('key_id', '=', keyId)
    .where('decision', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function dueCampaigns(db: Db, nowIso: string, limit: number): Promise<ReviewCampaign[]> {
  const rows = await db
    .selectFrom('review_campaigns')
    .selectAll()
    .where('closed_at', 'is', null)
    .where((eb) => eb.or([eb('deadline_at', '<=', nowIso), eb.and([eb('remind_at', '<=', nowIso), eb('reminded_at', 'is', null)])]))
    .orderBy('deadline_at')
    .limit(limit)
    .execute();
  return rows.map(toCampaign);
}

export async function markReminded(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('review_campaigns')
    .set({ reminded_at: at })
    .where('id', '=', id)
    .where('reminded_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function markClosed(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('review_campaigns')
    .set({ closed_at: at })
    .where('id', '=', id)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
