import type { RedisClient } from '../platform/redis';
import { type EventHistoryLine, type EventStatus, statusIndexKey } from '../webhooks/eventLog';

/**
 * Reads the webhook event log (see `webhooks/eventLog.ts`) for finance: pages through the time indexes by
 * Stripe's `created`, oldest first, with an exclusive cursor `(created, id)`. Walking by score from the last row
 * seen (and, within one millisecond, by id, as Redis orders equal scores) keeps pages stable while new events
 * arrive: an insert never shifts what comes after the cursor.
 */

export interface EventCursor {
  created: number;
  id: string;
}

export interface EventFilter {
  /** Inclusive lower bound on `created` (ms). */
  from: number | null;
  /** Exclusive upper bound on `created` (ms). */
  to: number | null;
  type: string | null;
  status: EventStatus | null;
}

export interface EventRow {
  id: string;
  type: string;
  status: EventStatus;
  /** Stripe's `created`, ms. */
  created: number;
  livemode: boolean;
  apiVersion: string | null;
  firstReceivedAt: number | null;
  lastReceivedAt: number | null;
  deliveries: number;
  attempts: number;
  error: string | null;
  supporterId: string | null;
  appliedAt: number | null;
}

export interface EventDetail extends EventRow {
  /** The body exactly as Stripe sent it. */
  raw: string;
  history: EventHistoryLine[];
}

// Rows after the cursor: first the ones sharing its millisecond with a greater id, then the later ones. Ids are
// compared byte by byte, as Redis orders equal scores (Lua's own < follows the server's locale).
const pageScript = `
local function greater(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
local key, min, max, cScore, cId, count = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if cScore == '' then
  return redis.call('ZRANGEBYSCORE', key, min, max, 'WITHSCORES', 'LIMIT', 0, count)
end
local out = {}
local ties = redis.call('ZRANGEBYSCORE', key, cScore, cScore)
for _, member in ipairs(ties) do
  if greater(member, cId) and #out < count * 2 then
    out[#out + 1] = member
    out[#out + 1] = cScore
  end
end
local left = count - #out / 2
if left > 0 then
  local rest = redis.call('ZRANGEBYSCORE', key, '(' .. cScore, max, 'WITHSCORES', 'LIMIT', 0, left)
  for _, v in ipairs(rest) do out[#out + 1] = v end
end
return out
`;

const rowFields = [
  'type',
  'status',
  'created',
  'livemode',
  'apiVersion',
  'firstReceivedAt',
  'lastReceivedAt',
  'deliveries',
  'attempts',
  'error',
  'supporterId',
  'appliedAt',
] as const;

const numberOrNull = (v: string | null | undefined) => (v ? Number(v) : null);

function toRow(id: string, values: (string | null)[]): EventRow | null {
  const [
    type,
    status,
    created,
    livemode,
    apiVersion,
    first,
    last,
    deliveries,
    attempts,
    error,
    sup,
    applied,
  ] = values;
  if (type === null || type === undefined || created === null || created === undefined) return null;
  return {
    id,
    type,
    status: (status ?? 'received') as EventStatus,
    created: Number(created),
    livemode: livemode === '1',
    apiVersion: apiVersion || null,
    firstReceivedAt: numberOrNull(first),
    lastReceivedAt: numberOrNull(last),
    deliveries: Number(deliveries ?? 0),
    attempts: Number(attempts ?? 0),
    error: error || null,
    supporterId: sup || null,
    appliedAt: numberOrNull(applied),
  };
}

/** An opaque cursor for the next page. */
export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`${cursor.created}:${cursor.id}`).toString('base64url');
}

/** The cursor a client sent back, or null when it is not one of ours. */
export function decodeCursor(text: string): EventCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^(\d{1,16}):(evt_[A-Za-z0-9_]+)$/.exec(decoded);
  return match ? { created: Number(match[1]), id: match[2] as string } : null;
}

/** Pages and streams the event log under one key prefix. */
export function eventLogReader(redis: RedisClient, prefix: string) {
  const eventKey = (id: string) => `${prefix}event:{${id}}`;
  const indexOf = (filter: EventFilter) =>
    filter.type !== null
      ? `${prefix}events:by-type:${filter.type}`
      : filter.status !== null
        ? statusIndexKey(prefix, filter.status)
        : `${prefix}events:by-created`;

  /** Up to `count` index entries after the cursor, in order. */
  async function scan(filter: EventFilter, after: EventCursor | null, count: number): Promise<EventCursor[]> {
    const min = filter.from === null ? '-inf' : String(filter.from);
    const max = filter.to === null ? '+inf' : `(${filter.to}`;
    const cursor = after && (filter.from === null || after.created >= filter.from) ? after : null;
    const flat = (await redis.eval(
      pageScript,
      1,
      indexOf(filter),
      min,
      max,
      cursor ? String(cursor.created) : '',
      cursor?.id ?? '',
      String(count),
    )) as string[];
    const out: EventCursor[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const created = Number(flat[i + 1]);
      if (filter.to === null || created < filter.to) out.push({ id: flat[i] as string, created });
    }
    return out;
  }

  async function hydrate(filter: EventFilter, entries: EventCursor[]): Promise<EventRow[]> {
    // One command per event (not a pipeline): on Redis Cluster each event hash lives in its own slot.
    const values = await Promise.all(entries.map((e) => redis.hmget(eventKey(e.id), ...rowFields)));
    const rows: EventRow[] = [];
    entries.forEach((entry, i) => {
      const row = toRow(entry.id, values[i] ?? []);
      if (row && (filter.status === null || row.status === filter.status)) rows.push(row);
    });
    return rows;
  }

  return {
    /** One page of at most `limit` rows and the cursor of the next page (null at the end). */
    async page(
      filter: EventFilter,
      after: EventCursor | null,
      limit: number,
    ): Promise<{ rows: EventRow[]; next: EventCursor | null }> {
      const rows: EventRow[] = [];
      let cursor = after;
      for (;;) {
        const want = limit + 1 - rows.length;
        const batch = await scan(filter, cursor, Math.max(want, 100));
        const found = await hydrate(filter, batch);
        for (const row of found) {
          rows.push(row);
          if (rows.length > limit) {
            const last = rows[limit - 1] as EventRow;
            return { rows: rows.slice(0, limit), next: { created: last.created, id: last.id } };
          }
        }
        if (batch.length < Math.max(want, 100)) return { rows, next: null };
        cursor = batch[batch.length - 1] ?? null;
      }
    },

    /** Every matching row in batches, for streaming: memory holds one batch at a time. */
    async *batches(filter: EventFilter, batchSize = 1000): AsyncGenerator<EventRow[]> {
      let cursor: EventCursor | null = null;
      for (;;) {
        const batch = await scan(filter, cursor, batchSize);
        if (batch.length === 0) return;
        const rows = await hydrate(filter, batch);
        if (rows.length > 0) yield rows;
        if (batch.length < batchSize) return;
        cursor = batch[batch.length - 1] ?? null;
      }
    },

    /** One event with its raw body and history; null when unknown. */
    async detail(id: string): Promise<EventDetail | null> {
      const [values, raw, history] = await Promise.all([
        redis.hmget(eventKey(id), ...rowFields),
        redis.hget(eventKey(id), 'raw'),
        redis.lrange(`${eventKey(id)}:history`, 0, -1),
      ]);
      const row = toRow(id, values);
      if (!row || raw === null) return null;
      return { ...row, raw, history: history.map((line) => JSON.parse(line) as EventHistoryLine) };
    },
  };
}

export type EventLogReader = ReturnType<typeof eventLogReader>;
