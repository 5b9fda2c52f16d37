import type Stripe from 'stripe';
import type { SiteUserMeters } from '../paywall/siteUserMeter';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { requireStripe } from '../platform/stripe';
import type { SupporterRecord } from '../supporters/record';
import { runningStandings } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';
import { identityOf, type PersonalDataStore } from './personalData';
import type { ErasedIdentity } from './redaction';
import { stripeIdsOf, type Tombstones } from './tombstone';

export interface ErasureDeps {
  repository: SupporterRepository;
  personalData: PersonalDataStore;
  tombstones: Tombstones;
  stripe: Stripe | null;
  clock: { now(): number };
  logger: Logger;
  /** The paywall's meters of site users (absent where no meter is kept, as in a rebuild). */
  meters?: Pick<SiteUserMeters, 'forget'>;
}

export interface ErasureReport {
  supporterId: string;
  /** True when an earlier erasure had already run: this one only swept what was left (usually nothing). */
  alreadyErased: boolean;
  erased: {
    /** Records rewritten without the person (theirs and the ones merged into it). */
    records: number;
    /** Site-user and e-mail lookup indexes deleted. */
    indexes: number;
    refreshTokens: number;
    signInCodes: number;
    /** Stored raw events redacted. */
    events: number;
    /** Lines of the rebuild journal redacted (claims, proofs that named the person). */
    journalLines: number;
    /** The paywall's meters of their site user ids (what they read this month). */
    meters: number;
  };
  stripeCustomersDeleted: string[];
  /** Customers Stripe no longer had (404): counted as deleted. */
  stripeCustomersAlreadyGone: string[];
  /** Ledger entries kept, under the pseudonymous supporter id. */
  ledgerEntriesKept: number;
}

/**
 * Erases a person and keeps the books: find the supporter → refuse while a subscription still runs → mark them
 * erased (events landing meanwhile are scrubbed as they land) → delete their Stripe customers → rewrite their
 * records without personal fields → drop lookup indexes, refresh tokens and sign-in codes → redact every stored
 * raw event that names them. The ledger stays as it is (amounts, currencies, Stripe ids, the supporter id).
 * Every step is idempotent: a second call sweeps again and reports `alreadyErased`.
 */
export async function eraseSupporter(deps: ErasureDeps, supporterId: string): Promise<ErasureReport> {
  const { owner, state } = await deps.repository.loadFollowingMerges(supporterId);
  if (!state.record || !owner.startsWith('sup_')) {
    throw new AppError('not_found', `No supporter ${supporterId}.`);
  }
  const record = state.record;
  assertNothingRunning(record);
  const now = deps.clock.now();
  const alreadyErased = (await deps.personalData.erasedAt(owner)) !== null;
  await deps.personalData.markErased(owner, now);

  const all = [record, ...(await mergedRecords(deps.repository, record))];
  // First: from now on an event naming any of their Stripe ids is stored without the person.
  await deps.tombstones.bury(owner, stripeIdsOf(all));
  // Read before the indexes go: an address or site user id someone else holds too stays in their events.
  const elsewhere = await theirsAlone(
    deps.repository,
    identityOf(all),
    owner,
    all.map((r) => r.id),
  );
  const customers = await deleteStripeCustomers(deps, record);
  const deletedCustomers = [...customers.deleted, ...customers.alreadyGone];
  const { owners, who, records, indexes } = await scrubPerson(deps, all, deletedCustomers, now);
  const applied = [
    ...new Set((await Promise.all(owners.map((id) => deps.repository.appliedEvents(id)))).flat()),
  ];
  const report: ErasureReport = {
    supporterId: owner,
    alreadyErased,
    erased: {
      records,
      indexes,
      refreshTokens: await deps.personalData.dropRefreshTokens(owners),
      signInCodes: await deps.personalData.dropSignInCodes(who.emails),
      events: await deps.personalData.redactEvents(applied, who, elsewhere, now),
      journalLines: await deps.personalData.redactJournal(owners, who, elsewhere),
      meters: (await deps.meters?.forget(who.siteUserIds, now)) ?? 0,
    },
    stripeCustomersDeleted: customers.deleted,
    stripeCustomersAlreadyGone: customers.alreadyGone,
    ledgerEntriesKept: (await deps.repository.ledger(owner)).length,
  };
  // A rebuild erases them again (their records come back from the redacted events, without the person).
  await deps.repository.journal.append({
    kind: 'erasure',
    at: now,
    supporterId: owner,
    records: owners,
    deletedCustomers,
  });
  deps.logger.info({ supporterId: owner, erased: report.erased }, 'supporter erased');
  return report;
}

/** Rewrites the person's records (theirs and those merged into it) without them, and drops their indexes. */
async function scrubPerson(
  deps: Pick<ErasureDeps, 'repository' | 'personalData'>,
  all: SupporterRecord[],
  deletedCustomers: string[],
  now: number,
) {
  const owners = all.map((r) => r.id);
  const who = identityOf(all);
  let records = 0;
  for (const id of owners) if (await deps.personalData.scrubRecord(id, deletedCustomers, now)) records++;
  return { owners, who, records, indexes: await deps.personalData.dropIndexes(who, owners) };
}

