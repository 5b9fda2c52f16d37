/**
 * The palette of the service's own pages (the sign-in page and its answers, the finance page /admin), as the
 * banner's CSS custom properties with the banner's defaults (web/support/styles.ts): --rs-accent, --rs-on-accent,
 * --rs-background, --rs-text, --rs-focus, --rs-font, plus --rs-surface (the panel behind the text), --rs-muted
 * and --rs-link. An operator sets the accent (`THEME_ACCENT`); the text on it is chosen from the accent's luminance
 * so that it keeps WCAG AA's 4.5:1, and links take the accent only where it keeps 4.5:1 on the pages' backgrounds.
 * The demo article (src/demo/) is the fictional newspaper's own design and does not use this.
 */

export interface Theme {
  accent: string;
  onAccent: string;
  background: string;
  surface: string;
  text: string;
  muted: string;
  link: string;
  focus: string;
  font: string;
}

/** The banner's defaults (web/support/styles.ts); tests/platform/theme.test.ts keeps the two in step. */
export const bannerDefaults = {
  accent: '#0b3d91',
  onAccent: '#fff',
  background: '#fff8e6',
  text: '#1a1a1a',
  focus: '#1a1a1a',
  font: 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif',
} as const;

/** WCAG AA for normal text. */
export const minimumContrast = 4.5;

/** `#rgb` or `#rrggbb` (any case) as `#rrggbb` in lower case; null for anything else. */
export function parseHexColour(value: string): string | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!match) return null;
  const digits = (match[1] as string).toLowerCase();
  return `#${
    digits.length === 3
      ? digits
          .split('')
          .map((d) => d + d)
          .join('')
      : digits
  }`;
}

/** WCAG 2's relative luminance of a `#rgb`/`#rrggbb` colour. */
export function relativeLuminance(colour: string): number {
  const hex = parseHexColour(colour);
  if (!hex) throw new Error(`not a hex colour: ${colour}`);
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2's contrast ratio of two colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The text colour on the accent: white as the banner has it when that keeps 4.5:1, else the pages' text colour,
 * else black (which always keeps it where white does not: a colour under 4.5:1 with white has over 4.6:1 with black).
 */
export function textOnAccent(accent: string): string {
  for (const candidate of ['#ffffff', bannerDefaults.text, '#000000'])
    if (contrastRatio(candidate, accent) >= minimumContrast) return candidate;
  return '#000000';
}

const surface = '#ffffff';

/** The pages' palette for an accent (the banner's by default). */
export function pageTheme(accent: string = bannerDefaults.accent): Theme {
  const hex = parseHexColour(accent);
  if (!hex) throw new Error(`not a hex colour: ${accent}`);
  const readableOn = (background: string) => contrastRatio(hex, background) >= minimumContrast;
  return {
    accent: hex,
    onAccent: textOnAccent(hex),
    background: bannerDefaults.background,
    surface,
    text: bannerDefaults.text,
    muted: '#4a4a4a',
    // Links sit on the panel and on the page's background (the finance page's header).
    link: readableOn(surface) && readableOn(bannerDefaults.background) ? hex : bannerDefaults.text,
    focus: bannerDefaults.focus,
    font: bannerDefaults.font,
  };
}

/** The palette as CSS custom properties on `:root`, for a page's stylesheet to use with `var(--rs-…)`. */
export function themeCss(theme: Theme): string {
  const properties: [string, string][] = [
    ['accent', theme.accent],
    ['on-accent', theme.onAccent],
    ['background', theme.background],
    ['surface', theme.surface],
    ['text', theme.text],
    ['muted', theme.muted],
    ['link', theme.link],
    ['focus', theme.focus],
    ['font', theme.font],
  ];
  // Every value is a validated colour or the fixed font stack: nothing here comes unchecked from outside.
  return `:root{${properties.map(([name, value]) => `--rs-${name}:${value}`).join(';')}}`;
}
