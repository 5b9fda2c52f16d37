import type { ReadTape } from '../platform/readTape';
import type { RedisClient } from '../platform/redis';
import type { StripeEventEnvelope } from '../stripe-events/shapes';

/**
 * Every verified Stripe event, kept raw with its deliveries and processing status, for finance and replays:
 *
 *   <prefix>event:{<evt id>}            hash  raw, type, apiVersion, livemode, created, firstReceivedAt,
 *                                             lastReceivedAt, deliveries, attempts, status, error, supporterId, appliedAt,
 *                                             reads (what its application read from Stripe, for a rebuild),
 *                                             receivedVia (`stripe` or `backfill`), redactedAt (after an erasure)
 *   <prefix>event:{<evt id>}:history    list  one JSON line per delivery outcome and attempt (newest last, capped)
 *   <prefix>event:{<evt id>}:lock       string the processing lock (token), with a TTL
 *   <prefix>events:by-created           zset  event ids by Stripe's `created` (ms)
 *   <prefix>events:by-type:<type>       zset  the same, per type
 *   <prefix>events:{by-status}:<status> zset  the same, per current status (one hash tag: an event moves between
 *                                             them in one script, so it is always in exactly one, on Cluster too)
 *   <prefix>events:{by-status}:version  hash  event id → the status version the index shows (`statusVersion` in
 *                                             the event's hash counts its changes: a late index write never wins)
 */

export type EventStatus = 'received' | 'processing' | 'applied' | 'duplicate' | 'ignored' | 'failed';
export const eventStatuses: readonly EventStatus[] = [
  'received',
  'processing',
  'applied',
  'duplicate',
  'ignored',
  'failed',
];
/** Statuses after which a delivery of the same event only answers 200: it was dealt with. */
export const settledStatuses = new Set<EventStatus>(['applied', 'duplicate', 'ignored']);

export interface LoggedEvent {
  id: string;
  type: string;
  apiVersion: string | null;
  livemode: boolean;
  created: number;
  raw: string;
  firstReceivedAt: number;
  lastReceivedAt: number;
  deliveries: number;
  attempts: number;
  status: EventStatus;
  error: string | null;
  supporterId: string | null;
  appliedAt: number | null;
  /** What the application that settled it read from Stripe, and when (null before a version that kept it). */
  reads: ReadTape | null;
}

export interface EventHistoryLine {
  at: number;
  /** `backfilled`: copied from Stripe's event list; `replayed`: an admin asked to apply it again. */
  outcome: EventStatus | 'delivered' | 'duplicate' | 'backfilled' | 'replayed';
  error?: string;
}

/** How an event reached the log: delivered by Stripe to the webhook, or copied from Stripe's event list. */
export type EventSource = 'stripe' | 'backfill';

const historyCap = 200;

const recordDeliveryScript = `
local isNew = redis.call('HSETNX', KEYS[1], 'raw', ARGV[1])
if isNew == 1 then
  redis.call('HSET', KEYS[1], 'type', ARGV[2], 'apiVersion', ARGV[3], 'livemode', ARGV[4], 'created', ARGV[5],
    'firstReceivedAt', ARGV[6], 'status', 'received', 'attempts', 0, 'deliveries', 0, 'receivedVia', ARGV[8],
    'statusVersion', 0)
end
if ARGV[8] == 'stripe' then
  redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
  redis.call('HSET', KEYS[1], 'lastReceivedAt', ARGV[6])
elseif isNew == 1 then
  redis.call('HSET', KEYS[1], 'lastReceivedAt', ARGV[6])
end
redis.call('RPUSH', KEYS[2], ARGV[7])
redis.call('LTRIM', KEYS[2], -${historyCap}, -1)
return isNew
`;

