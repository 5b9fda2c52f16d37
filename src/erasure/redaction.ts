/**
 * Redaction of a stored Stripe event (its raw JSON) for an erased person. Pure.
 *
 * Fields Stripe uses for a person (names, e-mails, phones, addresses, the site user id we passed as
 * `client_reference_id`) become null wherever they appear, and any other string that carries one of the person's
 * e-mails or site user ids becomes `[redacted]`. Amounts, currencies, Stripe ids and times stay: the ledger and
 * reconciliation keep working from a redacted event, and a redacted event still parses in our shapes (every one
 * of those fields is nullable there).
 */

export interface ErasedIdentity {
  /** Normalised (lower-case) e-mails. */
  emails: string[];
  siteUserIds: string[];
  /** Stripe ids that name the person's objects (customers, payment intents, charges, checkout sessions). */
  stripeIds: string[];
}

/** Keys whose value is about a person, wherever they appear in a Stripe object. */
const personalKeys = new Set([
  'address',
  'billing_details',
  'client_reference_id',
  'customer_address',
  'customer_details',
  'customer_email',
  'customer_name',
  'customer_phone',
  'customer_shipping',
  'customer_tax_ids',
  'email',
  'name',
  'phone',
  'receipt_email',
  'shipping',
  'shipping_details',
  'tax_ids',
]);
/** Metadata keys that carry a person (ours: checkout puts none there, but integrations might). */
const personalMetadataKeys = /^(site_?user_?id|user_?id|e?-?mail|name|phone)$/i;
export const redactedMark = '[redacted]';

/** Whether an event (parsed) names the person: one of their e-mails, site user ids or Stripe ids as a value. */
export function namesPerson(value: unknown, who: ErasedIdentity): boolean {
  const exact = new Set([...who.siteUserIds, ...who.stripeIds]);
  const found = (v: unknown): boolean => {
    if (typeof v === 'string') {
      const lower = v.trim().toLowerCase();
      return exact.has(v) || who.emails.includes(lower);
    }
    if (Array.isArray(v)) return v.some(found);
    if (v !== null && typeof v === 'object') return Object.values(v).some(found);
    return false;
  };
  return found(value);
}

/** A cheap test on the raw text before parsing: could this event name the person at all? */
export function mightNamePerson(raw: string, who: ErasedIdentity): boolean {
  const lower = raw.toLowerCase();
  return (
    who.emails.some((e) => lower.includes(e)) ||
    [...who.siteUserIds, ...who.stripeIds].some(
      (id) => raw.includes(id) || raw.includes(JSON.stringify(id).slice(1, -1)),
    )
  );
}

/** The event's raw JSON with the person's data removed, and whether anything changed. */
export function redactRawEvent(raw: string, who: ErasedIdentity): { raw: string; changed: boolean } {
  const redacted = JSON.stringify(redactValue(JSON.parse(raw) as unknown, who, null));
  return { raw: redacted, changed: redacted !== JSON.stringify(JSON.parse(raw)) };
}

function redactValue(value: unknown, who: ErasedIdentity, key: string | null): unknown {
  if (typeof value === 'string') return redactString(value, who);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, who, null));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (personalKeys.has(k)) out[k] = null;
    else if (key === 'metadata' && personalMetadataKeys.test(k)) out[k] = redactedMark;
    else out[k] = redactValue(v, who, k);
  }
  return out;
}

function redactString(value: string, who: ErasedIdentity): string {
  if (who.siteUserIds.includes(value)) return redactedMark;
  const lower = value.toLowerCase();
  return who.emails.some((e) => lower.includes(e)) ? redactedMark : value;
}
