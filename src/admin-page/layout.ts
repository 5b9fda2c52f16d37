import { escapeHtml as h, htmlDocument } from '../platform/html';
import type { SignInLocale } from '../signin/messages';
import type { AdminSession } from './session';
import { type AdminWords, adminWords } from './words';

/** The page's frame: header, tabs, flash message; inline styles only (the CSP forbids inline scripts). */

export const adminViews = ['reconciliation', 'events', 'actions', 'audit'] as const;
export type AdminView = (typeof adminViews)[number];

export interface PageContext {
  locale: SignInLocale;
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

const styles = `
  body { font-family: system-ui, sans-serif; color: #1a1a1a; background: #f6f4ef; margin: 0; line-height: 1.45; }
  header, main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
  header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
  nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0; }
  nav a { display: inline-block; padding: .4rem .8rem; color: #1a1a1a; background: #fff; border: 1px solid #767676; }
  nav a[aria-current="page"] { background: #1a1a1a; color: #fff; }
  main { background: #fff; border-top: 4px solid #c70000; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #b0b0b0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  td.num { text-align: right; }
  thead th { background: #ecebe6; }
  tr.differs td, tr.differs th { background: #fff1c2; }
  tr.failed td, tr.failed th { background: #ffe3e3; }
  .flash { padding: .75rem; border: 2px solid #1d6b2f; background: #e8f5ea; }
  .flash.error { border-color: #a30000; background: #ffe9e9; }
  form.inline { display: inline; }
  fieldset { border: 1px solid #b0b0b0; margin: 0 0 1.5rem; }
  label { display: inline-block; margin: .25rem 1rem .25rem 0; }
  input, select, button { font: inherit; padding: .3rem .5rem; }
  button { background: #c70000; color: #fff; border: 0; padding: .45rem 1rem; cursor: pointer; font-weight: bold; }
  button.quiet { background: #1a1a1a; }
  a { color: #0645ad; }
  a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
  .note { color: #4a4a4a; }
`;

/** A whole HTML document. */
export function document(locale: SignInLocale, title: string, body: string): string {
  return htmlDocument({ lang: locale, title, styles, body });
}

/** The signed-in page around one view. */
export function signedInPage(
  ctx: PageContext,
  flash: { ok: boolean; text: string } | null,
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
    ? `<p class="flash${flash.ok ? '' : ' error'}" role="${flash.ok ? 'status' : 'alert'}">${h(flash.text)}</p>`
    : '';
  return document(
    ctx.locale,
    `${w.tabs[ctx.view]} — ${w.title}`,
    `<header>
  <strong>${h(w.title)}</strong>
  <nav aria-label="${h(w.title)}"><ul>${tabs}</ul></nav>
  <span>${h(w.signedInAs(ctx.session.caller.name, ctx.session.caller.role))}
  · <a href="/admin?view=${ctx.view}&amp;lang=${other}" hreflang="${other}" lang="${other}">${other === 'fr' ? 'Français' : 'English'}</a>
  <form class="inline" method="post" action="/admin/logout">${actionFields(ctx)}<button type="submit" class="quiet">${h(w.signOut)}</button></form></span>
</header>
<main id="main">
<h1>${h(w.tabs[ctx.view])}</h1>
${message}
${content}
</main>`,
  );
}

/** The login form, with an optional error (wrong key, site key). */
export function loginPage(locale: SignInLocale, error: string | null): string {
  const w = adminWords[locale];
  return document(
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
export function refusedPage(locale: SignInLocale, detail: string): string {
  const w = adminWords[locale];
  return document(
    locale,
    w.title,
    `<main id="main"><h1>${h(w.forbidden)}</h1><p role="alert">${h(detail)}</p>
<p><a href="/admin?lang=${locale}">${h(w.title)}</a></p></main>`,
  );
}
