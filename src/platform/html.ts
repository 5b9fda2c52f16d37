import { faviconHref } from './favicon';
import { type Theme, themeCss } from './theme';

/** The service's own server-rendered pages (sign-in, the finance page) share these pieces; the demo has its own. */

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A whole HTML document: no scripts (the CSP forbids inline ones), one inline stylesheet that starts with the
 * theme's custom properties (`var(--rs-accent)`…), and the service's icon.
 */
export function htmlDocument(page: {
  lang: string;
  title: string;
  theme: Theme;
  styles: string;
  body: string;
  index?: boolean;
}) {
  return `<!doctype html>
<html lang="${escapeHtml(page.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${page.index ? '' : '<meta name="robots" content="noindex">\n'}<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="${escapeHtml(faviconHref(page.theme))}" type="image/svg+xml">
<style>${themeCss(page.theme)}${page.styles}</style>
</head>
<body>
${page.body}
</body>
</html>`;
}
