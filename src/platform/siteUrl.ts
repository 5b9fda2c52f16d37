import { z } from '../zod';

/**
 * A URL on one of the news site's origins: where the service may send a reader (back from Checkout, the billing
 * portal or sign-in). Anything else is refused, so the service can never serve as an open redirect.
 */
export function siteUrlSchema(siteOrigins: readonly string[]) {
  return z
    .url({ protocol: /^https?$/, abort: true })
    .max(2048, { abort: true })
    .refine((url) => isSiteUrl(url, siteOrigins), {
      message: 'must be a URL on one of the news site origins (SITE_ORIGINS)',
    });
}

export function isSiteUrl(candidate: string, siteOrigins: readonly string[]): boolean {
  try {
    const url = new URL(candidate);
    return siteOrigins.includes(url.origin) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
