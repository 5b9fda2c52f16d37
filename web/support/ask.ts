import type { BannerConfig } from './bannerConfig';
import { guard, h, randomKey, uniqueId } from './dom';
import { currentPageUrl, type Environment } from './environment';
import { callService, stringField } from './http';
import { currencySymbol, formatAmount, parseAmount } from './money';
import { openSignIn } from './signIn';
import { storedToken } from './supporterToken';
import { type Frequency, type Lang, langOf, type Words, words } from './words';

export interface AskContext {
  env: Environment;
  config: BannerConfig;
  report: (error: unknown) => void;
  /** The reader restored their support through the sign-in form. */
  onRestored: (host: HTMLElement) => void;
}

const checkoutTimeoutMs = 15000;

/** The language of one ask: its own `data-lang`, else the script's, else the page's. */
export function langOfAsk(host: HTMLElement, env: Environment): Lang {
  return host.dataset.lang ? langOf(host.dataset.lang) : env.lang;
}

/**
 * Renders the ask into a `[data-support-ask]` element: headline and text (`data-headline`, `data-text`, or the
 * defaults), frequency and amount as radio groups, a custom amount, « Soutenez-nous maintenant », and the
 * « J’ai déjà contribué » link. `notice` is said above the form (e.g. a payment that did not go through).
 */
