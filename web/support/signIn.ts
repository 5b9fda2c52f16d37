import { hidesAsks } from './accessToken';
import { guard, h, uniqueId } from './dom';
import { currentPageUrl, type Environment } from './environment';
import { callService, stringField } from './http';
import { currentClaims, type RefreshOutcome, refreshAccessToken, storeToken } from './supporterToken';
import { type Lang, type Words, words } from './words';

export interface SignInContext {
  env: Environment;
  lang: Lang;
  report: (error: unknown) => void;
  onRestored: () => void;
  /** The reader went back to the ask. */
  onClosed: () => void;
}

const signInTimeoutMs = 8000;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const codePattern = /^\d{6}$/;

/**
 * « J’ai déjà contribué »: swaps the ask's form (or a manage link) for an e-mail field (`POST /v1/sign-in`), then a code field
 * (`POST /v1/sign-in/verify`), in the same box so the page does not move. Success stores the token and hands over.
 */
export function openSignIn(section: HTMLElement, askForm: HTMLElement, context: SignInContext): void {
  const w = words[context.lang];
  const id = uniqueId();
  const input = h('input', { id: `${id}-input`, class: 'rs-input', 'aria-describedby': `${id}-error` });
  const label = h('label', { class: 'rs-label', for: `${id}-input` });
  const intro = h('p', { class: 'rs-text' });
  const error = h('p', { id: `${id}-error`, class: 'rs-error', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'rs-submit' });
  const back = h('button', { type: 'button', class: 'rs-link' }, w.back);
  const form = h(
    'form',
    { class: 'rs-form rs-signin', novalidate: true },
    intro,
    h('div', { class: 'rs-field' }, label, input, error),
    h('div', { class: 'rs-actions' }, submit, back),
  );

  let email = '';
  let step: 'email' | 'code' = 'email';
  let busy = false;
  const show = (next: 'email' | 'code'): void => {
    step = next;
    intro.textContent = next === 'email' ? w.restoreIntro : w.codeSent;
    label.textContent = next === 'email' ? w.email : w.code;
    submit.textContent = next === 'email' ? w.sendCode : w.confirm;
    input.value = '';
    input.type = next === 'email' ? 'email' : 'text';
    input.setAttribute('autocomplete', next === 'email' ? 'email' : 'one-time-code');
    input.setAttribute('inputmode', next === 'email' ? 'email' : 'numeric');
    input.setAttribute('maxlength', next === 'email' ? '254' : '6');
    fail(null);
    input.focus();
  };
  const fail = (message: string | null): void => {
    error.textContent = message ?? '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };

  back.addEventListener(
    'click',
    guard(() => {
      form.remove();
      askForm.hidden = false;
      context.onClosed();
    }, context.report),
  );
  form.addEventListener(
    'submit',
    guard(async (event: SubmitEvent) => {
      event.preventDefault();
      if (busy) return;
      const value = input.value.trim();
      if (step === 'email' && !emailPattern.test(value)) return fail(w.emailInvalid);
      if (step === 'code' && !codePattern.test(value)) return fail(w.codeInvalid);
      busy = true;
      submit.setAttribute('aria-disabled', 'true');
      try {
        if (step === 'email') {
          const problem = await askForCode(context.env, value, w);
          if (problem) return fail(problem);
          email = value;
          show('code');
          return;
        }
        const result = await verifyCode(context.env, email, value, w);
        if (result === 'restored') context.onRestored();
        else fail(result);
      } finally {
        busy = false;
        submit.removeAttribute('aria-disabled');
      }
    }, context.report),
  );

  askForm.hidden = true;
  section.append(form);
  show('email');
}

/** `POST /v1/sign-in`: always 202 whether or not the e-mail is known; the reader then types the code. */
async function askForCode(env: Environment, email: string, w: Words): Promise<string | null> {
  try {
    const answer = await callService(env, 'v1/sign-in', {
      method: 'POST',
      body: { email, returnUrl: currentPageUrl() },
      timeoutMs: signInTimeoutMs,
    });
    if (answer.status >= 200 && answer.status < 300) return null;
    if (answer.status === 429) return w.tooManyAttempts;
    if (answer.status === 400) return w.emailInvalid;
    return w.restoreFailed;
  } catch {
    return w.restoreFailed;
  }
}

/**
 * `POST /v1/sign-in/verify`: sets the refresh cookie. It may answer the token itself, or send the reader on (a
 * redirect, seen here as opaque); either way a refresh then yields the token when it did not come with the answer.
 */
async function verifyCode(
  env: Environment,
  email: string,
  code: string,
  w: Words,
): Promise<'restored' | string> {
  let outcome: RefreshOutcome;
  try {
    const answer = await callService(env, 'v1/sign-in/verify', {
      method: 'POST',
      body: { email, code },
      timeoutMs: signInTimeoutMs,
      redirect: 'manual',
    });
    if (answer.status === 429) return w.tooManyAttempts;
    if ([400, 401, 403, 409, 410, 422].includes(answer.status)) return w.codeInvalid;
    if (answer.status >= 400) return w.restoreFailed;
    const token = stringField(answer.body, 'accessToken');
    if (token) {
      storeToken(token);
      outcome = 'renewed';
    } else {
      outcome = await refreshAccessToken(env);
    }
  } catch {
    return w.restoreFailed;
  }
  if (outcome === 'unreachable') return w.restoreFailed;
  const claims = outcome === 'renewed' ? await currentClaims(env) : null;
  return claims && hidesAsks(claims) ? 'restored' : w.nothingToRestore;
}
