/**
 * localStorage and sessionStorage that never throw: private modes, disabled storage and full quotas all read as
 * "nothing stored", so the banner falls back to showing the ask.
 */
export const storageKeys = {
  /** The access token (a JWT). Its only power is to hide asks and to say who the supporter is to the service. */
  token: 'reader-support:token',
  /** The JWKS and when it was fetched. */
  jwks: 'reader-support:jwks',
  /** A checkout session id awaiting its claim (SEPA and other delayed payments), with when it was first seen. */
  pendingClaim: 'reader-support:pending-claim',
  /** The paywall's signed meter (also in the `rs_meter` cookie, for the site's backend). */
  meter: 'reader-support:meter',
  /** The entitlement that opens premium content, from the last `/v1/config`. */
  opensWith: 'reader-support:opens-with',
  /** The access tokens' lifetime in seconds, from the last `/v1/config` (when to renew one). */
  tokenLifetime: 'reader-support:token-lifetime',
} as const;

const cookieValue = /^[A-Za-z0-9._-]{1,4096}$/;

/** A first-party cookie of the page's site, or null. */
export function readSiteCookie(name: string): string | null {
  try {
    for (const pair of document.cookie.split('; ')) {
      const [key, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (key === name && cookieValue.test(value)) return value;
    }
  } catch {
    // Cookies unavailable: none to read.
  }
  return null;
}

/**
 * A first-party cookie on the site's own domain, for the site's backend to read (`rs_access`, `rs_meter`): never
 * HttpOnly (the script writes it), SameSite=Lax, Secure on HTTPS. A null value deletes it.
 */
export function writeSiteCookie(name: string, value: string | null, maxAgeS = 0): void {
  // Only what a token or a meter looks like: nothing that could add an attribute to the cookie.
  if (value !== null && !cookieValue.test(value)) return;
  try {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    const age = value === null || !Number.isFinite(maxAgeS) ? 0 : Math.max(0, Math.floor(maxAgeS));
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from Safari and Firefox.
    document.cookie = `${name}=${value ?? ''}; Path=/; Max-Age=${age}; SameSite=Lax${secure}`;
  } catch {
    // A sandboxed page without cookies: the backend sees no copy, and decides as for a reader with none.
  }
}

type StorageKind = 'localStorage' | 'sessionStorage';

function area(kind: StorageKind): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

export function readItem(key: string, kind: StorageKind = 'localStorage'): string | null {
  try {
    return area(kind)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeItem(key: string, value: string, kind: StorageKind = 'localStorage'): void {
  try {
    area(kind)?.setItem(key, value);
  } catch {
    // Quota or disabled storage: the banner works for this page view, and asks again on the next.
  }
}

export function removeItem(key: string, kind: StorageKind = 'localStorage'): void {
  try {
    area(kind)?.removeItem(key);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

/** Parses stored JSON, or null when absent or not JSON. */
export function readJson(key: string): unknown {
  const text = readItem(key);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
