import { type Lang, langOf } from './words';

/** What the script tag says: where the service is and how this site wants the ask. */
export interface Environment {
  /** The service's base URL, ending with '/': the directory the script was loaded from, or `data-service`. */
  base: URL;
  /** The `iss` tokens must carry (the service's PUBLIC_URL): `data-issuer`, else the base without its final '/'. */
  issuer: string;
  /** The page's language: `data-lang` on the script, else `<html lang>`. */
  lang: Lang;
  currency: string | null;
  campaign: string | null;
  /** Where Stripe sends the reader back; the current page (without session id or hash) when absent. */
  returnUrl: string | null;
  /** The browser's word for who is signed in on the site: kept with the payment for finance, proves nothing. */
  siteUserId: string | null;
  /**
   * `data-site-user-token-url`: a URL on the site that answers `{"token": "…"}` for the signed-in reader (a
   * short-lived token its backend signs), fetched when the reader clicks, so that cached pages carry none.
   */
  siteUserTokenUrl: string | null;
  /** Caps every request's deadline (`data-timeout-ms`), for sites that would rather wait less. */
  timeoutMs: number | null;
  /** `data-debug`: explain on the console why the ask is shown or hidden. */
  debug: boolean;
  /** `data-paywall-fail`: `open` shows premium content when the meter cannot be asked; else it is walled. */
  paywallFail: 'open' | 'closed';
}

/** The script's own tag: `document.currentScript` while it runs synchronously, else the tag that loaded support.js. */
export function findScriptTag(current: Element | null): HTMLScriptElement | null {
  if (current instanceof HTMLScriptElement) return current;
  const tags = document.querySelectorAll<HTMLScriptElement>('script[src]');
  for (const tag of Array.from(tags)) {
    if (/\/support(\.[0-9a-f]+)?\.js(\?|#|$)/.test(tag.src)) return tag;
  }
  return null;
}

export function readEnvironment(tag: HTMLScriptElement | null): Environment | null {
  const data = tag?.dataset ?? {};
  const source = data.service ?? tag?.src;
  if (!source) return null;
  const base = new URL(
    data.service ? source.replace(/\/?$/, '/') : '.',
    data.service ? location.href : source,
  );
  base.search = '';
  base.hash = '';
  const timeout = Number(data.timeoutMs);
  return {
    base,
    issuer: (data.issuer ?? base.toString()).replace(/\/$/, ''),
    lang: langOf(data.lang, document.documentElement.lang),
    currency: data.currency?.toLowerCase() ?? null,
    campaign: data.campaign ?? null,
    returnUrl: data.returnUrl ?? null,
    siteUserId: data.siteUserId ?? null,
    siteUserTokenUrl: data.siteUserTokenUrl ?? null,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : null,
    debug: data.debug !== undefined,
    paywallFail: data.paywallFail === 'open' ? 'open' : 'closed',
  };
}

/** The current page as a return URL: no `session_id`, no hash. */
export function currentPageUrl(): string {
  const url = new URL(location.href);
  url.searchParams.delete('session_id');
  url.hash = '';
  return url.toString();
}
