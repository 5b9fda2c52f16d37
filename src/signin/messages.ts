import { escapeHtml, htmlDocument } from '../platform/html';
import type { Theme } from '../platform/theme';

/** The words of the sign-in e-mail and page, in the languages the service speaks. */
export const signInLocales = ['fr', 'en'] as const;
export type SignInLocale = (typeof signInLocales)[number];

export function pickLocale(...candidates: (string | null | undefined)[]): SignInLocale {
  for (const candidate of candidates) {
    const language = candidate?.slice(0, 2).toLowerCase();
    if (language && (signInLocales as readonly string[]).includes(language)) return language as SignInLocale;
  }
  return 'fr';
}

interface SignInWords {
  subject: string;
  greeting: string;
  codeIntro: string;
  linkIntro: string;
  button: string;
  validity: string;
  notYou: string;
  pageTitle: string;
  pageIntro: (email: string) => string;
  confirm: string;
  pageNote: string;
  failed: Record<SignInFailure, string>;
  newCode: string;
  backToSite: string;
  sentTitle: string;
  sent: (email: string) => string;
  unknownSubject: string;
  unknownBody: string;
}

export type SignInFailure = 'wrong_or_expired' | 'no_contribution';

export const signInWords: Record<SignInLocale, SignInWords> = {
  fr: {
    subject: 'Votre code pour retrouver votre soutien',
    greeting: 'Bonjour,',
    codeIntro: 'Voici votre code\u00a0:',
    linkIntro: 'Ou ouvrez ce lien et confirmez\u00a0:',
    button: 'Retrouver mon soutien',
    validity: 'Ce code et ce lien sont valables 15 minutes et ne servent qu’une fois.',
    notYou: 'Si vous n’avez rien demandé, ignorez ce message\u00a0: rien ne se passera.',
    pageTitle: 'Retrouver votre soutien',
    pageIntro: (email) => `Confirmez pour retrouver votre soutien sur cet appareil, avec l’adresse ${email}.`,
    confirm: 'Confirmer',
    pageNote: 'Merci de soutenir un journalisme indépendant.',
    failed: {
      wrong_or_expired: 'Ce lien a expiré ou a déjà servi.',
      no_contribution:
        'Aucune contribution n’a été faite avec cette adresse. Si vous avez donné avec une autre adresse, demandez un code pour celle-ci.',
    },
    newCode: 'Recevoir un nouveau code',
    backToSite: 'Revenir au site',
    sentTitle: 'Un nouveau code est en route',
    sent: (email) =>
      `Si ${email} correspond à un soutien, un nouveau code et un nouveau lien viennent d’y être envoyés. Ils sont valables 15 minutes.`,
    unknownSubject: 'Votre demande de connexion',
    unknownBody:
      'Quelqu’un (vous, sans doute) a demandé à retrouver son soutien avec cette adresse, mais aucune contribution n’a été faite avec elle. Si vous avez donné avec une autre adresse, demandez un code pour celle-ci.',
  },
  en: {
    subject: 'Your code to restore your support',
    greeting: 'Hello,',
    codeIntro: 'Here is your code:',
    linkIntro: 'Or open this link and confirm:',
    button: 'Restore my support',
    validity: 'This code and link are valid for 15 minutes and work once.',
    notYou: 'If you did not ask for this, ignore this message: nothing will happen.',
    pageTitle: 'Restore your support',
    pageIntro: (email) => `Confirm to restore your support on this device, for ${email}.`,
    confirm: 'Confirm',
    pageNote: 'Thank you for supporting independent journalism.',
    failed: {
      wrong_or_expired: 'This link has expired or was already used.',
      no_contribution:
        'No contribution was made with this address. If you gave with another address, ask for a code for that one.',
    },
    newCode: 'Send me a new code',
    backToSite: 'Back to the site',
    sentTitle: 'A new code is on its way',
    sent: (email) =>
      `If ${email} belongs to a supporter, a new code and link have just been sent to it. They are valid for 15 minutes.`,
    unknownSubject: 'Your sign-in request',
    unknownBody:
      'Someone (probably you) asked to restore their support with this address, but no contribution was made with it. If you gave with another address, ask for a code for that one.',
  },
};

