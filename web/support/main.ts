/**
 * reader-support's banner script: one `<script src=".../support.js" async>` on the news site's pages.
 *
 * It renders « Soutenez-nous maintenant » into empty `[data-support-ask]` elements and hides every
 * `[data-support-ask]` for supporters, deciding from the access token it keeps and verifies itself (no request when
 * the token is valid and the keys are cached). It claims the token on return from Checkout, renews it near expiry,
 * and restores support on a new device by e-mail code. It fails open: whatever goes wrong, the article is untouched
 * and the ask stays. Premium content (`[data-premium]`) is metered by the paywall (`paywall.ts`).
 */
import { type AskContext, langOfAsk, renderAsk, renderMessage } from './ask';
import { type BannerConfig, loadBannerConfig } from './bannerConfig';
import {
  type ClaimOutcome,
  claimOnce,
  claimWithRetries,
  pendingClaim,
  takeSessionIdFromAddress,
} from './checkoutReturn';
import { h } from './dom';
import { type Environment, findScriptTag, readEnvironment } from './environment';
import { fillManageLinks, portalButton } from './manage';
import { gatePremium } from './paywall';
import { injectStyles } from './styles';
import {
  currentClaims,
  decideFromStoredToken,
  refreshAccessToken,
  storedToken,
  verifiedClaims,
} from './supporterToken';
import { words } from './words';

/** Waits between claims while a delayed payment settles, on the page Checkout returned to. */
const pendingRetryDelaysMs = [1500, 3000, 6000, 12000];
const restoredMarker = '#support-restored';
const root = document.documentElement;

// document.currentScript only exists while this file runs synchronously: read the tag now.
const scriptTag = findScriptTag(document.currentScript);

try {
  const env = readEnvironment(scriptTag);
  if (env && !root.hasAttribute('data-support-loaded')) {
    root.setAttribute('data-support-loaded', '');
    start(env).catch((error: unknown) => reporter(env)(error));
  }
} catch {
  // Fails open: the page is the site's, not ours.
}

async function start(env: Environment): Promise<void> {
  const report = reporter(env);
  const log = (message: string): void => {
    if (env.debug) console.info(`[reader-support] ${message}`);
  };
  injectStyles(scriptTag?.nonce);
  const restored = location.hash === restoredMarker;
  if (restored) history.replaceState(history.state, '', location.href.slice(0, -restoredMarker.length));
  const returnedFromCheckout = new URL(location.href).searchParams.has('session_id');
  takeSessionIdFromAddress();
  await domReady();

  for (const premium of Array.from(document.querySelectorAll<HTMLElement>('[data-premium]')))
    if (!premium.hasAttribute('data-premium-decided')) premium.setAttribute('data-paywall-state', 'deciding');
  const asks = Array.from(document.querySelectorAll<HTMLElement>('[data-support-ask]'));
  // The script draws into empty elements; elements with content of their own are the site's, only ever hidden.
  const targets = asks.filter((element) => element.children.length === 0 && !element.textContent?.trim());
  for (const element of asks) element.setAttribute('data-support-state', 'deciding');

  let config: Promise<BannerConfig> | null = null;
  const bannerConfig = (): Promise<BannerConfig> => {
    config ??= loadBannerConfig(env);
    return config;
  };
  const claim = pendingClaim();
  // A reader with nothing to decide will see the ask: fetch what it shows while nothing else is going on.
  if (storedToken() === null && claim === null && !restored && targets.length > 0) void bannerConfig();

  // « Gérer mon soutien » / « J'ai déjà contribué », drawn once the token is settled and again after a sign-in.
  const manageLinks = (): Promise<void> =>
    fillManageLinks({
      env,
      claims: () => verifiedClaims(env),
      report,
      onRestored: () => {
        showSupporter(asks, [], 'restored', env, report);
        decided('supporter');
      },
    });
  const context = (): Promise<AskContext> =>
    bannerConfig().then((loaded) => ({
      env,
      config: loaded,
      report,
      onRestored: (host: HTMLElement) => {
        showSupporter(asks, [host], 'restored', env, report);
        decided('supporter');
        manageLinks().catch(report);
      },
    }));
  const showAsks = async (notice: (lang: 'fr' | 'en') => string | null): Promise<void> => {
    decided('reader');
    for (const element of asks) {
      element.hidden = false;
      element.setAttribute('data-support-state', 'ask');
    }
    // Nothing to draw into, nothing to fetch.
    if (targets.length === 0) return;
    const ready = await context();
    for (const element of targets) renderAsk(element, ready, notice(langOfAsk(element, env)));
  };

  const decideAsks = async (): Promise<ClaimOutcome | null> => {
    if (restored) log(`returned from sign-in: refresh ${await refreshAccessToken(env)}`);

    let claimOutcome: ClaimOutcome | null = null;
    if (claim) {
      claimOutcome = returnedFromCheckout
        ? await claimWithRetries(env, claim, pendingRetryDelaysMs, () => showPending(targets, env))
        : await claimOnce(env, claim);
      log(`checkout session claim: ${claimOutcome}`);
      if (claimOutcome === 'claimed') {
        // Verified now, while a request is expected anyway: the keys are then cached for a quiet next page.
        log(`claimed token ${(await currentClaims(env)) ? 'verified' : 'refused'}`);
        showSupporter(asks, targets, 'thanks', env, report);
        decided('supporter');
        return claimOutcome;
      }
      if (claimOutcome === 'pending') {
        showPending(targets, env);
        decided('reader');
        return claimOutcome;
      }
    }

    const decision = await decideFromStoredToken(
      env,
      () => {
        log('renewal says the support has ended: showing the ask');
        showAsks(() => null).catch(report);
      },
      log,
    );
    if (decision === 'supporter') {
      if (restored) {
        showSupporter(asks, targets, 'restored', env, report);
      } else {
        for (const element of asks) {
          element.hidden = true;
          element.setAttribute('data-support-state', 'hidden');
        }
      }
      decided('supporter');
      return claimOutcome;
    }
    const notCompleted = claimOutcome === 'refused' && returnedFromCheckout;
    await showAsks((lang) => (notCompleted ? words[lang].notCompleted : null));
    return claimOutcome;
  };
  const claimed = await decideAsks().catch((error: unknown) => {
    report(error);
    return null;
  });
  // Premium content is decided once the token is settled (claimed, renewed or dropped) on this page.
  await gatePremium({
    env,
    claims: () => verifiedClaims(env),
    config: bannerConfig,
    ask: context,
    paymentPending: claimed === 'pending',
    report,
    log,
  }).catch(report);
  await manageLinks().catch(report);
}

