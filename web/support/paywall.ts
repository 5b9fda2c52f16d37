import type { AccessClaims } from './accessToken';
import { type AskContext, langOfAsk, renderAsk } from './ask';
import { type BannerConfig, rememberedOpensWith } from './bannerConfig';
import { h } from './dom';
import type { Environment } from './environment';
import { callService, stringField } from './http';
import { formatAmount } from './money';
import { readItem, storageKeys, writeItem, writeSiteCookie } from './storage';
import { storedToken } from './supporterToken';
import { words } from './words';

/**
 * Premium content, `[data-premium="<article id>"]`: open with no request for a reader whose token carries the
 * opening entitlement; for anyone else one meter request per page view, then the content stays (with a line saying
 * how many free premium articles are left this month) or is cut to its first paragraphs with the paywall ask after
 * them. `data-paywall-state` (`deciding`, `open`, `metered`, `walled`) says which, for the site's CSS. Cutting in
 * the page is cosmetic: the site's backend is the real gate (`GET /v1/access`, README).
 */

export type PaywallState = 'deciding' | 'open' | 'metered' | 'walled';

const meterTimeoutMs = 4000;
/** The `rs_meter` cookie: the copy of the meter the site's backend sends to `GET /v1/access`. */
export const meterCookie = 'rs_meter';

interface MeterAnswer {
  access: 'metered' | 'denied';
  remaining: number;
  resetsAt: string;
  meter: string;
}

export interface PaywallContext {
  env: Environment;
  /** The stored token's claims when it verifies now, else null (asked only on a page with premium content). */
  claims: () => Promise<AccessClaims | null>;
  config: () => Promise<BannerConfig>;
  ask: () => Promise<AskContext>;
  report: (error: unknown) => void;
}

/** Decides every premium element of the page; premium elements the site's backend decided are left as they are. */
export async function gatePremium(context: PaywallContext): Promise<void> {
  const elements = Array.from(document.querySelectorAll<HTMLElement>('[data-premium]'));
  if (elements.length === 0) return;
  const claims = await context.claims();
  // The backend reads the token from the site's own cookie: keep the copy current (a token stored before it existed).
  const token = storedToken();
  if (claims && token) writeSiteCookie('rs_access', token, claims.exp - Date.now() / 1000);
  for (const element of elements) {
    if (element.hasAttribute('data-premium-decided')) {
      setState(element, 'open');
      continue;
    }
    if (claims?.ent.includes(rememberedOpensWith())) {
      setState(element, 'open');
      continue;
    }
    setState(element, 'deciding');
    const answer = await countView(context.env, element.dataset.premium ?? '');
    if (answer?.access === 'metered') {
      setState(element, 'metered');
      const w = words[langOfAsk(element, context.env)];
      element.before(h('p', { class: 'rs-meter-note', role: 'status' }, w.premiumLeft(answer.remaining)));
    } else if (answer === null && failOpen(element, context.env)) {
      setState(element, 'open');
    } else {
      await wall(element, context, claims);
    }
  }
}

/** `POST /v1/meter` with the meter this browser holds; the new one is kept. Null when the service cannot answer. */
async function countView(env: Environment, articleId: string): Promise<MeterAnswer | null> {
  try {
    const meter = readItem(storageKeys.meter);
    const answer = await callService(env, 'v1/meter', {
      method: 'POST',
      body: { articleId, ...(meter ? { meter } : {}) },
      timeoutMs: meterTimeoutMs,
    });
    const body = answer.body as Partial<MeterAnswer> | null;
    const signed = stringField(body, 'meter');
    if (answer.status !== 200 || !signed || (body?.access !== 'metered' && body?.access !== 'denied'))
      return null;
    writeItem(storageKeys.meter, signed);
    writeSiteCookie(
      meterCookie,
      signed,
      (Date.parse(String(body.resetsAt)) - Date.now()) / 1000 + 86_400 * 31,
    );
    return {
      access: body.access,
      remaining: Number(body.remaining) || 0,
      resetsAt: String(body.resetsAt),
      meter: signed,
    };
  } catch {
    return null;
  }
}

/** `data-paywall-fail="open"` on the element or the script tag: the site would rather open on an outage. */
function failOpen(element: HTMLElement, env: Environment): boolean {
  return (element.dataset.paywallFail ?? env.paywallFail) === 'open';
}

/**
 * The wall: the first paragraphs stay, the rest is hidden, and the paywall ask follows — a new monthly
 * contribution at the tier that opens premium content, or, for a reader who already gives every month below it,
 * the way to change what they give (never a second contribution beside the first).
 */
async function wall(
  element: HTMLElement,
  context: PaywallContext,
  claims: AccessClaims | null,
): Promise<void> {
  const config = await context.config();
  let kept = 0;
  for (const child of Array.from(element.children) as HTMLElement[]) {
    if (kept >= config.paywall.previewParagraphs) child.hidden = true;
    else if (child.tagName === 'P') kept++;
  }
  setState(element, 'walled');
  // One ask on the page: the wall's, in place of the general one the script drew.
  for (const ask of Array.from(document.querySelectorAll<HTMLElement>('[data-support-state=ask]')))
    ask.hidden = true;
  const lang = langOfAsk(element, context.env);
  const w = words[lang];
  const currency = config.currencies[context.env.currency ?? '']
    ? (context.env.currency as string)
    : config.defaultCurrency;
  const amount = formatAmount(config.paywall.opensAtMonthly, currency, lang);
  const host = h('div', {
    class: 'rs-paywall',
    'data-paywall-ask': true,
    'data-lang': lang,
    'data-frequency': 'monthly',
    'data-amount': String(config.paywall.opensAtMonthly),
    'data-campaign': element.dataset.paywallCampaign ?? 'paywall',
    'data-headline': w.paywallTitle,
  });
  element.after(host);
  const givesMonthly = claims?.recurring === true && claims.ent.includes('hide_support_asks');
  if (givesMonthly) {
    host.dataset.text = w.paywallUpgradeText(amount);
    renderUpgrade(host, context, w.paywallTitle, w.paywallUpgradeText(amount), w.paywallManage);
    return;
  }
  host.dataset.text = w.paywallText(amount);
  renderAsk(host, await context.ask(), null);
}

/** For a monthly supporter below the opening tier: their own billing portal, where they change what they give. */
function renderUpgrade(
  host: HTMLElement,
  context: PaywallContext,
  title: string,
  text: string,
  manage: string,
): void {
  const button = h('button', { type: 'button', class: 'rs-submit' }, manage);
  button.addEventListener('click', () => {
    const token = storedToken();
    if (!token) return;
    callService(context.env, 'v1/portal', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: { returnUrl: location.href },
      timeoutMs: 15000,
    })
      .then((answer) => {
        const url = stringField(answer.body, 'url');
        if (answer.status === 200 && url && /^https?:\/\//.test(url)) location.assign(url);
      })
      .catch(context.report);
  });
  host.replaceChildren(
    h(
      'section',
      { class: 'rs-ask', lang: host.dataset.lang },
      h('h2', { class: 'rs-title' }, title),
      h('p', { class: 'rs-text' }, text),
      h('div', { class: 'rs-actions' }, button),
    ),
  );
}

function setState(element: HTMLElement, state: PaywallState): void {
  element.setAttribute('data-paywall-state', state);
}
