/** The service's few server-rendered pages (sign-in, the finance page, the demo) share these two pieces. */

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole HTML document: no scripts (the CSP forbids inline ones), one inline stylesheet. */
export function htmlDocument(page: {
  lang: string;
  title: string;
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
<style>${page.styles}</style>
</head>
<body>
${page.body}
</body>
</html>`;
}
