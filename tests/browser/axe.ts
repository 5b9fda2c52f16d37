import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page (or within `selector`), each as "rule: help — targets".
 * Evaluated through the DevTools protocol, which the pages' CSP (no inline script) does not govern.
 */
export async function seriousViolations(page: Page, selector?: string): Promise<string[]> {
  await page.evaluate(axeSource);
  const context = selector ? JSON.stringify(selector) : 'document';
  return page.evaluate<string[]>(`axe.run(${context}, { resultTypes: ['violations'] }).then((result) =>
    result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.help + ' — ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`);
}
