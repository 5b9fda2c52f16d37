import type { Logger } from '../platform/logger';
import { commitFollowingMerges } from './applyChange';
import { hasNoProof, newSupporterId } from './identity';
import { loadSupporter, loadTokenHolder } from './lookup';
import { mergeRecordInto } from './merge';
import type { SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

export interface ProveEmailDeps {
  repository: SupporterRepository;
  logger: Logger;
  /** Revokes every refresh family of a supporter merged away (its tokens must open nothing). */
  revokeRefreshFamilies(supporterId: string): Promise<unknown>;
}

/**
 * A reader proved an e-mail with the sign-in code. The address gets a proved owner — the one it already has, else
 * the supporter the reader's own refresh cookie names, else a new supporter — and every supporter that typed it
 * with no proof of its own (no vouched site user id, no proved e-mail) is merged into that owner, atomically and
 * logged; the merged ones' refresh families are revoked. Never one of those typers as the owner: whoever paid
 * first with the address (an attacker, maybe) holds that supporter's tokens, and would hold the address with it.
 * Answers the owner, or null when no payment ever used the address.
 */
export async function proveEmail(
  deps: ProveEmailDeps,
  email: string,
  presentedSupporterId: string | null,
): Promise<string | null> {
  const { repository, logger } = deps;
  const { owner: provedOwner, users } = await repository.emailIdentity(email);
  const typedBy = await canonicalRecords(repository, users);
  let owner = provedOwner;
  if (!owner) {
    if (typedBy.length === 0) return null;
    const presented = presentedSupporterId ? await loadTokenHolder(repository, presentedSupporterId) : null;
    owner = await repository.claimEmailOwner(email, presented?.id ?? newSupporterId());
  }
  const committed = await commitFollowingMerges(
    repository,
    (await repository.loadFollowingMerges(owner)).owner,
    { provedEmails: [email], emails: [email] },
    null,
  );
  const merged: string[] = [];
  for (const record of typedBy) {
    if (record.id === committed.owner) continue;
    const into = await mergeRecordInto(
      repository,
      logger,
      record.id,
      committed.owner,
      'e-mail proved',
      hasNoProof,
    );
    if (into === record.id) continue;
    merged.push(record.id);
    await deps.revokeRefreshFamilies(record.id);
  }
  logger.info({ owner: committed.owner, merged }, 'e-mail proved by sign-in code');
  return committed.owner;
}

async function canonicalRecords(repository: SupporterRepository, ids: string[]): Promise<SupporterRecord[]> {
  const records = new Map<string, SupporterRecord>();
  for (const id of ids) {
    const record = await loadSupporter(repository, id);
    if (record) records.set(record.id, record);
  }
  return [...records.values()];
}
