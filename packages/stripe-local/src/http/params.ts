import { z } from 'zod';
import { invalidRequest, missingParameter, type StripeApiError, unknownParameter } from './errors';
import type { FormObject } from './form';

/** `line_items[0][price_data]` from a zod path. */
export function stripeParamName(path: ReadonlyArray<PropertyKey>): string {
  const [head, ...rest] = path.map(String);
  return `${head ?? ''}${rest.map((segment) => `[${segment}]`).join('')}`;
}

/** An integer sent as a form string. */
export const formInt = () =>
  z
    .string()
    .regex(/^-?\d+$/, { error: (issue) => `Invalid integer: ${String(issue.input)}` })
    .transform(Number);

/** A boolean sent as a form string. */
export const formBool = () =>
  z
    .enum(['true', 'false'], { error: (issue) => `Invalid boolean: ${String(issue.input)}` })
    .transform((v) => v === 'true');

/** Stripe's metadata: up to 50 keys of at most 40 characters, values of at most 500; `''` unsets. */
export const metadataParam = () =>
  z
    .record(
      z.string().max(40, { error: 'Metadata keys must be at most 40 characters' }),
      z.string().max(500, { error: 'Metadata values must be at most 500 characters' }),
    )
    .refine((m) => Object.keys(m).length <= 50, { error: 'Metadata can have at most 50 keys' });

export const expandParam = () => z.array(z.string()).max(100).optional();

/** `created[gte]=...` or `created=...`, as list endpoints take it. */
export const rangeParam = () =>
  z.union([
    formInt(),
    z.strictObject({
      gt: formInt().optional(),
      gte: formInt().optional(),
      lt: formInt().optional(),
      lte: formInt().optional(),
    }),
  ]);

export type RangeFilter = number | { gt?: number; gte?: number; lt?: number; lte?: number } | undefined;

export function inRange(value: number, range: RangeFilter): boolean {
  if (range === undefined) return true;
  if (typeof range === 'number') return value === range;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

function toStripeError(issue: z.core.$ZodIssue): StripeApiError {
  const param = stripeParamName(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return unknownParameter(stripeParamName([...issue.path, issue.keys[0] ?? '']));
  }
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) {
    return missingParameter(param);
  }
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'hash' : issue.expected;
    return invalidRequest(`Invalid ${expected}`, param);
  }
  if (issue.code === 'invalid_value') {
    const name = String(issue.path.at(-1) ?? param);
    return invalidRequest(`Invalid ${name}: must be one of ${issue.values.map(String).join(', ')}`, param);
  }
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    const inner = issue.issues[0];
    return invalidRequest(inner?.message ?? issue.message, param);
  }
  return invalidRequest(issue.message, param);
}

/** Validates request parameters against a strict schema: unknown ones answer Stripe's `parameter_unknown`. */
export function parseParams<S extends z.ZodType>(schema: S, params: FormObject): z.output<S> {
  const result = schema.safeParse(params, { reportInput: true });
  if (result.success) return result.data;
  const unknown = result.error.issues.find((issue) => issue.code === 'unrecognized_keys');
  throw toStripeError(unknown ?? (result.error.issues[0] as z.core.$ZodIssue));
}

/**
 * Real Stripe parameters the stand-in does not implement: refused with a message that says so, rather than
 * `parameter_unknown` (which would wrongly suggest the service made a typo).
 */
export function refuseUnimplemented(params: FormObject, names: readonly string[], prefix = ''): void {
  for (const name of names) {
    if (name in params) {
      const param = prefix ? `${prefix}[${name}]` : name;
      throw invalidRequest(
        `stripe-local does not implement the parameter \`${param}\` (Stripe has it); add it in packages/stripe-local if the service needs it.`,
        param,
        'parameter_not_implemented_by_stand_in',
      );
    }
  }
}

export const emptyParams = z.strictObject({ expand: expandParam() });