/**
 * A thank-you in the elements the script draws into, in each one's language; every other ask is hidden. After
 * Checkout it says where the support is managed (« Gérer mon soutien ») and, for a reader who has not scrolled since
 * the page opened, comes into view with focus on its title; one who scrolled is not moved (the live region speaks).
 */
function showSupporter(
  asks: HTMLElement[],
  messageHosts: HTMLElement[],
  kind: 'thanks' | 'restored',
  env: Environment,
  report: (error: unknown) => void,
): void {
  let first: HTMLElement | null = null;
  for (const element of asks) {
    const speaks = messageHosts.includes(element);
    element.hidden = !speaks;
    element.setAttribute('data-support-state', speaks ? 'thanks' : 'hidden');
    if (!speaks) continue;
    const lang = langOfAsk(element, env);
    const w = words[lang];
    if (kind === 'restored') {
      renderMessage(element, lang, w.restoredTitle, w.restoredText);
      continue;
    }
    const status = h('span', { class: 'rs-status', role: 'status' });
    const manage = h(
      'p',
      { class: 'rs-text' },
      `${w.thanksManage} `,
      portalButton({ env, report }, w, status),
      status,
    );
    const heading = renderMessage(element, lang, w.thanksTitle, w.thanksText, manage);
    first ??= heading;
  }
  if (first && kind === 'thanks' && window.scrollY < 80 && document.activeElement === document.body) {
    const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? true;
    first.scrollIntoView({ block: 'center', behavior: reduce ? 'auto' : 'smooth' });
    first.focus({ preventScroll: true });
  }
}

function showPending(targets: HTMLElement[], env: Environment): void {
  for (const element of targets) {
    if (element.getAttribute('data-support-state') === 'pending') continue;
    const w = words[langOfAsk(element, env)];
    element.hidden = false;
    element.setAttribute('data-support-state', 'pending');
    renderMessage(element, langOfAsk(element, env), w.pendingTitle, w.pendingText);
  }
}

/** Says what was decided on `<html>`, for the site's CSS and for tests: `data-support-decision`. */
function decided(decision: 'supporter' | 'reader'): void {
  root.setAttribute('data-support-decision', decision);
  // The site's optional early guess (see README): dropped once the script knows better.
  if (decision === 'reader') root.removeAttribute('data-support-likely');
}

function domReady(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) =>
    document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }),
  );
}

function reporter(env: Environment): (error: unknown) => void {
  return (error) => {
    if (env.debug) console.warn('[reader-support] failed open:', error);
  };
}
