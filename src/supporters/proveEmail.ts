import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { commitFollowingMerges } from './applyChange';
import { hasNoProof, newSupporterId } from './identity';
import { loadSupporters, loadTokenHolder } from './lookup';
import { mergeRecordInto } from './merge';
import type { SupporterRepository } from './repository';

export interface ProveEmailDeps {
  repository: SupporterRepository;
  logger: Logger;
  clock: Clock;
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
  const typedBy = await loadSupporters(repository, users);
  let owner: string;
  let changed = true;
  if (provedOwner) {
    // An owner proved before (perhaps linked into another by an admin since): its facts live where it points.
    const committed = await commitFollowingMerges(repository, provedOwner, provedFacts(email), null);
    owner = committed.owner;
    changed = committed.result.outcome !== 'unchanged';
  } else {
    if (typedBy.length === 0) return null;
    const presented = presentedSupporterId ? await loadTokenHolder(repository, presentedSupporterId) : null;
    owner = await claimOwnership(repository, email, presented?.id ?? newSupporterId());
  }
  const merged: string[] = [];
  for (const record of typedBy) {
    if (record.id === owner) continue;
    const into = await mergeRecordInto(repository, logger, record.id, owner, 'e-mail proved', hasNoProof);
    if (into === record.id) continue;
    merged.push(record.id);
    await deps.revokeRefreshFamilies(record.id);
  }
  // A rebuild proves it again: the same owner, the same supporters merged (a sign-in that changed nothing is not kept).
  if (changed || merged.length > 0) {
    await repository.journal.append({ kind: 'proof', at: deps.clock.now(), email, owner, merged });
  }
  logger.info({ owner, merged }, 'e-mail proved by sign-in code');
  return owner;
}

const provedFacts = (email: string) => ({ provedEmails: [email], emails: [email] });

/**
 * Makes a freshly chosen supporter the e-mail's owner, itself and never one it was merged into meanwhile: a proof
 * racing another that merged the chosen supporter away (the browser's own, say) must not sign the prover in as
 * that other owner. Then the address goes to a new supporter instead.
 */
async function claimOwnership(
  repository: SupporterRepository,
  email: string,
  chosen: string,
): Promise<string> {
  let candidate = await repository.claimEmailOwner(email, chosen);
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await repository.commit(candidate, provedFacts(email), { eventId: null });
    if (result.outcome !== 'merged') return candidate;
    const fresh = newSupporterId();
    await repository.repointEmailOwner(email, candidate, fresh);
    candidate = (await repository.emailOwner(email)) ?? fresh;
  }
  throw new Error(`could not give ${email.replace(/.*@/, '…@')} an owner: it keeps being merged away`);
}
