import { escapeHtml as h, htmlDocument } from '../platform/html';
import type { Theme } from '../platform/theme';
import type { SignInLocale } from '../signin/messages';
import type { AdminSession } from './session';
import { type AdminWords, adminWords, type PageMessage } from './words';

/** The page's frame: header, tabs, flash message; inline styles only (the CSP forbids inline scripts). */

export const adminViews = ['reconciliation', 'events', 'actions', 'audit'] as const;
export type AdminView = (typeof adminViews)[number];

export interface PageContext {
  locale: SignInLocale;
  theme: Theme;
  words: AdminWords;
  session: AdminSession;
  view: AdminView;
}

/** A link within the page, keeping the language. */
export function pageHref(locale: SignInLocale, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams({ lang: locale });
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  return `/admin?${query.toString()}`;
}

/** The hidden fields every action form carries: the CSRF token, and where to come back to. */
export function actionFields(ctx: PageContext): string {
  return `<input type="hidden" name="csrf" value="${h(ctx.session.csrf)}">
<input type="hidden" name="lang" value="${ctx.locale}"><input type="hidden" name="back" value="${ctx.view}">`;
}

/**
 * A code's label, the code itself kept beside it for finance to search for and to hover over: in `title` and
 * `data-code`. A code without a label (one added since) shows as itself, as code.
 */
export function coded(label: string | undefined, code: string): string {
  return label === undefined
    ? `<code>${h(code)}</code>`
    : `<span title="${h(code)}" data-code="${h(code)}">${h(label)}</span>`;
}

/** Technical text in English (a problem's detail, an event's error): inline on an English page, folded elsewhere. */
export function technical(words: AdminWords, text: string): string {
  return words.technicalInline
    ? h(text)
    : `<details class="technical"><summary>${h(words.technical)}</summary><code lang="en">${h(text)}</code></details>`;
}

/** A message (a flash, a failure): its text, then its technical detail if any. */
export function messageHtml(words: AdminWords, message: PageMessage): string {
  return `${h(message.text)}${message.detail ? ` ${technical(words, message.detail)}` : ''}`;
}

/** The page's look, in the service's palette (`platform/theme.ts`: the banner's custom properties). */
const styles = `
  body { font-family: var(--rs-font); color: var(--rs-text); background: var(--rs-background); margin: 0; line-height: 1.45; }
  header, main { max-width: 72rem; margin: 0 auto; padding: 1rem; box-sizing: border-box; }
  .bar { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between; }
  .bar > strong { white-space: nowrap; }
  .account { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; min-width: 0; }
  .account > a, .account > form { white-space: nowrap; }
  /* From 1000 px the bar is one line: a long key name is cut short (the whole is in its title), nothing wraps. */
  @media (min-width: 1000px) {
    .bar, .account { flex-wrap: nowrap; }
    .who { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
  }
  nav { margin-top: .75rem; }
  nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0; }
  nav a { display: inline-block; padding: .4rem .8rem; color: var(--rs-text); background: var(--rs-surface); border: 1px solid #767676; }
  nav a[aria-current="page"] { background: var(--rs-text); color: var(--rs-surface); }
  main { background: var(--rs-surface); border-top: 4px solid var(--rs-accent); }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #b0b0b0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  td.num { text-align: right; }
  thead th { background: #ecebe6; }
  tr.differs td, tr.differs th { background: #fff1c2; }
  tr.failed td, tr.failed th { background: #ffe3e3; }
  .flash { padding: .75rem; border: 2px solid #1d6b2f; background: #e8f5ea; margin: 1rem 0; }
  .flash.error { border-color: #a30000; background: #ffe9e9; }
  details.technical { display: inline; }
  details.technical summary { display: inline; cursor: pointer; color: var(--rs-muted); font-size: .9em; }
  details.technical[open] code { display: block; margin-top: .25rem; }
  dl.details { margin: 0; }
  dl.details div { display: inline; }
  dl.details div + div::before { content: " · "; }
  dl.details dt, dl.details dd { display: inline; margin: 0; }
  dl.details dt::after { content: " : "; }
  dl.details:lang(en) dt::after { content: ": "; }
  form.inline { display: inline; }
  fieldset { border: 1px solid #b0b0b0; margin: 0 0 1.5rem; }
  label { display: inline-block; margin: .25rem 1rem .25rem 0; }
  input, select, button { font: inherit; padding: .3rem .5rem; }
  button { background: var(--rs-accent); color: var(--rs-on-accent); border: 0; border-radius: 4px; padding: .45rem 1rem; cursor: pointer; font-weight: bold; }
  button.quiet { background: var(--rs-text); color: var(--rs-surface); }
  a { color: var(--rs-link); }
  a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid var(--rs-focus); outline-offset: 2px; }
  .note { color: var(--rs-muted); }
`;

