import { z } from 'zod';
import { invalidRequest } from './errors';
import { formInt } from './params';

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** `limit`, `starting_after`, `ending_before`: the cursor parameters every list endpoint takes. */
export const paginationParams = {
  limit: formInt()
    .refine((n) => n >= 1 && n <= 100, { error: 'Invalid limit: must be between 1 and 100' })
    .optional(),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
};

export interface Pagination {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

/** One page of `items` (already newest first), Stripe's way: after or before a cursor object, `has_more`. */
export function paginate<T extends { id: string }>(items: T[], page: Pagination, url: string): StripeList<T> {
  const limit = page.limit ?? 10;
  if (page.starting_after !== undefined) {
    const at = items.findIndex((item) => item.id === page.starting_after);
    if (at < 0)
      throw invalidRequest(`No such object: '${page.starting_after}'`, 'starting_after', 'resource_missing');
    const rest = items.slice(at + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (page.ending_before !== undefined) {
    const at = items.findIndex((item) => item.id === page.ending_before);
    if (at < 0)
      throw invalidRequest(`No such object: '${page.ending_before}'`, 'ending_before', 'resource_missing');
    const before = items.slice(0, at);
    return {
      object: 'list',
      data: before.slice(Math.max(0, before.length - limit)),
      has_more: before.length > limit,
      url,
    };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

/** Newest first, as Stripe lists (ties keep the reverse of creation order). */
export function newestFirst<T extends { created: number }>(items: T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.created - a.item.created || b.index - a.index)
    .map(({ item }) => item);
}