/** The sign-in e-mail: the code, and a link to the confirm page. No images, no tracking. */
export function signInMail(locale: SignInLocale, code: string, link: string) {
  const w = signInWords[locale];
  const text = [
    w.greeting,
    '',
    `${w.codeIntro} ${code}`,
    '',
    w.linkIntro,
    link,
    '',
    w.validity,
    w.notYou,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:Georgia,serif;line-height:1.5;color:#1a1a1a">
<p>${escapeHtml(w.greeting)}</p>
<p>${escapeHtml(w.codeIntro)} <strong style="font-size:1.4em;letter-spacing:.15em">${escapeHtml(code)}</strong></p>
<p>${escapeHtml(w.linkIntro)}<br><a href="${escapeHtml(link)}">${escapeHtml(w.button)}</a></p>
<p style="color:#555">${escapeHtml(w.validity)}<br>${escapeHtml(w.notYou)}</p>
</body></html>`;
  return { subject: w.subject, text, html };
}

/**
 * The answer to a sign-in request for an address no payment used: sent all the same, so that whether an address
 * is known shows neither in the answer nor in the work done (only its owner reads the difference).
 */
export function unknownAddressMail(locale: SignInLocale) {
  const w = signInWords[locale];
  const text = [w.greeting, '', w.unknownBody, '', w.notYou, ''].join('\n');
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:Georgia,serif;line-height:1.5;color:#1a1a1a">
<p>${escapeHtml(w.greeting)}</p>
<p>${escapeHtml(w.unknownBody)}</p>
<p style="color:#555">${escapeHtml(w.notYou)}</p>
</body></html>`;
  return { subject: w.unknownSubject, text, html };
}

/** The page the e-mailed link opens: a confirm button; opening it spends nothing (mail scanners fetch links). */
export function signInPage(theme: Theme, locale: SignInLocale, email: string, code: string): string {
  const w = signInWords[locale];
  return page(
    theme,
    locale,
    w.pageTitle,
    `<p>${escapeHtml(w.pageIntro(email))}</p>
  <form method="post" action="/v1/sign-in/verify">
    <input type="hidden" name="email" value="${escapeHtml(email)}">
    <input type="hidden" name="code" value="${escapeHtml(code)}">
    <button type="submit">${escapeHtml(w.confirm)}</button>
  </form>
  <p class="note">${escapeHtml(w.pageNote)}</p>`,
  );
}

/**
 * What a person sees when the page's code no longer works: why, a new code for the same address (the page's form
 * posts it to `POST /v1/sign-in`), and the way back to the site. Never a dead end.
 */
export function signInFailedPage(
  theme: Theme,
  locale: SignInLocale,
  reason: SignInFailure,
  email: string,
  siteUrl: string,
): string {
  const w = signInWords[locale];
  return page(
    theme,
    locale,
    w.pageTitle,
    `<p role="alert">${escapeHtml(w.failed[reason])}</p>
  <form method="post" action="/v1/sign-in">
    <input type="hidden" name="email" value="${escapeHtml(email)}">
    <input type="hidden" name="locale" value="${locale}">
    <button type="submit">${escapeHtml(w.newCode)}</button>
  </form>
  <p><a href="${escapeHtml(siteUrl)}">${escapeHtml(w.backToSite)}</a></p>`,
  );
}

/** The answer to the failed page's « Recevoir un nouveau code »: the same whether or not the address is known. */
export function signInSentPage(theme: Theme, locale: SignInLocale, email: string, siteUrl: string): string {
  const w = signInWords[locale];
  return page(
    theme,
    locale,
    w.sentTitle,
    `<p role="status">${escapeHtml(w.sent(email))}</p>
  <p><a href="${escapeHtml(siteUrl)}">${escapeHtml(w.backToSite)}</a></p>`,
  );
}

/** The pages' look, in the service's palette (`platform/theme.ts`: the banner's custom properties). */
const pageStyles = `
  body { font-family: var(--rs-font); color: var(--rs-text); background: var(--rs-background); margin: 0; line-height: 1.5; }
  main { max-width: 32rem; margin: 12vh auto; background: var(--rs-surface); padding: 2rem; border-top: 4px solid var(--rs-accent); }
  h1 { font-size: 1.6rem; margin-top: 0; }
  button { font: inherit; font-weight: bold; background: var(--rs-accent); color: var(--rs-on-accent); border: 0; border-radius: 6px; padding: .75rem 1.5rem; cursor: pointer; }
  a { color: var(--rs-link); }
  button:focus-visible, a:focus-visible { outline: 3px solid var(--rs-focus); outline-offset: 3px; }
  .note { color: var(--rs-muted); font-size: .9rem; }
`;

function page(theme: Theme, locale: SignInLocale, title: string, content: string): string {
  return htmlDocument({
    lang: locale,
    title,
    theme,
    styles: pageStyles,
    body: `<main>
  <h1>${escapeHtml(title)}</h1>
  ${content}
</main>`,
  });
}
