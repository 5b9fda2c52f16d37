import type { Environment } from './environment';
import { callService, stringField } from './http';
import { readJson, removeItem, storageKeys, writeItem } from './storage';
import { storeToken } from './supporterToken';

/** What claiming a checkout session came to. */
export type ClaimOutcome =
  /** The token is stored: thank the reader. */
  | 'claimed'
  /** Paid by a delayed method (SEPA…), not settled yet: the claim is kept and tried again on later page views. */
  | 'pending'
  /** Still open, expired, failed or too old (409, 410) — or not a session at all: show the ask again. */
  | 'refused'
  /** The service could not be asked: the claim is kept for the next page view. */
  | 'unreachable';

interface PendingClaim {
  sessionId: string;
  since: number;
}

/** A delayed payment settles within days; past that, a claim is forgotten (sign-in restores support anyway). */
const pendingClaimLifetimeMs = 14 * 24 * 60 * 60 * 1000;
const claimTimeoutMs = 8000;

/**
 * Takes `session_id` out of the address bar at once (it is a bearer secret: it must not stay in the history,
 * bookmarks or analytics) and keeps it until its claim has an answer.
 */
export function takeSessionIdFromAddress(): void {
  const url = new URL(location.href);
  const sessionId = url.searchParams.get('session_id');
  if (sessionId === null) return;
  url.searchParams.delete('session_id');
  history.replaceState(history.state, '', url.toString());
  if (/^[A-Za-z0-9_-]{1,255}$/.test(sessionId)) {
    writeItem(
      storageKeys.pendingClaim,
      JSON.stringify({ sessionId, since: Date.now() } satisfies PendingClaim),
    );
  }
}

/** The session waiting to be claimed, if any (and not too old). */
export function pendingClaim(): PendingClaim | null {
  const stored = readJson(storageKeys.pendingClaim);
  if (typeof stored !== 'object' || stored === null) return null;
  const { sessionId, since } = stored as { sessionId?: unknown; since?: unknown };
  if (
    typeof sessionId !== 'string' ||
    typeof since !== 'number' ||
    Date.now() - since > pendingClaimLifetimeMs
  ) {
    removeItem(storageKeys.pendingClaim);
    return null;
  }
  return { sessionId, since };
}

/** `POST /v1/tokens {checkoutSessionId}`: once. */
export async function claimOnce(env: Environment, claim: PendingClaim): Promise<ClaimOutcome> {
  let status: number;
  let body: unknown;
  try {
    ({ status, body } = await callService(env, 'v1/tokens', {
      method: 'POST',
      body: { checkoutSessionId: claim.sessionId },
      timeoutMs: claimTimeoutMs,
    }));
  } catch {
    return 'unreachable';
  }
  const token = status === 200 ? stringField(body, 'accessToken') : null;
  if (token !== null) {
    storeToken(token);
    removeItem(storageKeys.pendingClaim);
    return 'claimed';
  }
  if (status === 202) return 'pending';
  if (status === 200 || (status >= 400 && status < 500 && status !== 429)) {
    removeItem(storageKeys.pendingClaim);
    return 'refused';
  }
  return 'unreachable';
}

/**
 * Claims with a few retries while the payment is pending, waiting longer each time; `onPending` runs at the first
 * "pending" so the reader sees « paiement en cours » meanwhile.
 */
export async function claimWithRetries(
  env: Environment,
  claim: PendingClaim,
  delaysMs: readonly number[],
  onPending: () => void,
): Promise<ClaimOutcome> {
  let outcome = await claimOnce(env, claim);
  for (const delay of delaysMs) {
    if (outcome !== 'pending') break;
    onPending();
    await new Promise((resolve) => setTimeout(resolve, delay));
    outcome = await claimOnce(env, claim);
  }
  return outcome;
}
