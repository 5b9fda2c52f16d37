/**
 * The stand-in's own clock, in milliseconds since the epoch: the same shape as the service's `Clock`, so one
 * manual clock can drive both in an end-to-end test.
 */
export interface StandInClock {
  now(): number;
  /** Present on clocks the stand-in may move itself (`control.advanceClock`). */
  set?(ms: number): void;
}

/** Real time plus an offset: starts at real time, keeps ticking, and jumps forward when advanced. */
export class OffsetClock implements StandInClock {
  private offsetMs = 0;
  constructor(private readonly realNow: () => number = Date.now) {}
  now(): number {
    return this.realNow() + this.offsetMs;
  }
  set(ms: number): void {
    this.offsetMs = ms - this.realNow();
  }
  /** How far ahead of real time it is, ms (kept in a state file). */
  get offset(): number {
    return this.offsetMs;
  }
}

/** A clock that only moves when told to (deterministic tests). */
export class FrozenClock implements StandInClock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

export const secondsOf = (ms: number): number => Math.floor(ms / 1000);
