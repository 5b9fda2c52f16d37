import { escapeHtml } from '../platform/html';
import { type DemoArticle, type DemoLang, demoArticles } from './article';

export interface DemoPageOptions {
  lang: DemoLang;
  /** Where Checkout brings the reader back (`data-return-url`); the page's own address when null. */
  returnUrl: string | null;
  /** The `iss` the script expects on its tokens (`data-issuer`): the service's PUBLIC_URL. */
  issuer: string;
  /** An episode of the premium long read (1…`premiumEpisodes`), or null for the free article. */
  episode?: number | null;
}

/** The premium long read's episodes: one more than the paywall's default allowance, so the last one is walled. */
export const premiumEpisodes = 4;

/**
 * The demo article: a magazine page whose only script is the banner script (`/support.js`), which draws the ask
 * into the empty `[data-support-ask]` element under the article. No inline script (helmet's CSP); inline styles only.
 */
export function renderDemoPage({ lang, returnUrl, issuer, episode = null }: DemoPageOptions): string {
  const a = demoArticles[lang];
  const query = lang === 'en' ? '?lang=en' : '';
  const episodeLinks = Array.from({ length: premiumEpisodes }, (_, i) => i + 1)
    .map((n) => {
      const label = escapeHtml(a.premium.episode(n, premiumEpisodes));
      return n === episode
        ? `<li aria-current="page">${label}</li>`
        : `<li><a href="/demo/premium/${n}${query}">${label}</a></li>`;
    })
    .join('');
  // Search engines are told which part is for supporters (schema.org, as Google asks of paywalled pages).
  const premiumMarkup =
    episode === null
      ? ''
      : `<script type="application/ld+json">${JSON.stringify({
          '@context': 'https://schema.org',
          '@type': 'NewsArticle',
          headline: a.title,
          isAccessibleForFree: false,
          hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.body' },
        }).replace(/</g, '\\u003c')}</script>`;
  const scriptData = [
    `data-lang="${lang}"`,
    `data-issuer="${escapeHtml(issuer)}"`,
    `data-campaign="demo"`,
    returnUrl ? `data-return-url="${escapeHtml(returnUrl)}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const paragraphs = (texts: string[]): string =>
    texts.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(a.title)} — ${escapeHtml(a.masthead)}</title>
<style>${styles}</style>
${premiumMarkup}
</head>
<body>
<p class="demo-notice">${escapeHtml(a.demoNotice)}
  <a href="${a.otherLanguage.href}" hreflang="${a.otherLanguage.lang}" lang="${a.otherLanguage.lang}">${escapeHtml(a.otherLanguage.label)}</a></p>
<header class="masthead">
  <p class="brand">${escapeHtml(a.masthead)}</p>
  <p class="manage" data-support-manage></p>
  <nav aria-label="Rubriques"><ul>${a.sections.map((s, i) => `<li${i === 0 ? ' class="current"' : ''}>${escapeHtml(s)}</li>`).join('')}</ul></nav>
</header>
<main>
<article>
  <p class="kicker">${escapeHtml(episode === null ? a.kicker : `${a.premium.kicker} · ${a.premium.episode(episode, premiumEpisodes)}`)}</p>
  <h1>${escapeHtml(a.title)}</h1>
  <p class="standfirst">${escapeHtml(a.standfirst)}</p>
  <p class="byline">${escapeHtml(a.byline)} <span>${escapeHtml(a.dateline)}</span></p>
  <figure>${riverMap(a)}<figcaption>${escapeHtml(a.figureCaption)}</figcaption></figure>
  <div class="body"${episode === null ? '' : ` data-premium="orave-${episode}"`}>
${paragraphs(a.before)}
<blockquote>${escapeHtml(a.pullQuote)}</blockquote>
${paragraphs(a.after)}
  </div>
  <nav class="episodes" aria-label="${escapeHtml(a.premium.episodes)}">
    ${episode === null ? `<p><a href="/demo/premium/1${query}">${escapeHtml(a.premium.promo)}</a></p>` : `<ol>${episodeLinks}</ol>`}
  </nav>
  <div class="support" data-support-ask data-headline="${escapeHtml(a.ask.headline)}" data-text="${escapeHtml(a.ask.text)}"></div>
</article>
</main>
<footer><p>${escapeHtml(a.footer)}</p></footer>
<script src="/support.js" async ${scriptData}></script>
</body>
</html>`;
}

/** A sketch of the river as inline SVG: no image request, nothing for the CSP to refuse. */
function riverMap(a: DemoArticle): string {
  const m = a.map;
  return `<svg viewBox="0 0 800 300" role="img" aria-label="${escapeHtml(m.label)}">
<rect width="800" height="300" fill="#e9e3d5"/>
<path d="M0 0H260C230 60 250 120 210 170C170 220 90 240 0 250Z" fill="#d8cfbb"/>
<path d="M560 300C600 250 680 230 800 220V300Z" fill="#cfdccd"/>
<path d="M40 40C140 60 190 110 250 120S380 110 430 160S520 250 640 262" fill="none" stroke="#5a86a6" stroke-width="9" stroke-linecap="round"/>
<path d="M640 262L760 230M640 262L770 262M640 262L740 295" stroke="#5a86a6" stroke-width="4" stroke-linecap="round"/>
<path d="M330 20V300" stroke="#8a7f6a" stroke-width="2" stroke-dasharray="8 6"/>
<rect x="236" y="98" width="10" height="44" fill="#1b1b1b" transform="rotate(18 241 120)"/>
<circle cx="430" cy="160" r="8" fill="#b3261e"/>
<g font-family="system-ui,sans-serif" font-size="17" fill="#1b1b1b">
<text x="30" y="28">${escapeHtml(m.plateau)}</text>
<text x="262" y="92">${escapeHtml(m.dam)}</text>
<text x="446" y="154">${escapeHtml(m.city)}</text>
<text x="600" y="212">${escapeHtml(m.delta)}</text>
<text x="338" y="290" fill="#6b6253" font-size="14">${escapeHtml(m.border)}</text>
</g>
</svg>`;
}

const styles = `
:root{--ink:#1b1b1b;--muted:#5f5a52;--accent:#b3261e;--paper:#faf8f4;--rule:#d9d3c7}
*{box-sizing:border-box}
body{margin:0;background:var(--paper);color:var(--ink);font-family:Georgia,'Iowan Old Style','Times New Roman',serif}
a{color:inherit}
.demo-notice{margin:0;padding:.5rem 1rem;background:var(--ink);color:#f3efe6;font:13px/1.4 system-ui,sans-serif;text-align:center}
.demo-notice a{margin-left:1rem;color:#fff;font-weight:600}
.masthead{max-width:62rem;margin:0 auto;padding:1.75rem 1rem 0;text-align:center;border-bottom:3px double var(--ink)}
.brand{margin:0;font-size:clamp(2.4rem,6vw,3.6rem);font-weight:700;letter-spacing:-.02em;font-variant:small-caps}
.masthead ul{display:flex;flex-wrap:wrap;justify-content:center;gap:.25rem 1.5rem;margin:1rem 0 0;padding:.6rem 0;list-style:none;border-top:1px solid var(--rule);font:600 13px/1 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.08em}
.masthead li.current{color:var(--accent)}
.manage{margin:.5rem 0 0;font:14px/1.4 system-ui,sans-serif}
.manage:empty{display:none}
.manage .rs-ask{max-width:32rem;margin:0 auto;text-align:left}
main{max-width:46rem;margin:0 auto;padding:2.5rem 1rem 3rem}
.kicker{margin:0 0 .5rem;color:var(--accent);font:700 13px/1 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.12em}
h1{margin:0;font-size:clamp(2rem,4.5vw,2.8rem);line-height:1.1;letter-spacing:-.01em}
.standfirst{margin:1rem 0;font-size:1.3rem;line-height:1.45;color:var(--muted)}
.byline{margin:0 0 1.5rem;padding-bottom:1rem;border-bottom:1px solid var(--rule);font:600 14px/1.4 system-ui,sans-serif}
.byline span{display:block;font-weight:400;color:var(--muted)}
figure{margin:0 0 2rem}
figure svg{display:block;width:100%;height:auto}
figcaption{margin-top:.5rem;font:13px/1.4 system-ui,sans-serif;color:var(--muted)}
.body p{margin:0 0 1.1rem;font-size:1.15rem;line-height:1.7}
.body>p:first-child::first-letter{float:left;margin:.3rem .5rem 0 0;font-size:4.2rem;line-height:.8;font-weight:700;color:var(--accent)}
blockquote{margin:2rem 0;padding:.25rem 0 .25rem 1.25rem;border-left:4px solid var(--accent);font-size:1.5rem;line-height:1.35;font-style:italic}
.support{margin-top:2.5rem;padding-top:1.5rem;border-top:3px double var(--ink)}
/* The room the ask takes, held while the script decides: no layout shift when it draws. */
.support[data-support-ask]:not([hidden]):empty{min-height:22rem}
.episodes{margin-top:2rem;font:15px/1.5 system-ui,sans-serif}
.episodes ol{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;padding:0;list-style:none}
.episodes [aria-current]{font-weight:700}
.rs-meter-note{font-family:system-ui,sans-serif}
footer{border-top:1px solid var(--rule);padding:1.5rem 1rem 3rem;text-align:center;font:13px/1.4 system-ui,sans-serif;color:var(--muted)}
`;
