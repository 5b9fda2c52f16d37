import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OffsetClock, type StandInClock } from './clock';
import { type StandInStore, Table } from './store';

/**
 * The stand-in's state on disk (the `stateFile` option): every table, the extras maps, the events, the clock, the
 * invoice numbering and the webhook secret, so a restarted stand-in answers for what it made before.
 *
 * Objects the store shares between rows (a price inside a subscription's item and in the prices table, a dispute's
 * balance transactions) are written once and referenced after, so they are shared again once loaded.
 */

export const stateFileVersion = 1;

export interface StandInState {
  version: typeof stateFileVersion;
  /** Real time of the save, ms. */
  savedAt: number;
  /** The clock when saved: its time (ms), and its offset from real time when it is an `OffsetClock`. */
  clock: { now: number; offsetMs: number | null };
  invoiceSequence: number;
  webhookSecret: string;
  /** The store, field by field, in the graph encoding below. */
  store: unknown;
}

/** What a state file restores into (the simulator's pieces, so this module does not depend on it). */
export interface Restorable {
  store: StandInStore;
  clock: StandInClock;
  invoiceSequence: number;
}

type StoredField =
  | { table: unknown[] }
  | { map: [unknown, unknown][] }
  | { set: unknown[] }
  | { value: unknown };

/** The state to write. */
export function captureState(target: Restorable, webhookSecret: string): StandInState {
  const fields: Record<string, StoredField> = {};
  for (const [name, value] of Object.entries(target.store)) {
    if (value instanceof Table) fields[name] = { table: value.all() };
    else if (value instanceof Map) fields[name] = { map: [...value.entries()] };
    else if (value instanceof Set) fields[name] = { set: [...value] };
    else if (value === null || typeof value !== 'object') fields[name] = { value };
    else throw new Error(`stripe-local cannot save the store's field ${name}`);
  }
  return {
    version: stateFileVersion,
    savedAt: Date.now(),
    clock: {
      now: target.clock.now(),
      offsetMs: target.clock instanceof OffsetClock ? target.clock.offset : null,
    },
    invoiceSequence: target.invoiceSequence,
    webhookSecret,
    store: encodeGraph(fields),
  };
}

/**
 * Loads a saved state into a fresh stand-in. The clock never moves back: an `OffsetClock` gets its saved offset
 * from real time (the time spent stopped passes, as it does on Stripe), any other movable clock the saved time
 * when it is behind it. What fell due while stopped runs at the next catch-up.
 */
export function restoreState(target: Restorable, state: StandInState): void {
  const fields = decodeGraph(state.store) as Record<string, StoredField>;
  const store = target.store as unknown as Record<string, unknown>;
  for (const [name, saved] of Object.entries(fields)) {
    const current = store[name];
    if ('table' in saved && current instanceof Table) {
      current.clear();
      for (const row of saved.table) current.insert(row as { id: string });
    } else if ('map' in saved && current instanceof Map) {
      current.clear();
      for (const [key, value] of saved.map) current.set(key, value);
    } else if ('set' in saved && current instanceof Set) {
      current.clear();
      for (const value of saved.set) current.add(value);
    } else if ('value' in saved && (current === null || typeof current !== 'object')) {
      store[name] = saved.value;
    }
    // A field this version no longer has (or holds differently) is left out.
  }
  target.invoiceSequence = state.invoiceSequence;
  const set = target.clock.set?.bind(target.clock);
  if (set) {
    const to =
      target.clock instanceof OffsetClock && state.clock.offsetMs !== null
        ? target.clock.now() - target.clock.offset + state.clock.offsetMs
        : state.clock.now;
    if (to > target.clock.now()) set(to);
  }
}

/** A state file that cannot be used: the message names it and says what to do. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** The saved state, or null when there is no file yet. */
export function readStateFile(path: string): StandInState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let state: Partial<StandInState>;
  try {
    state = JSON.parse(text) as Partial<StandInState>;
  } catch (error) {
    throw new StateFileError(
      `${path} is not JSON (${(error as Error).message}): move it away to start with an empty stand-in`,
    );
  }
  if (state.version !== stateFileVersion || typeof state.webhookSecret !== 'string' || !state.clock) {
    throw new StateFileError(
      `${path} is not a stripe-local state file of version ${stateFileVersion}: move it away to start with an empty stand-in`,
    );
  }
  return state as StandInState;
}

/** Writes whole files only: to a temporary file beside it, then renamed over it (readable by its owner only). */
export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export interface StateWriterOptions {
  /** Quiet time after the last change before writing (default 200 ms). */
  delayMs?: number;
  /** Longest a change waits while changes keep coming (default 2 s). */
  maxDelayMs?: number;
  /** A write that failed (default: one line on stderr; the stand-in keeps running). */
  onError?: (error: Error) => void;
}

