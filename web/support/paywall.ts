import type { AccessClaims } from './accessToken';
import { type AskContext, langOfAsk, renderAsk, renderMessage } from './ask';
import { type BannerConfig, rememberedOpensWith } from './bannerConfig';
import { h, uniqueId } from './dom';
import type { Environment } from './environment';
import { callService, stringField } from './http';
import { portalButton } from './manage';
import { formatAmount } from './money';
import { readItem, readSiteCookie, storageKeys, writeItem, writeSiteCookie } from './storage';
import { refreshAccessToken, storedToken, storeToken } from './supporterToken';
import { type Lang, words } from './words';

/**
 * Premium content, `[data-premium="<article id>"]`: open with no request for a reader whose token carries the
 * opening entitlement; for anyone else one meter request per article per page view, then the content stays (with
 * a line saying how many free premium articles are left this month) or is cut to its first paragraphs with the
 * paywall ask after them. `data-paywall-state` (`deciding`, `open`, `metered`, `walled`) says which, for the site's
 * CSS. Cutting in the page is cosmetic: the site's backend is the real gate (`GET /v1/access`, README).
 */

export type PaywallState = 'deciding' | 'open' | 'metered' | 'walled';

const meterTimeoutMs = 4000;
/** The `rs_meter` cookie: the copy of the meter the site's backend sends to `GET /v1/access` (and may renew). */
export const meterCookie = 'rs_meter';
/** The service's rule for article ids (`POST /v1/meter` refuses others). */
const articleIdPattern = /^[A-Za-z0-9._:/-]{1,100}$/;

interface MeterAnswer {
  access: 'metered' | 'denied';
  remaining: number;
}

export interface PaywallContext {
  env: Environment;
  /** The stored token's claims when it verifies now, else null; never drops the token (a refresh may renew it). */
  claims: () => Promise<AccessClaims | null>;
  config: () => Promise<BannerConfig>;
  ask: () => Promise<AskContext>;
  /** A delayed payment (SEPA) is being confirmed: the wall says so instead of asking a second time. */
  paymentPending: boolean;
  report: (error: unknown) => void;
  log: (message: string) => void;
}

/**
 * Decides the page's premium content: elements the site's backend decided are left open; the others are grouped
 * by article id (an article split around an ad is one article: one meter request, one ask).
 */
export async function gatePremium(context: PaywallContext): Promise<void> {
  const elements = Array.from(document.querySelectorAll<HTMLElement>('[data-premium]'));
  if (elements.length === 0) return;
  const claims = await context.claims();
  // The backend reads the token from the site's own cookie: keep the copy current (a token stored before it existed).
  const token = storedToken();
  if (claims && token) storeToken(token);
  const articles = new Map<string, HTMLElement[]>();
  for (const element of elements) {
    if (element.hasAttribute('data-premium-decided')) {
      setState(element, 'open');
      continue;
    }
    const id = element.dataset.premium ?? '';
    articles.set(id, [...(articles.get(id) ?? []), element]);
  }
  for (const [articleId, parts] of articles) {
    try {
      await decideArticle(articleId, parts, claims, context);
    } catch (error) {
      context.report(error);
      for (const part of parts)
        if (part.getAttribute('data-paywall-state') === 'deciding') failed(part, context);
    }
  }
}

async function decideArticle(
  articleId: string,
  parts: HTMLElement[],
  claims: AccessClaims | null,
  context: PaywallContext,
): Promise<void> {
  const [first] = parts as [HTMLElement];
  if (claims?.ent.includes(rememberedOpensWith())) {
    for (const part of parts) setState(part, 'open');
    return;
  }
  for (const part of parts) setState(part, 'deciding');
  if (!articleIdPattern.test(articleId)) {
    context.log(`data-premium="${articleId}" is not an article id (1 to 100 of A-Z a-z 0-9 . _ : / -)`);
    for (const part of parts) failed(part, context);
    return;
  }
  const answer = await countView(context.env, articleId);
  if (answer === null) {
    for (const part of parts) failed(part, context);
  } else if (answer.access === 'metered') {
    for (const part of parts) setState(part, 'metered');
    announce(first, words[langOfAsk(first, context.env)].premiumLeft(answer.remaining));
  } else {
    await wall(parts, context, claims);
  }
}

/** `POST /v1/meter` with the meter this browser holds; the new one is kept. Null when the service cannot answer. */
async function countView(env: Environment, articleId: string): Promise<MeterAnswer | null> {
  try {
    // The cookie first: the site's backend may have counted views on it since (`GET /v1/access`).
    const meter = readSiteCookie(meterCookie) ?? readItem(storageKeys.meter);
    const answer = await callService(env, 'v1/meter', {
      method: 'POST',
      body: { articleId, ...(meter ? { meter } : {}) },
      timeoutMs: meterTimeoutMs,
    });
    const body = answer.body as Record<string, unknown> | null;
    const signed = stringField(body, 'meter');
    const access = body?.access;
    if (answer.status !== 200 || !signed || (access !== 'metered' && access !== 'denied')) return null;
    writeItem(storageKeys.meter, signed);
    // Kept a month past its reset: a past month's meter counts as fresh, not as none.
    writeSiteCookie(
      meterCookie,
      signed,
      (Date.parse(String(body?.resetsAt)) - Date.now()) / 1000 + 31 * 86_400,
    );
    return { access, remaining: Number(body?.remaining) || 0 };
  } catch {
    return null;
  }
}

