import type { Request } from 'express';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c] ?? c);

export type PageLang = 'fr' | 'en';

export interface PageOptions {
  lang?: PageLang;
  /** The test-mode strip's words (default English). */
  testMode?: string;
  /** A wider page (the control page's tables). */
  wide?: boolean;
}

/** A hosted page of the stand-in: Stripe-like, no script at all (forms only), a test-mode strip on top. */
export function page(title: string, body: string, options: PageOptions = {}): string {
  const lang = options.lang ?? 'en';
  const testMode =
    options.testMode ?? 'Test mode — stripe-local, a stand-in for Stripe: no real money moves.';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · stripe-local</title>
<style>${styles}</style></head>
<body${options.wide ? ' class="wide"' : ''}><p class="test-mode">${escapeHtml(testMode)}</p>
<main>${body}</main></body></html>`;
}

/** An amount in minor units, formatted for the page's language (`10,00 €` in French, `€10.00` in English). */
export const formatAmount = (amount: number, currency: string, lang: PageLang = 'en'): string =>
  new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    style: 'currency',
    currency: currency.toUpperCase(),
  }).format(amount / 100);

/** A unix time as a date in the page's language. */
export const formatDate = (seconds: number, lang: PageLang = 'en'): string =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(
    seconds * 1000,
  );

/**
 * The language of a hosted page: the session's `locale` when it names one (`fr`, `fr-CA`, `en-GB`…), else the
 * browser's `Accept-Language` for `auto` or none, as Stripe does; French or English, English for anything else.
 */
export function pageLang(locale: string | null | undefined, req: Request): PageLang {
  const chosen = locale && locale !== 'auto' ? locale : req.acceptsLanguages('en', 'fr') || 'en';
  return chosen.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/**
 * Forms on these pages change state, and the stand-in has no authentication: a POST coming from another site's
 * page (`Sec-Fetch-Site` cross-site or same-site, or a foreign `Origin`) is refused. Scripts and the SDK send
 * neither header, as do old browsers on the same page.
 */
export function isSameOriginPost(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  return !origin || origin === 'null' || origin === `${req.protocol}://${req.get('host')}`;
}

const styles = `
:root{--ink:#1a1f36;--muted:#5e6878;--line:#e3e8ee;--brand:#554cf0;--bg:#f6f9fc;--ok:#0e6245;--bad:#df1b41;--warn:#a05e03}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif}
.test-mode{margin:0;padding:.4rem 1rem;background:#ffde92;color:#5b3a00;font-size:13px;font-weight:600;text-align:center}
main{max-width:56rem;margin:2.5rem auto;padding:0 1rem}
body.wide main{max-width:78rem}
h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.75rem 0 .75rem}
a{color:var(--brand)}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1.5rem;box-shadow:0 2px 5px rgba(60,66,87,.08)}
.checkout{display:grid;grid-template-columns:1fr 1fr;gap:2rem;align-items:start}
@media (max-width:44rem){.checkout{grid-template-columns:1fr}}
.summary .item{color:var(--muted);margin:0;font-size:1rem;font-weight:400}
.summary .amount{font-size:2.25rem;font-weight:700;margin:.25rem 0 0;letter-spacing:-.01em}
.summary .frequency{color:var(--muted);margin:0 0 1rem}
.summary dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1.5rem 0 0;padding-top:1rem;border-top:1px solid var(--line);font-size:13px}
.summary dt{color:var(--muted)}.summary dd{margin:0;word-break:break-all}
label{display:block;font-weight:600;font-size:14px}
input[type=email],input[type=number],input[type=text]{width:100%;padding:.6rem .7rem;font:inherit;margin:.35rem 0 1.25rem;border:1px solid #cfd7df;border-radius:6px}
fieldset{border:0;margin:0 0 1.25rem;padding:0}legend{font-weight:600;font-size:14px;margin-bottom:.35rem}
.choice{display:flex;gap:.75rem;align-items:flex-start;padding:.75rem .9rem;border:1px solid #cfd7df;border-radius:6px;margin-bottom:.5rem;font-weight:400;cursor:pointer}
.choice:has(input:checked){border-color:var(--brand);box-shadow:0 0 0 1px var(--brand)}
.choice input{margin-top:.25rem}.choice strong{display:block}.choice small{color:var(--muted)}
button{font:inherit;font-weight:600;padding:.7rem 1rem;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer}
button.pay{display:block;width:100%;font-size:1rem;padding:.85rem}
button.secondary{background:#fff;color:var(--brand)}button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}
button.small{padding:.3rem .6rem;font-size:13px}
.note{color:var(--muted);font-size:13px}.error{color:var(--bad);font-weight:600}.done{color:var(--ok);font-weight:600}
.back{display:inline-block;margin-top:1rem;font-size:14px}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:12px;font-weight:600;background:#e3e8ee;color:var(--ink)}
.badge.ok{background:#d7f7c2;color:var(--ok)}.badge.bad{background:#ffe7f2;color:var(--bad)}.badge.warn{background:#fcedb9;color:var(--warn)}
.subscription{display:flex;justify-content:space-between;gap:1rem;align-items:center;flex-wrap:wrap}
.subscription h2{margin-top:0}.subscription .actions{display:flex;gap:.5rem;flex-wrap:wrap}.subscription form{margin:0}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);font-size:13px}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:middle}
th{background:#f6f8fa;color:var(--muted);font-weight:600}
td form{display:inline-block;margin:0 .25rem .25rem 0}
td code{font-size:12px}
.clock{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}.clock form{margin:0}
`;
