import type { Response } from 'express';
import { csvLine, startCsv, writeChunk } from './csv';
import type { EventDetail, EventFilter, EventLogReader, EventRow } from './eventLogReader';

/** How logged events are shown: JSON with ISO 8601 UTC times, and CSV lines. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function eventRowJson(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    created: new Date(row.created).toISOString(),
    livemode: row.livemode,
    apiVersion: row.apiVersion,
    firstReceivedAt: iso(row.firstReceivedAt),
    lastReceivedAt: iso(row.lastReceivedAt),
    deliveries: row.deliveries,
    attempts: row.attempts,
    error: row.error,
    supporterId: row.supporterId,
    appliedAt: iso(row.appliedAt),
  };
}

export function eventDetailJson(detail: EventDetail) {
  return {
    ...eventRowJson(detail),
    raw: detail.raw,
    history: detail.history.map((line) => ({ ...line, at: new Date(line.at).toISOString() })),
  };
}

export const eventCsvHeader = csvLine([
  'id',
  'created',
  'type',
  'status',
  'livemode',
  'api_version',
  'deliveries',
  'attempts',
  'first_received_at',
  'last_received_at',
  'applied_at',
  'supporter_id',
  'error',
]);

export function eventCsvLine(row: EventRow): string {
  return csvLine([
    row.id,
    new Date(row.created).toISOString(),
    row.type,
    row.status,
    row.livemode,
    row.apiVersion,
    row.deliveries,
    row.attempts,
    iso(row.firstReceivedAt),
    iso(row.lastReceivedAt),
    iso(row.appliedAt),
    row.supporterId,
    row.error,
  ]);
}

/** Streams the matching events as CSV, a batch at a time (memory does not grow with the range). */
export async function streamEventsCsv(
  res: Response,
  events: EventLogReader,
  filter: EventFilter,
): Promise<void> {
  startCsv(res, 'events.csv');
  res.write(eventCsvHeader);
  for await (const rows of events.batches(filter)) {
    if (res.destroyed) return;
    await writeChunk(res, rows.map(eventCsvLine).join(''));
  }
  res.end();
}