/** The service could not decide: `data-paywall-fail="open"` (element or script tag) opens, else the wall. */
function failed(element: HTMLElement, context: PaywallContext): void {
  if ((element.dataset.paywallFail ?? context.env.paywallFail) === 'open') setState(element, 'open');
  else void wall([element], context, null).catch(context.report);
}

/**
 * The wall: the first paragraphs stay (at any depth), everything after them is hidden, later parts of the article
 * entirely, and one paywall ask follows — a monthly contribution at the tier that opens premium content, or, for a
 * reader who already gives every month below it, the way to change what they give (never a second contribution),
 * or, while their delayed payment is confirmed, that it is.
 */
async function wall(
  parts: HTMLElement[],
  context: PaywallContext,
  claims: AccessClaims | null,
): Promise<void> {
  const config = await context.config();
  // The policy may open premium content with another entitlement than the one this browser remembered.
  if (claims?.ent.includes(config.paywall.opensWith)) {
    for (const part of parts) setState(part, 'open');
    return;
  }
  const [first, ...rest] = parts as [HTMLElement, ...HTMLElement[]];
  cutAfterParagraphs(first, config.paywall.previewParagraphs);
  for (const part of rest) part.hidden = true;
  for (const part of parts) setState(part, 'walled');
  // One ask on the page: the wall's, in place of the general one the script drew.
  for (const ask of Array.from(document.querySelectorAll<HTMLElement>('[data-support-state=ask]')))
    ask.hidden = true;

  const lang = langOfAsk(first, context.env);
  const w = words[lang];
  const host = h('div', { class: 'rs-paywall', 'data-paywall-ask': true, 'data-lang': lang });
  first.after(host);
  if (context.paymentPending) {
    renderMessage(host, lang, w.pendingTitle, w.pendingText);
    return;
  }
  if (claims?.recurring === true && claims.ent.includes('hide_support_asks')) {
    await renderUpgrade(host, parts, context, lang, config.paywall.opensAtMonthly);
    return;
  }
  const currency = config.currencies[context.env.currency ?? '']
    ? (context.env.currency as string)
    : config.defaultCurrency;
  const amount = formatAmount(config.paywall.opensAtMonthly, currency, lang);
  Object.assign(host.dataset, {
    frequency: 'monthly',
    amount: String(config.paywall.opensAtMonthly),
    campaign: first.dataset.paywallCampaign ?? 'paywall',
    headline: w.paywallTitle,
    text: w.paywallText(amount),
  });
  const ask = await context.ask();
  renderAsk(
    host,
    {
      ...ask,
      // Restored from the wall's own « J'ai déjà contribué »: the article opens if the support opens it.
      onRestored: (restoredHost) => {
        ask.onRestored(restoredHost);
        reopenIfEntitled(parts, host, context).catch(context.report);
      },
    },
    null,
  );
}

async function reopenIfEntitled(
  parts: HTMLElement[],
  host: HTMLElement,
  context: PaywallContext,
): Promise<void> {
  const [claims, config] = await Promise.all([context.claims(), context.config()]);
  const lang = langOfAsk(host, context.env);
  const w = words[lang];
  if (!claims?.ent.includes(config.paywall.opensWith)) {
    renderMessage(host, lang, w.restoredTitle, w.restoredText);
    return;
  }
  openParts(parts);
  renderMessage(host, lang, w.restoredTitle, w.restoredText);
}

/** Shows what the wall hid, and says the article is open. */
function openParts(parts: HTMLElement[]): void {
  for (const part of parts) {
    for (const hidden of Array.from(part.querySelectorAll<HTMLElement>('[data-paywall-cut]'))) {
      hidden.hidden = false;
      hidden.removeAttribute('data-paywall-cut');
    }
    part.hidden = false;
    setState(part, 'open');
  }
}

/** Hides everything after the element's `count`-th paragraph (in document order, nested or not). */
function cutAfterParagraphs(element: HTMLElement, count: number): void {
  const hide = (node: Element) => {
    if (!(node instanceof HTMLElement)) return;
    node.hidden = true;
    node.setAttribute('data-paywall-cut', '');
  };
  const paragraphs = Array.from(element.querySelectorAll('p'));
  const last = count > 0 ? paragraphs[count - 1] : undefined;
  if (count > 0 && !last) return;
  if (!last) {
    for (const child of Array.from(element.children)) hide(child);
    return;
  }
  for (let node: Element = last; node !== element && node.parentElement; node = node.parentElement) {
    for (let sibling = node.nextElementSibling; sibling; sibling = sibling.nextElementSibling) hide(sibling);
  }
}

/** A status line above the premium content, filled once it is in the page so screen readers announce it. */
function announce(element: HTMLElement, text: string): void {
  const note = h('p', { class: 'rs-meter-note', role: 'status' });
  element.before(note);
  setTimeout(() => {
    note.textContent = text;
  }, 50);
}

