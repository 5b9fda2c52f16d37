/**
 * API keys as the service takes them: the caller presents a secret, `API_KEYS` holds `name:role:sha256hex` of it
 * (src/config.ts, src/platform/apiKeys.ts). Used by `npm run api-key` and by the launcher's development admin key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const apiKeyRoles = ['site', 'finance', 'admin'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

/** The names `API_KEYS` accepts (the config schema's rule). */
export const apiKeyName = /^[A-Za-z0-9_.-]+$/;

/** A new secret to give a caller: 256 random bits. */
export function newApiKeySecret(): string {
  return `rsk_${randomBytes(32).toString('base64url')}`;
}

/** The `API_KEYS` entry for a secret: only its SHA-256 is configured. */
export function apiKeyEntry(name: string, role: ApiKeyRole, secret: string): string {
  if (!apiKeyName.test(name)) throw new Error(`"${name}": a key name is letters, digits, _ . - only`);
  if (!apiKeyRoles.includes(role)) throw new Error(`"${role}": the role is site, finance or admin`);
  return `${name}:${role}:${createHash('sha256').update(secret).digest('hex')}`;
}

/** A new key: the secret to give and the entry to add to `API_KEYS`. */
export function makeApiKey(name: string, role: ApiKeyRole): { secret: string; entry: string } {
  const secret = newApiKeySecret();
  return { secret, entry: apiKeyEntry(name, role, secret) };
}

/** `API_KEYS` with one more entry, after whatever was set. */
export function withApiKey(apiKeys: string | undefined, entry: string): string {
  return [apiKeys?.trim(), entry].filter((part) => part).join(',');
}

/**
 * The development admin key kept in `path` (mode 0600): read when it is there, else made once. A file whose
 * permissions let others read it is narrowed to its owner.
 */
export function ensureDevelopmentKey(path: string): { secret: string; created: boolean } {
  const existing = readKey(path);
  if (existing) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { secret: existing, created: false };
  }
  // Empty or not one key: made again.
  rmSync(path, { force: true });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = newApiKeySecret();
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another launcher made it at the same moment: theirs is the one.
    const theirs = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readKey(path) : null;
    if (theirs) return { secret: theirs, created: false };
    throw error;
  }
  return { secret, created: true };
}

function readKey(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return /^\S{16,}$/.test(text) ? text : null;
}
