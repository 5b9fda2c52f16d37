import { pageWords } from '../packages/stripe-local/src/pages/words';
import { adminWords } from '../src/admin-page/words';
import { demoArticles } from '../src/demo/article';
import { signInWords } from '../src/signin/messages';
import { words } from '../web/support/words';

/**
 * French as a French newsroom prints it, in every French text the project shows a reader or finance: a non-breaking space
 * before « : », a narrow one before « ; ! ? », non-breaking spaces inside « guillemets », and the typographic
 * apostrophe (’), never the straight one. Each table is walked; functions are called with sample arguments.
 */
function texts(value: unknown, path: string): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function') {
    const sample = (value as (...args: unknown[]) => unknown)('X', 'Y', 'Z', 'W', 'V');
    return texts(sample, `${path}()`);
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => texts(item, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => texts(item, `${path}.${key}`));
  return [];
}

const rules: Array<[string, RegExp]> = [
  ['an ordinary space before : (wants U+00A0)', /[^\u00a0\d] :|^ :/],
  ['an ordinary space before ; ! ? (wants U+202F)', / [;!?]/],
  ['an ordinary space inside « » (wants U+00A0)', /« | »/],
  ['a straight apostrophe (wants ’)', /[A-Za-zÀ-ÿ]'[A-Za-zÀ-ÿ]/],
];

describe.each([
  ['the banner script', words.fr],
  ['the sign-in e-mail and pages', signInWords.fr],
  ['the demo article', demoArticles.fr],
  ['the stand-in’s pages', pageWords.fr],
  ['the finance page', adminWords.fr],
])('French typography in %s', (_name, table) => {
  it.each(rules)('no %s', (_rule, pattern) => {
    const offending = texts(table, 'fr')
      .filter(([, text]) => pattern.test(text))
      .map(([path, text]) => `${path}: ${text}`);
    expect(offending).toEqual([]);
  });
});