/** A whole HTML document. */
export function document(theme: Theme, locale: SignInLocale, title: string, body: string): string {
  return htmlDocument({ lang: locale, title, theme, styles, body });
}

/** The signed-in page around one view: a bar (title; who, the other language, sign-out), the tabs, the view. */
export function signedInPage(
  ctx: PageContext,
  flash: (PageMessage & { ok: boolean }) | null,
  content: string,
): string {
  const w = ctx.words;
  const tabs = adminViews
    .map((v) => {
      const current = v === ctx.view ? ' aria-current="page"' : '';
      return `<li><a href="${h(pageHref(ctx.locale, { view: v }))}"${current}>${h(w.tabs[v])}</a></li>`;
    })
    .join('');
  const other = ctx.locale === 'fr' ? 'en' : 'fr';
  const message = flash
    ? `<div class="flash${flash.ok ? '' : ' error'}" role="${flash.ok ? 'status' : 'alert'}">${messageHtml(w, flash)}</div>`
    : '';
  const { name, role } = ctx.session.caller;
  const who = w.signedInAs(name, w.roles[role]);
  return document(
    ctx.theme,
    ctx.locale,
    `${w.tabs[ctx.view]} — ${w.title}`,
    `<header>
  <div class="bar">
    <strong>${h(w.title)}</strong>
    <div class="account">
      <span class="who" title="${h(who)}" data-role="${h(role)}">${h(who)}</span>
      <a href="/admin?view=${ctx.view}&amp;lang=${other}" hreflang="${other}" lang="${other}">${other === 'fr' ? 'Français' : 'English'}</a>
      <form class="inline" method="post" action="/admin/logout">${actionFields(ctx)}<button type="submit" class="quiet">${h(w.signOut)}</button></form>
    </div>
  </div>
  <nav aria-label="${h(w.title)}"><ul>${tabs}</ul></nav>
</header>
<main id="main">
<h1>${h(w.tabs[ctx.view])}</h1>
${message}
${content}
</main>`,
  );
}

/** The login form, with an optional error (wrong key, site key). */
export function loginPage(theme: Theme, locale: SignInLocale, error: string | null): string {
  const w = adminWords[locale];
  return document(
    theme,
    locale,
    w.title,
    `<main id="main">
<h1>${h(w.title)}</h1>
<p>${h(w.loginIntro)}</p>
${error ? `<p class="flash error" role="alert">${h(error)}</p>` : ''}
<form method="post" action="/admin/login">
  <input type="hidden" name="lang" value="${locale}">
  <label for="key">${h(w.keyLabel)}</label>
  <input id="key" name="key" type="password" autocomplete="off" required maxlength="200">
  <button type="submit">${h(w.signIn)}</button>
</form>
</main>`,
  );
}

/** A refusal (403) as a page. */
export function refusedPage(theme: Theme, locale: SignInLocale, detail: string): string {
  const w = adminWords[locale];
  return document(
    theme,
    locale,
    w.title,
    `<main id="main"><h1>${h(w.forbidden)}</h1><p role="alert">${h(detail)}</p>
<p><a href="/admin?lang=${locale}">${h(w.title)}</a></p></main>`,
  );
}