export function renderAsk(host: HTMLElement, context: AskContext, notice: string | null): void {
  const { env, config } = context;
  const lang = langOfAsk(host, env);
  const w = words[lang];
  const wanted = (host.dataset.currency ?? env.currency ?? '').toLowerCase();
  const currency = config.currencies[wanted] ? wanted : config.defaultCurrency;
  const bounds = config.currencies[currency];
  if (!bounds) return;
  const id = uniqueId();
  const asked = host.dataset.frequency as Frequency | undefined;
  let frequency: Frequency =
    asked && config.frequencies.includes(asked) ? asked : (config.frequencies[0] ?? 'once');

  const amountGroup = radioGroup(`${id}-amount`, w.amount);
  const customInput = h('input', {
    id: `${id}-custom`,
    class: 'rs-input',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    'aria-describedby': `${id}-error`,
  });
  const error = h('p', { id: `${id}-error`, class: 'rs-error', 'aria-live': 'polite' });
  const status = h('p', { class: 'rs-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'rs-submit' }, w.submit);

  // Shown only once chosen: the ask stays short, and a change that follows the reader's own input is no layout shift.
  const customField = h(
    'div',
    { class: 'rs-field' },
    h('label', { class: 'rs-label', for: `${id}-custom` }, w.customAmount(currencySymbol(currency, lang))),
    customInput,
    error,
  );
  const showCustom = (shown: boolean): void => {
    customField.hidden = !shown;
  };
  const clearError = (): void => {
    error.textContent = '';
    customInput.removeAttribute('aria-invalid');
  };
  const fillAmounts = (preferred: number | 'other'): void => {
    const presets = bounds.presets[frequency];
    const options = presets.map((amount) => ({
      value: String(amount),
      label: formatAmount(amount, currency, lang),
    }));
    options.push({ value: 'other', label: w.other });
    const checked =
      preferred === 'other' ? 'other' : (options[Math.min(preferred, presets.length - 1)]?.value ?? 'other');
    amountGroup.fill(options, checked, (value) => {
      clearError();
      showCustom(value === 'other');
    });
    showCustom(checked === 'other');
  };
  const frequencyGroup = radioGroup(`${id}-frequency`, w.frequency);
  frequencyGroup.fill(
    config.frequencies.map((value) => ({ value, label: w.frequencies[value] })),
    frequency,
    (value) => {
      // The same position in the new presets: "the middle one" stays the middle one across frequencies.
      const previous = amountGroup.value();
      const index = bounds.presets[frequency].findIndex((amount) => String(amount) === previous);
      frequency = value as Frequency;
      fillAmounts(previous === 'other' ? 'other' : Math.max(index, 0));
    },
  );
  // `data-amount`: the smallest preset that reaches it (the paywall asks for the tier that opens it); else the middle.
  const target = Number(host.dataset.amount);
  const presets = bounds.presets[frequency];
  const reaching = presets.findIndex((amount) => amount >= target);
  fillAmounts(target > 0 ? (reaching >= 0 ? reaching : presets.length - 1) : 1);

  customInput.addEventListener('input', () => {
    amountGroup.select('other');
    clearError();
  });

  const form = h(
    'form',
    { class: 'rs-form', novalidate: true },
    frequencyGroup.element,
    amountGroup.element,
    customField,
    h('div', { class: 'rs-actions' }, submit),
    status,
  );

  let busy = false;
  let idempotency = { body: '', key: '' };
  form.addEventListener(
    'submit',
    guard(async (event: SubmitEvent) => {
      event.preventDefault();
      if (busy) return;
      const choice = amountGroup.value();
      const amount =
        choice === 'other' || choice === null ? parseAmount(customInput.value, currency) : Number(choice);
      if (amount === null || amount < bounds.min || amount > bounds.max) {
        error.textContent = w.amountOutOfBounds(
          formatAmount(bounds.min, currency, lang),
          formatAmount(bounds.max, currency, lang),
        );
        customInput.setAttribute('aria-invalid', 'true');
        customInput.focus();
        return;
      }
      const body = {
        amount,
        currency,
        frequency,
        locale: config.locales.includes(lang) ? lang : undefined,
        returnUrl: env.returnUrl ?? currentPageUrl(),
        campaign: host.dataset.campaign ?? env.campaign ?? undefined,
        siteUserId: env.siteUserId ?? undefined,
      };
      // One key per choice: a double click or a retry of the same choice makes one Checkout Session.
      const serialized = JSON.stringify(body);
      if (serialized !== idempotency.body) idempotency = { body: serialized, key: randomKey() };
      busy = true;
      submit.setAttribute('aria-disabled', 'true');
      status.textContent = w.redirecting;
      // Fetched now, not with the page: a signed-in reader's token must never sit in a cached page.
      const siteUserToken = await fetchSiteUserToken(env);
      const url = await startCheckout(env, { ...body, siteUserToken }, idempotency.key, w);
      if (typeof url === 'string') {
        location.assign(url);
        return;
      }
      busy = false;
      submit.removeAttribute('aria-disabled');
      status.textContent = url.problem;
    }, context.report),
  );

  const restore = h('button', { type: 'button', class: 'rs-link' }, w.restoreLink);
  const actions = form.querySelector('.rs-actions');
  actions?.append(restore);
  restore.addEventListener(
    'click',
    guard(() => {
      openSignIn(section, form, {
        env,
        lang,
        report: context.report,
        onRestored: () => context.onRestored(host),
        onClosed: () => restore.focus(),
      });
    }, context.report),
  );

  const section = h(
    'section',
    { class: 'rs-ask', 'aria-labelledby': `${id}-title`, lang },
    h('h2', { class: 'rs-title', id: `${id}-title` }, host.dataset.headline ?? w.headline),
    h('p', { class: 'rs-text' }, host.dataset.text ?? w.text),
    notice ? h('p', { class: 'rs-notice', role: 'status' }, notice) : null,
    form,
  );
  host.replaceChildren(section);
}

/** A thank-you (or « paiement en cours ») in place of the ask, announced to screen readers. */
export function renderMessage(
  host: HTMLElement,
  lang: Lang,
  title: string,
  text: string,
  ...more: Node[]
): HTMLElement {
  const id = uniqueId();
  const heading = h('h2', { class: 'rs-title', id: `${id}-title`, tabindex: '-1' }, title);
  host.replaceChildren(
    h(
      'section',
      { class: 'rs-ask rs-message', 'aria-labelledby': `${id}-title`, lang },
      h('div', { role: 'status' }, heading, h('p', { class: 'rs-text' }, text)),
      ...more,
    ),
  );
  return heading;
}

/**
 * The site's token vouching for its signed-in reader, from `data-site-user-token-url` (same site, with the site's
 * cookies); undefined when there is none or it cannot be had: the reader then gives as a guest, never blocked.
 */
async function fetchSiteUserToken(env: Environment): Promise<string | undefined> {
  if (!env.siteUserTokenUrl) return undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  try {
    const response = await fetch(new URL(env.siteUserTokenUrl, location.href).toString(), {
      credentials: 'include',
      headers: { Accept: 'application/json' },
      signal: controller.signal,
    });
    if (!response.ok) return undefined;
    return stringField(await response.json(), 'token') ?? undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** `POST /v1/checkout` → the Checkout URL, or what to tell the reader. */
async function startCheckout(
  env: Environment,
  body: Record<string, unknown>,
  idempotencyKey: string,
  w: Words,
): Promise<string | { problem: string }> {
  const headers: Record<string, string> = { 'Idempotency-Key': idempotencyKey };
  // A reader who already holds a token is a known supporter: the service reuses their Stripe customer.
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const answer = await callService(env, 'v1/checkout', {
      method: 'POST',
      body,
      headers,
      timeoutMs: checkoutTimeoutMs,
    });
    const url = answer.status === 201 ? stringField(answer.body, 'url') : null;
    if (url && /^https?:\/\//.test(url)) return url;
    return { problem: answer.status === 429 ? w.tooManyAttempts : w.checkoutFailed };
  } catch {
    return { problem: w.checkoutFailed };
  }
}

interface RadioGroup {
  element: HTMLFieldSetElement;
  fill(options: { value: string; label: string }[], checked: string, onChange: (value: string) => void): void;
  value(): string | null;
  select(value: string): void;
}

/** Native radios in a fieldset with the radiogroup role: arrow keys, labels and checked state come for free. */
function radioGroup(name: string, legend: string): RadioGroup {
  const legendElement = h('legend', { class: 'rs-legend', id: `${name}-legend` }, legend);
  const element = h(
    'fieldset',
    { class: 'rs-group', role: 'radiogroup', 'aria-labelledby': `${name}-legend` },
    legendElement,
  );
  const inputs = (): HTMLInputElement[] => Array.from(element.querySelectorAll<HTMLInputElement>('input'));
  return {
    element,
    fill(options, checked, onChange) {
      element.replaceChildren(legendElement);
      for (const option of options) {
        const input = h('input', { class: 'rs-radio', type: 'radio', name, value: option.value });
        input.checked = option.value === checked;
        input.addEventListener('change', () => {
          if (input.checked) onChange(option.value);
        });
        element.append(h('label', { class: 'rs-choice' }, input, h('span', {}, option.label)));
      }
    },
    value: () => inputs().find((input) => input.checked)?.value ?? null,
    select(value) {
      for (const input of inputs()) input.checked = input.value === value;
    },
  };
}