// Taking the lock and saying so in the log happen together, so a copy waiting for this attempt never mistakes an
// older failure for its outcome; and an event already settled is never taken again (a late copy that read it
// before it settled would otherwise apply it a second time). Answers {taken, status version}.
const acquireScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'applied' or status == 'duplicate' or status == 'ignored' then return {2, 0} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('HSET', KEYS[1], 'status', 'processing')
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  return {1, redis.call('HINCRBY', KEYS[1], 'statusVersion', 1)}
end
return {0, 0}
`;

// KEYS: the version hash, then every status zset; ARGV: id, version, created, status. Moves the id into its
// status's zset, out of every other, unless the index already shows a newer change.
const indexStatusScript = `
local shown = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) <= shown then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('ZADD', KEYS[1 + tonumber(ARGV[5])], ARGV[3], ARGV[1])
return 1
`;

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const purgeable = new Set<string>(['applied', 'duplicate', 'ignored']);

// Keeps the largest value ever set (a cutoff only moves forward).
const raiseScript = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;

/** The zset of events whose current status is `status`. */
export function statusIndexKey(prefix: string, status: EventStatus): string {
  return `${prefix}events:{by-status}:${status}`;
}

/** The event log and per-event processing lock, under one key prefix. */
export function stripeEventLog(redis: RedisClient, prefix: string) {
  const keys = (id: string) => ({
    event: `${prefix}event:{${id}}`,
    history: `${prefix}event:{${id}}:history`,
    lock: `${prefix}event:{${id}}:lock`,
  });

  const statusIndexKeys = [
    `${prefix}events:{by-status}:version`,
    ...eventStatuses.map((s) => statusIndexKey(prefix, s)),
  ];

  /** Shows the event under `status` in the index, if `version` is the newest change the index has seen of it. */
  async function setStatusIndex(
    id: string,
    created: number,
    status: EventStatus,
    version: number,
  ): Promise<void> {
    await redis.eval(
      indexStatusScript,
      statusIndexKeys.length,
      ...statusIndexKeys,
      id,
      String(version),
      String(created),
      status,
      String(eventStatuses.indexOf(status) + 1),
    );
  }

  async function note(id: string, now: number, outcome: 'duplicate' | 'replayed' | 'backfilled') {
    const k = keys(id);
    await redis
      .multi()
      .rpush(k.history, JSON.stringify({ at: now, outcome } satisfies EventHistoryLine))
      .ltrim(k.history, -historyCap, -1)
      .exec();
  }

  return {
    keys,

    /**
     * Keeps the raw event (first copy) and counts the delivery; indexes it by time and type. Idempotent. A copy
     * from Stripe's event list (`backfill`) is kept the same way but is not counted as a delivery.
     */
    async recordDelivery(
      event: StripeEventEnvelope,
      raw: string,
      now: number,
      via: EventSource = 'stripe',
    ): Promise<boolean> {
      const k = keys(event.id);
      const createdMs = event.created * 1000;
      const isNew =
        (await redis.eval(
          recordDeliveryScript,
          2,
          k.event,
          k.history,
          raw,
          event.type,
          event.api_version ?? '',
          event.livemode ? '1' : '0',
          String(createdMs),
          String(now),
          JSON.stringify({
            at: now,
            outcome: via === 'stripe' ? 'delivered' : 'backfilled',
          } satisfies EventHistoryLine),
          via,
        )) === 1;
      await redis.zadd(`${prefix}events:by-created`, createdMs, event.id);
      await redis.zadd(`${prefix}events:by-type:${event.type}`, createdMs, event.id);
      if (isNew) await setStatusIndex(event.id, createdMs, 'received', 0);
      return isNew;
    },

    /**
     * Retention: deletes up to `limit` settled events (`applied`, `duplicate`, `ignored`) whose Stripe `created` is
     * before `cutoff`, raw body and history included; failed and unfinished ones stay for a replay. The ledger
     * and the supporter state they made stay. Indexes go first and the time index last, so a crash half-way is
     * finished by the next run. Notes the cutoff (`events:purged-before`): a rebuild from the log refuses then.
     * Answers how many were deleted.
     */
    async purgeSettledBefore(cutoff: number, limit: number): Promise<number> {
      const byCreated = `${prefix}events:by-created`;
      await redis.eval(raiseScript, 1, `${prefix}events:purged-before`, String(cutoff));
      let purged = 0;
      let skip = 0;
      while (purged < limit) {
        const ids = await redis.zrangebyscore(byCreated, '-inf', `(${cutoff}`, 'LIMIT', skip, 100);
        if (ids.length === 0) break;
        for (const id of ids) {
          if (purged >= limit) break;
          const k = keys(id);
          const [type = null, status = null] = await redis.hmget(k.event, 'type', 'status');
          if (status !== null && !purgeable.has(status)) {
            skip++;
            continue;
          }
          if (type !== null && status !== null) {
            await redis.zrem(`${prefix}events:by-type:${type}`, id);
            await redis.zrem(statusIndexKey(prefix, status as EventStatus), id);
            await redis.hdel(`${prefix}events:{by-status}:version`, id);
            await redis.unlink(k.event, k.history);
          }
          await redis.zrem(byCreated, id);
          purged++;
        }
      }
      return purged;
    },

    /** The time before which retention deleted settled events, if it ever did. */
    async purgedBefore(): Promise<number | null> {
      const value = await redis.get(`${prefix}events:purged-before`);
      return value === null ? null : Number(value);
    },

    async get(id: string): Promise<LoggedEvent | null> {
      const h = await redis.hgetall(keys(id).event);
      if (!h.raw) return null;
      return {
        id,
        type: h.type ?? '',
        apiVersion: h.apiVersion || null,
        livemode: h.livemode === '1',
        created: Number(h.created),
        raw: h.raw,
        firstReceivedAt: Number(h.firstReceivedAt),
        lastReceivedAt: Number(h.lastReceivedAt),
        deliveries: Number(h.deliveries ?? 0),
        attempts: Number(h.attempts ?? 0),
        status: (h.status as EventStatus | undefined) ?? 'received',
        error: h.error || null,
        supporterId: h.supporterId || null,
        appliedAt: h.appliedAt ? Number(h.appliedAt) : null,
        reads: h.reads ? (JSON.parse(h.reads) as ReadTape) : null,
      };
    },

    async history(id: string): Promise<EventHistoryLine[]> {
      return (await redis.lrange(keys(id).history, 0, -1)).map(
        (line) => JSON.parse(line) as EventHistoryLine,
      );
    },

    /** Records how an attempt ended (the event's status) and adds it to the history. */
    async settle(
      id: string,
      created: number,
      status: EventStatus,
      now: number,
      details: { error?: string; supporterId?: string | null; reads?: ReadTape } = {},
    ): Promise<void> {
      const k = keys(id);
      const fields: (string | number)[] = ['status', status, 'error', details.error ?? ''];
      if (details.supporterId) fields.push('supporterId', details.supporterId);
      if (details.supporterId && details.reads) fields.push('reads', JSON.stringify(details.reads));
      if (status === 'applied' || status === 'duplicate') fields.push('appliedAt', now);
      const written = await redis
        .multi()
        .hset(k.event, ...fields)
        .hincrby(k.event, 'statusVersion', 1)
        .rpush(
          k.history,
          JSON.stringify({ at: now, outcome: status, ...(details.error ? { error: details.error } : {}) }),
        )
        .ltrim(k.history, -historyCap, -1)
        .exec();
      const version = Number(written?.[1]?.[1] ?? 0);
      await setStatusIndex(id, created * 1000, status, version);
    },

    /**
     * Shows an event in the status index its hash says it has (after a crash between the two writes, or to index
     * the log of a version that kept the status index under other keys). Idempotent.
     */
    async reindexStatus(id: string): Promise<boolean> {
      const [status, version, created] = await redis.hmget(
        keys(id).event,
        'status',
        'statusVersion',
        'created',
      );
      if (!status || !eventStatuses.includes(status as EventStatus)) return false;
      await setStatusIndex(id, Number(created), status as EventStatus, Number(version ?? 0));
      return true;
    },

    /** Notes a delivery answered from an earlier outcome (a copy of an event already dealt with). */
    async noteDuplicateDelivery(id: string, now: number): Promise<void> {
      await note(id, now, 'duplicate');
    },

    /** Adds a line to the event's history (a replay or backfill about to apply it, a duplicate delivery). */
    note,

    /** Takes the event's lock (`taken`), or says it is settled already, or that another attempt holds it. */
    async acquire(id: string, token: string, ttlMs: number): Promise<'taken' | 'settled' | 'busy'> {
      const k = keys(id);
      const [outcome, version] = (await redis.eval(
        acquireScript,
        2,
        k.event,
        k.lock,
        token,
        String(ttlMs),
      )) as [number, number];
      if (outcome === 2) return 'settled';
      if (outcome === 0) return 'busy';
      const created = Number(await redis.hget(k.event, 'created'));
      await setStatusIndex(id, created, 'processing', Number(version));
      return 'taken';
    },

    async release(id: string, token: string): Promise<void> {
      await redis.eval(releaseScript, 1, keys(id).lock, token);
    },
  };
}

export type StripeEventLog = ReturnType<typeof stripeEventLog>;
