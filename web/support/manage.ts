import { type AccessClaims, hidesAsks } from './accessToken';
import { langOfAsk } from './ask';
import { guard, h } from './dom';
import type { Environment } from './environment';
import { callService, stringField } from './http';
import { openSignIn } from './signIn';
import { storedToken } from './supporterToken';
import { type Words, words } from './words';

/** What the manage links need from the script. */
export interface ManageContext {
  env: Environment;
  /** The stored token's claims when it verifies now, else null. */
  claims: () => Promise<AccessClaims | null>;
  report: (error: unknown) => void;
  /** Support restored through the sign-in a manage link opened: the page's asks give way too. */
  onRestored: () => void;
}

/**
 * `[data-support-manage]`: a reader's way to their support from any page, in two clicks (French law wants a
 * subscription concluded online to be ended online as easily: « résiliation en trois clics »). A supporter holding a
 * token on this device gets « Gérer mon soutien », their billing portal (card, amount's invoices, stopping); anyone
 * else « J'ai déjà contribué », the sign-in, after which the same button takes its place. The element's
 * `data-support-manage-state` says which (`supporter`, `reader`), for the site's CSS.
 */
export async function fillManageLinks(context: ManageContext): Promise<void> {
  const elements = Array.from(document.querySelectorAll<HTMLElement>('[data-support-manage]'));
  if (elements.length === 0) return;
  const claims = await context.claims();
  const supporter = claims !== null && hidesAsks(claims);
  for (const element of elements) renderManage(element, supporter, context);
}

function renderManage(element: HTMLElement, supporter: boolean, context: ManageContext): void {
  const lang = langOfAsk(element, context.env);
  const w = words[lang];
  element.setAttribute('data-support-manage-state', supporter ? 'supporter' : 'reader');
  const status = h('span', { class: 'rs-status', role: 'status' });
  if (supporter) {
    element.replaceChildren(
      h('span', { class: 'rs-manage', lang }, portalButton(context, w, status), status),
    );
    return;
  }
  const restore = h('button', { type: 'button', class: 'rs-link' }, w.restoreLink);
  const start = h('span', { class: 'rs-manage' }, restore);
  const section = h('section', { class: 'rs-manage-signin', lang, 'aria-label': w.restoreLink }, start);
  restore.addEventListener(
    'click',
    guard(() => {
      section.classList.add('rs-ask');
      openSignIn(section, start, {
        env: context.env,
        lang,
        report: context.report,
        onRestored: () => {
          renderManage(element, true, context);
          context.onRestored();
          element.querySelector<HTMLElement>('button')?.focus();
        },
        onClosed: () => {
          section.classList.remove('rs-ask');
          restore.focus();
        },
      });
    }, context.report),
  );
  element.replaceChildren(section);
}

/** « Gérer mon soutien »: `POST /v1/portal` with the stored token, then Stripe's billing portal for this supporter. */
export function portalButton(
  context: Pick<ManageContext, 'env' | 'report'>,
  w: Words,
  status: HTMLElement,
  className = 'rs-link',
): HTMLElement {
  const button = h('button', { type: 'button', class: className }, w.manageSupport);
  let busy = false;
  button.addEventListener(
    'click',
    guard(async () => {
      const token = storedToken();
      if (busy || !token) return;
      busy = true;
      button.setAttribute('aria-disabled', 'true');
      status.textContent = w.redirecting;
      try {
        const answer = await callService(context.env, 'v1/portal', {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
          body: { returnUrl: location.href },
          timeoutMs: 15000,
        });
        const url = stringField(answer.body, 'url');
        if (answer.status === 200 && url && /^https?:\/\//.test(url)) {
          location.assign(url);
          return;
        }
        throw new Error(`POST /v1/portal answered ${answer.status}`);
      } catch (error) {
        busy = false;
        button.removeAttribute('aria-disabled');
        status.textContent = w.checkoutFailed;
        context.report(error);
      }
    }, context.report),
  );
  return button;
}
