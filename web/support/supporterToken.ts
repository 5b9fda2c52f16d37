import { type AccessClaims, hidesAsks, verifyAccessToken } from './accessToken';
import { rememberedTokenLifetimeS } from './bannerConfig';
import type { Environment } from './environment';
import { callService, stringField } from './http';
import { readItem, removeItem, storageKeys, writeItem, writeSiteCookie } from './storage';

/** What this browser's stored token says about the reader. */
export type Decision = 'supporter' | 'reader';

/**
 * A valid token is renewed in its last five minutes, or in the last quarter of the service's token lifetime when that
 * is shorter (the demo's minute), so a fresh token is used a while before a request is made for it.
 */
const refreshAheadMs = 5 * 60 * 1000;
const refreshTimeoutMs = 5000;

export type RefreshOutcome =
  /** A new token is stored. */
  | 'renewed'
  /** The service says there is nothing to hold (no longer entitled, unknown or reused refresh token): token dropped. */
  | 'ended'
  /** The service could not be asked (down, slow): the stored token is left as it was. */
  | 'unreachable';

export function storedToken(): string | null {
  return readItem(storageKeys.token);
}

/** The `rs_access` cookie's name: the copy of the token the site's backend reads to gate premium articles. */
export const accessCookie = 'rs_access';

export function storeToken(token: string): void {
  writeItem(storageKeys.token, token);
  writeSiteCookie(accessCookie, token, tokenLifetimeS(token));
}

export function dropToken(): void {
  removeItem(storageKeys.token);
  writeSiteCookie(accessCookie, null);
}

/** Seconds until the token's `exp` (unverified: only the cookie's lifetime depends on it). */
function tokenLifetimeS(token: string): number {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' ? payload.exp - Date.now() / 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * Decides from the stored token alone, with no request when it is valid and the keys are cached. A token that is
 * genuine but expired is renewed first (its refresh cookie may still be good); anything else that does not verify
 * is dropped. A valid token close to its end is renewed in the background; `onLapsed` runs if the renewal says the
 * reader is no longer a supporter.
 */
export async function decideFromStoredToken(
  env: Environment,
  onLapsed: () => void,
  log: (message: string) => void,
): Promise<Decision> {
  const token = storedToken();
  if (token === null) return 'reader';
  const verdict = await verifyAccessToken(token, env, Date.now());
  if (verdict.ok) {
    const ahead = Math.min(refreshAheadMs, (rememberedTokenLifetimeS() * 1000) / 4);
    if (verdict.claims.exp * 1000 - Date.now() < ahead) {
      void refreshAccessToken(env)
        .then(async (outcome) => {
          if (outcome === 'unreachable') return;
          const claims = outcome === 'renewed' ? await currentClaims(env) : null;
          if (!claims || !hidesAsks(claims)) onLapsed();
        })
        .catch(() => undefined);
    }
    log(`stored token verified; entitlements: ${verdict.claims.ent.join(', ') || 'none'}`);
    return hidesAsks(verdict.claims) ? 'supporter' : 'reader';
  }
  log(`stored token refused: ${verdict.reason}`);
  if (verdict.reason === 'expired' && (await refreshAccessToken(env)) === 'renewed') {
    const claims = await currentClaims(env);
    return claims && hidesAsks(claims) ? 'supporter' : 'reader';
  }
  // A token that is not genuine (or whose renewal failed for good) is no use to keep.
  if (verdict.reason !== 'expired' && verdict.reason !== 'no webcrypto') dropToken();
  return 'reader';
}

/** The claims of the stored token when it verifies now, else null; the token is kept either way. */
export async function verifiedClaims(env: Environment): Promise<AccessClaims | null> {
  const token = storedToken();
  if (token === null) return null;
  const verdict = await verifyAccessToken(token, env, Date.now());
  return verdict.ok ? verdict.claims : null;
}

/** The claims of the stored token when it verifies now; a token that does not is dropped. */
export async function currentClaims(env: Environment): Promise<AccessClaims | null> {
  const token = storedToken();
  if (token === null) return null;
  const verdict = await verifyAccessToken(token, env, Date.now());
  if (verdict.ok) return verdict.claims;
  dropToken();
  return null;
}

/**
 * `POST /v1/tokens/refresh` with the refresh cookie. Tabs take turns (Web Locks) so that two tabs never spend the
 * same refresh token, which the service would take for a theft; a tab that waited uses what the other one got.
 */
export async function refreshAccessToken(env: Environment): Promise<RefreshOutcome> {
  const before = storedToken();
  const run = async (): Promise<RefreshOutcome> => {
    const now = storedToken();
    if (now !== null && now !== before) return 'renewed';
    try {
      // No body and no custom header: a CORS "simple" request, so no preflight.
      const answer = await callService(env, 'v1/tokens/refresh', {
        method: 'POST',
        timeoutMs: refreshTimeoutMs,
      });
      if (answer.status === 200) {
        const token = stringField(answer.body, 'accessToken');
        if (token === null) {
          dropToken();
          return 'ended';
        }
        storeToken(token);
        return 'renewed';
      }
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        dropToken();
        return 'ended';
      }
      return 'unreachable';
    } catch {
      return 'unreachable';
    }
  };
  const locks = navigator.locks;
  if (!locks) return run();
  try {
    return (await locks.request('reader-support:refresh', run)) as RefreshOutcome;
  } catch {
    return run();
  }
}
