import type { Response } from 'express';

/**
 * Where a spreadsheet may start a cell that it would run as a formula (CSV injection): the start of the text, or
 * after a `;` or `,` — French Excel splits on `;`, and a quoted field does not stop it — past any spaces (plain,
 * no-break, ideographic), on `= + - @`, their fullwidth forms, a tab or a carriage return.
 */
const formulaStart = /(^|[;,])([ \u00a0\u3000]*)([=+\-@\t\r\uff1d\uff0b\uff0d\uff20])/g;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; every formula start is defused. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Raw event text (names, addresses) is the reader's: it must never run in finance's spreadsheet.
  if (typeof value === 'string') text = text.replace(formulaStart, "$1$2'$3");
  return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, CRLF-terminated. */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Starts a streamed CSV answer: no Content-Length, so Node sends it chunked as it is written. */
export function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
}

/** Writes a chunk, waiting for the socket to drain when its buffer is full (memory stays flat). */
export async function writeChunk(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resume) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resume();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