/** How long the script waits, after a raise, for the webhooks that lift the reader's tier (then: on next load). */
const raisedTierChecksMs = [1000, 2000, 3000, 4000, 5000] as const;

interface Quote {
  subscription: string;
  currency: string;
  interval: 'month' | 'year';
  currentAmount: number;
  amount: number;
  dueNow: number;
  prorationDate: number;
  renewsAt: string;
}

/**
 * For a recurring supporter below the opening tier: raise the same contribution to the tier in place, never a
 * second one. Stripe's quote first (`POST /v1/support/upgrade/quote`: what it becomes, and the difference charged
 * now, in the contribution's own currency and interval), then, on the reader's click, the raise at that quote
 * (`POST /v1/support/upgrade`; the subscription changes only once the difference is paid). Refused by the bank: the
 * change waits for the payment (Stripe's page, when there is one) and the billing portal is offered to change card;
 * a contribution that cannot be raised here (a bank debit, the period's last days): the billing portal.
 */
async function renderUpgrade(
  host: HTMLElement,
  parts: HTMLElement[],
  context: PaywallContext,
  lang: Lang,
  monthlyAmount: number,
): Promise<void> {
  const w = words[lang];
  const id = uniqueId();
  const status = h('p', { class: 'rs-status', role: 'status' });
  const actions = h('div', { class: 'rs-actions' });
  const text = h('p', { class: 'rs-text' });
  host.replaceChildren(
    h(
      'section',
      { class: 'rs-ask', 'aria-labelledby': `${id}-title`, lang },
      h('h2', { class: 'rs-title', id: `${id}-title` }, w.paywallTitle),
      text,
      actions,
      status,
    ),
  );
  const elsewhere = (): void => {
    text.textContent = w.upgradeElsewhere;
    actions.replaceChildren(portalButton(context, w, status, 'rs-submit'));
  };
  const token = storedToken();
  const quoted = token
    ? await upgradeCall(context, token, 'v1/support/upgrade/quote', { monthlyAmount })
    : null;
  const quote = quoted?.status === 200 ? (quoted.body as Quote) : null;
  if (!quote || !token) {
    elsewhere();
    return;
  }
  const money = (minor: number) => formatAmount(minor, quote.currency, lang);
  const per = quote.interval === 'year' ? w.perYear : w.perMonth;
  const renews = new Date(quote.renewsAt).toLocaleDateString(lang, { day: 'numeric', month: 'long' });
  text.textContent = w.upgradeQuote(
    money(quote.currentAmount),
    money(quote.amount),
    per,
    money(quote.dueNow),
    renews,
  );
  const button = h(
    'button',
    { type: 'button', class: 'rs-submit' },
    w.paywallUpgrade(money(quote.amount), per),
  );
  actions.replaceChildren(button);
  let busy = false;
  button.addEventListener('click', () => {
    if (busy) return;
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    status.textContent = w.upgrading;
    const raise = {
      monthlyAmount,
      prorationDate: quote.prorationDate,
      dueNow: quote.dueNow,
      subscription: quote.subscription,
    };
    upgradeCall(context, token, 'v1/support/upgrade', raise)
      .then(async (answer) => {
        if (answer.status === 200) {
          button.remove();
          status.textContent = w.upgraded(money(quote.amount), per);
          if (!(await openOnceRaised(parts, context))) status.textContent = w.upgradedLater;
          return;
        }
        if (answer.status === 202) {
          button.remove();
          status.textContent = w.upgradeRefused;
          const payUrl = stringField(answer.body, 'payUrl');
          if (payUrl && /^https:\/\//.test(payUrl))
            actions.append(h('a', { class: 'rs-submit', href: payUrl }, w.upgradePay));
          actions.append(portalButton(context, w, status));
          return;
        }
        if (answer.status === 409 || answer.status === 404) {
          status.textContent = '';
          elsewhere();
          return;
        }
        throw new Error(`POST /v1/support/upgrade answered ${answer.status}`);
      })
      .catch((error: unknown) => {
        busy = false;
        button.removeAttribute('aria-disabled');
        status.textContent = w.checkoutFailed;
        context.report(error);
      });
  });
}

/** A call of the upgrade routes with the reader's token. */
function upgradeCall(context: PaywallContext, token: string, path: string, body: object) {
  return callService(context.env, path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body,
    timeoutMs: 30000,
  });
}

/** Renews the token until it carries the opening entitlement (the webhooks of the raise landed), then opens. */
async function openOnceRaised(parts: HTMLElement[], context: PaywallContext): Promise<boolean> {
  const config = await context.config();
  for (const delay of raisedTierChecksMs) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    if ((await refreshAccessToken(context.env)) === 'ended') return false;
    const claims = await context.claims();
    // The renewal stored the token, and its copy for the site's backend (storeToken).
    if (claims?.ent.includes(config.paywall.opensWith)) {
      openParts(parts);
      return true;
    }
  }
  return false;
}

function setState(element: HTMLElement, state: PaywallState): void {
  element.setAttribute('data-paywall-state', state);
}
