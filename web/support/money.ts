import type { Lang } from './words';

/** Digits after the decimal point in a currency's minor unit (2 for eur, usd, gbp; 0 for jpy). */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** "5 €", "12,50 €", "£5": whole amounts without decimals, others with the currency's own. */
export function formatAmount(minor: number, currency: string, lang: Lang): string {
  const digits = minorDigits(currency);
  const major = minor / 10 ** digits;
  const fractions = Number.isInteger(major) ? 0 : digits;
  try {
    return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: fractions,
      maximumFractionDigits: fractions,
    }).format(major);
  } catch {
    return `${major.toFixed(fractions)} ${currency.toUpperCase()}`;
  }
}

/** The symbol a reader expects beside an amount field: "€", "$", "£". */
export function currencySymbol(currency: string, lang: Lang): string {
  try {
    const parts = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
      style: 'currency',
      currency: currency.toUpperCase(),
    }).formatToParts(0);
    return parts.find((part) => part.type === 'currency')?.value ?? currency.toUpperCase();
  } catch {
    return currency.toUpperCase();
  }
}

/**
 * Reads what a reader typed ("12", "12,50", "12.5 €") as minor units, or null when it is not an amount. A
 * thousands separator is not an amount: "1.000" is refused rather than guessed.
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const cleaned = text.replace(/[\s\u00a0\u202f€$£]/g, '');
  const pattern = digits > 0 ? new RegExp(`^(\\d{1,9})(?:[.,](\\d{1,${digits}}))?$`) : /^(\d{1,9})$/;
  const match = pattern.exec(cleaned);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(digits, '0') || '0');
  return whole * 10 ** digits + fraction;
}
