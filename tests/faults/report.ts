import { appendFileSync } from 'node:fs';

/** One line of the fault table: what a scenario sent, what was acknowledged, applied, lost, doubled, misplaced. */
export interface FaultRow {
  scenario: string;
  sent: number;
  acknowledged: number;
  applied: number;
  lost: number;
  duplicated: number;
  wrongPeople: number;
  /** Figures of the scenario's own (refusals by status, memory, latency), printed beside the row. */
  notes: string;
}

/** Prints the row and, under `npm run test:faults`, adds it to the table the runner prints at the end. */
export function reportRow(row: FaultRow): void {
  process.stdout.write(`faults: ${JSON.stringify(row)}\n`);
  const file = process.env.FAULTS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
