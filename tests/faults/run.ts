/**
 * `npm run test:faults [-- jest args]`: runs the fault scenarios (tests/faults/*.faults.ts, one at a time: they
 * start their own service processes and Redis servers), then prints one table of what each sent, got
 * acknowledged, applied, lost, duplicated and gave to the wrong people. Exit code: jest's.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRow } from './report';

async function main(): Promise<number> {
  const report = join(mkdtempSync(join(tmpdir(), 'rs-faults-report-')), 'rows.jsonl');
  const jest = spawn(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--config', 'tests/faults/jest.config.js', ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, FAULTS_REPORT: report } },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => jest.kill(signal));
  const code = await new Promise<number>((done) => jest.once('exit', (exit) => done(exit ?? 1)));
  const rows: FaultRow[] = existsSync(report)
    ? readFileSync(report, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FaultRow)
    : [];
  printTable(rows);
  return code;
}

function printTable(rows: FaultRow[]): void {
  const columns = [
    'scenario',
    'sent',
    'acknowledged',
    'applied',
    'lost',
    'duplicated',
    'wrongPeople',
  ] as const;
  const cells = rows.map((row) => columns.map((column) => String(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(`\nFault suite: ${rows.length} scenarios`);
  console.log(line([...columns]));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const values of cells) console.log(line(values));
  console.log('');
  for (const row of rows) console.log(`${row.scenario}: ${row.notes}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
