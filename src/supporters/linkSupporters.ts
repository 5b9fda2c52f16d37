import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { type RedisClient, scanKeys } from '../platform/redis';
import { commitFollowingMerges } from './applyChange';
import { mergeRecordInto } from './merge';
import type { SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

export interface LinkDeps {
  repository: SupporterRepository;
  logger: Logger;
  clock: Clock;
  revokeRefreshFamilies(supporterId: string): Promise<number>;
}

/**
 * An admin links two supporters a reader proved to be one (they wrote in): `source` is merged into `target`, and the
 * source's refresh families are revoked. The target is marked linked first, so a proof cannot merge it away
 * meanwhile, and a source that is itself the target of a link is refused: of two opposite links racing, at most one
 * succeeds, so no cycle can form. Two site users never become one. A link refused after the mark leaves the target
 * marked: it only stops e-mail proofs from merging it away, which the admin meant anyway.
 */
export async function linkSupporters(deps: LinkDeps, source: string, target: string) {
  const { repository } = deps;
  if (source === target) throw new AppError('validation_failed', 'A supporter cannot be linked into itself.');
  const [from, into] = await Promise.all([repository.load(source), repository.load(target)]);
  if (!from.record || !into.record) throw new AppError('not_found', 'Both supporters must exist.');
  if (from.mergedInto || into.mergedInto) {
    throw new AppError(
      'conflict',
      'One of the two was already merged into another supporter; link that one.',
    );
  }
  if (from.erasedAt !== null || into.erasedAt !== null) {
    throw new AppError('conflict', 'One of the two was erased: an erased person is linked to nobody.');
  }
  const [a, b] = [from.record.siteUserId, into.record.siteUserId];
  if (a !== null && b !== null && a !== b) {
    throw new AppError('conflict', 'The two supporters are two site users: they stay two people.');
  }
  await commitFollowingMerges(repository, target, { linkedFrom: [source] }, null);
  const now = await mergeRecordInto(
    repository,
    deps.logger,
    source,
    target,
    'linked by an admin',
    (record, resolved) =>
      (record.linkedFrom ?? []).length === 0 &&
      !(record.siteUserId && resolved?.siteUserId && record.siteUserId !== resolved.siteUserId),
  );
  if (now === source) {
    throw new AppError(
      'conflict',
      'The source is itself the target of a link, or became a second site user.',
    );
  }
  await repository.journal.append({ kind: 'link', at: deps.clock.now(), source, target: now });
  const revoked = await deps.revokeRefreshFamilies(source);
  return { source, target: now, refreshFamiliesRevoked: revoked };
}

export interface IdentityReviewRow {
  supporterId: string;
  customers: number;
  mergedFrom: string[];
  siteUser: boolean;
  provedEmails: number;
}

/**
 * Supporters to look at after moving from the rule that joined payments by e-mail: those that hold several Stripe
 * customers or had other records merged into them. Ids and counts only, no personal data.
 */
export async function identityReview(redis: RedisClient, prefix: string): Promise<IdentityReviewRow[]> {
  const rows: IdentityReviewRow[] = [];
  for (const key of await scanKeys(redis, `${prefix}{sup_*}:record`)) {
    const [json, mergedInto] = await redis.hmget(key, 'json', 'mergedInto');
    if (!json || mergedInto) continue;
    const record = JSON.parse(json) as SupporterRecord;
    const customers = Object.keys(record.customers).length;
    // Facts that waited under a Stripe id (`cus_`, `pi_`) joining their supporter are no identity question.
    const mergedFrom = record.mergedFrom.filter((id) => id.startsWith('sup_'));
    if (customers < 2 && mergedFrom.length === 0) continue;
    rows.push({
      supporterId: record.id,
      customers,
      mergedFrom,
      siteUser: record.siteUserId !== null,
      provedEmails: (record.provedEmails ?? []).length,
    });
  }
  return rows.sort((x, y) => (x.supporterId < y.supporterId ? -1 : 1));
}