/** Writes the state a while after changes (debounced) and on `close()`; skips a write that would change nothing. */
export class StateWriter {
  private timer: NodeJS.Timeout | null = null;
  private firstChangeAt: number | null = null;
  private lastWritten: string | null = null;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly capture: () => StandInState,
    private readonly options: StateWriterOptions = {},
  ) {}

  /** Something may have changed: write soon. */
  changed(): void {
    if (this.closed) return;
    const now = Date.now();
    this.firstChangeAt ??= now;
    if (this.timer) clearTimeout(this.timer);
    const waited = now - this.firstChangeAt;
    const delay = Math.max(
      0,
      Math.min(this.options.delayMs ?? 200, (this.options.maxDelayMs ?? 2000) - waited),
    );
    this.timer = setTimeout(() => this.flush(), delay);
    this.timer.unref();
  }

  /** Writes now if anything changed since the last write. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.firstChangeAt = null;
    try {
      const state = this.capture();
      // `savedAt` alone does not make a write.
      const text = JSON.stringify(state);
      const comparable = JSON.stringify({ ...state, savedAt: 0 });
      if (comparable === this.lastWritten) return;
      writeFileAtomically(this.path, text);
      this.lastWritten = comparable;
    } catch (error) {
      const report =
        this.options.onError ??
        ((e: Error) => process.stderr.write(`stripe-local: could not save ${this.path}: ${e.message}\n`));
      report(error as Error);
    }
  }

  /** Writes what is left and stops. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  /** What was last written is already on disk (a loaded file counts as written). */
  markWritten(state: StandInState): void {
    this.lastWritten = JSON.stringify({ ...state, savedAt: 0 });
  }
}

const refKey = '$stripe-local:ref';
const defKey = '$stripe-local:def';
const numberKey = '$stripe-local:number';

/**
 * JSON for a graph of plain objects: an object reached twice is written once (`{def: n, value}`) and referenced
 * after (`{ref: n}`); non-finite numbers (a subscription set to fail every retry) are written as strings.
 */
export function encodeGraph(root: unknown): unknown {
  const seen = new Map<object, number>();
  const count = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const times = seen.get(value) ?? 0;
    seen.set(value, times + 1);
    if (times > 0) return;
    // Plain objects only (of any realm: a test runner's objects have their own Object.prototype).
    const prototype = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== null && Object.getPrototypeOf(prototype) !== null) {
      throw new Error(`stripe-local cannot save a ${value.constructor?.name ?? 'non-plain object'}`);
    }
    for (const child of Object.values(value)) count(child);
  };
  count(root);
  const ids = new Map<object, number>();
  const encode = (value: unknown): unknown => {
    if (typeof value === 'number') return Number.isFinite(value) ? value : { [numberKey]: String(value) };
    if (value === null || typeof value !== 'object') return value;
    const known = ids.get(value);
    if (known !== undefined) return { [refKey]: known };
    const shared = (seen.get(value) ?? 0) > 1;
    const id = ids.size;
    if (shared) ids.set(value, id);
    const body = Array.isArray(value)
      ? value.map(encode)
      : Object.fromEntries(
          Object.entries(value)
            .filter(([, child]) => child !== undefined)
            .map(([key, child]) => [key, encode(child)]),
        );
    return shared ? { [defKey]: id, value: body } : body;
  };
  return encode(root);
}

/** The inverse of `encodeGraph`: shared objects are one object again. */
export function decodeGraph(encoded: unknown): unknown {
  const defined = new Map<number, unknown>();
  const fill = (target: unknown[] | Record<string, unknown>, body: unknown): void => {
    if (Array.isArray(target)) {
      for (const child of body as unknown[]) target.push(decode(child));
    } else {
      for (const [key, child] of Object.entries(body as Record<string, unknown>)) target[key] = decode(child);
    }
  };
  const decode = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(decode);
    const record = value as Record<string, unknown>;
    if (refKey in record) {
      const id = record[refKey] as number;
      if (!defined.has(id)) throw new Error(`a reference to object ${id} before its definition`);
      return defined.get(id);
    }
    if (numberKey in record) return Number(record[numberKey]);
    if (defKey in record) {
      const body = record.value;
      const target: unknown[] | Record<string, unknown> = Array.isArray(body) ? [] : {};
      defined.set(record[defKey] as number, target);
      fill(target, body);
      return target;
    }
    const target: Record<string, unknown> = {};
    fill(target, record);
    return target;
  };
  return decode(encoded);
}