/**
 * A rebuild made an erased supporter again from the (redacted) log: mark them erased as they were, and remove
 * whatever of the person came back (an e-mail a claim or a proof kept before the erasure redacted it).
 */
export async function eraseAgain(
  deps: Pick<ErasureDeps, 'repository' | 'personalData'>,
  erasure: { supporterId: string; records: string[]; deletedCustomers: string[]; at: number },
): Promise<void> {
  // The records the erasure reached, as they were then: never one the supporter was merged into since.
  const states = await Promise.all(erasure.records.map((id) => deps.repository.load(id)));
  const all = states.flatMap((s) => (s.record ? [s.record] : []));
  await deps.personalData.markErased(erasure.supporterId, erasure.at);
  await scrubPerson(deps, all, erasure.deletedCustomers, erasure.at);
}

/**
 * The part of the person's identity nobody else holds: an e-mail another supporter proved or typed, or a site user
 * id the site vouched for as another supporter, is also theirs, and stays in what is theirs (events, journal).
 */
async function theirsAlone(
  repository: SupporterRepository,
  who: ErasedIdentity,
  owner: string,
  owners: string[],
) {
  const isOwner = async (id: string | null) =>
    id === null || (await repository.loadFollowingMerges(id)).owner === owner;
  const emails: string[] = [];
  for (const email of who.emails) {
    const { owner: proved, users } = await repository.emailIdentity(email);
    const held = await Promise.all([proved, ...users].map(isOwner));
    if (held.every(Boolean)) emails.push(email);
  }
  const siteUserIds: string[] = [];
  for (const id of who.siteUserIds)
    if (await isOwner(await repository.lookup('site-user', id))) siteUserIds.push(id);
  // Their own supporter ids name them too (an expired session of theirs carries one in its metadata).
  return { ...who, emails, siteUserIds, stripeIds: [...who.stripeIds, ...owners] };
}

/**
 * After an event was applied to an erased supporter (Stripe's own `customer.deleted` after ours carries the
 * e-mail; a late delivery; a replay), removes the person again from the record, the indexes and that event.
 */
export async function scrubIfErased(
  deps: Pick<ErasureDeps, 'repository' | 'personalData' | 'clock'>,
  ownerId: string,
  eventId: string,
): Promise<void> {
  const { owner, state } = await deps.repository.loadFollowingMerges(ownerId);
  if (!state.record || (await deps.personalData.erasedAt(owner)) === null) return;
  const who = identityOf([state.record]);
  const now = deps.clock.now();
  await deps.personalData.scrubRecord(owner, [], now);
  await deps.personalData.dropIndexes(who, [owner]);
  await deps.personalData.dropSignInCodes(who.emails);
  await deps.personalData.redactEvents([eventId], who, null, now);
}

function assertNothingRunning(record: SupporterRecord): void {
  const running = Object.values(record.subscriptions).filter(
    (s) => runningStandings.has(s.standing) && s.endedAt === null,
  );
  if (running.length === 0) return;
  throw new AppError(
    'conflict',
    `The supporter has a running subscription (${running.map((s) => `${s.id}: ${s.standing}`).join(', ')}); cancel it first, then erase.`,
  );
}

async function mergedRecords(repository: SupporterRepository, record: SupporterRecord) {
  const states = await Promise.all(record.mergedFrom.map((id) => repository.load(id)));
  return states.flatMap((s) => (s.record ? [s.record] : []));
}

/** Every Stripe customer the supporter paid with, deleted at Stripe (a 404 means it already was). */
async function deleteStripeCustomers(deps: ErasureDeps, record: SupporterRecord) {
  const ids = new Set([
    ...Object.keys(record.customers),
    ...Object.values(record.payments).map((p) => p.customerId),
    ...Object.values(record.subscriptions).map((s) => s.customerId),
  ]);
  const pending = [...ids].filter(
    (id): id is string => id !== null && record.customers[id]?.deleted !== true,
  );
  const deleted: string[] = [];
  const alreadyGone: string[] = [];
  if (pending.length === 0) return { deleted, alreadyGone };
  const stripe = requireStripe(deps.stripe);
  for (const id of pending) {
    try {
      await stripe.customers.del(id);
      deleted.push(id);
    } catch (error) {
      const { statusCode, code, type } = error as { statusCode?: number; code?: string; type?: string };
      if (statusCode === 404 || code === 'resource_missing') {
        alreadyGone.push(id);
        continue;
      }
      const transient = type === 'StripeConnectionError' || statusCode === undefined || statusCode >= 500;
      throw new AppError(
        transient ? 'unavailable' : 'upstream_failed',
        `Could not delete Stripe customer ${id}${statusCode ? ` (HTTP ${statusCode})` : ''}; nothing else was erased yet, try again.`,
        { cause: error, ...(transient ? { retryAfterS: 30 } : {}) },
      );
    }
  }
  return { deleted, alreadyGone };
}

/** What the audit log keeps of an erasure: counts only, nothing of the person. */
export function erasureSummary(r: ErasureReport) {
  return {
    alreadyErased: r.alreadyErased,
    ...r.erased,
    stripeCustomersDeleted: r.stripeCustomersDeleted.length + r.stripeCustomersAlreadyGone.length,
  };
}
