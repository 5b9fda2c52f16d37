import { invalidRequest } from './errors';

/** A value decoded from Stripe's form encoding: strings, nested hashes and arrays. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Splits `a[b][0][]` into `['a', 'b', '0', '']`. */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open < 0) return [key];
  const path = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  for (const match of key.slice(open).matchAll(pattern)) path.push(match[1] ?? '');
  return path;
}

function assign(target: FormObject, path: string[], value: string, fullKey: string): void {
  let node: FormObject = target;
  for (let i = 0; i < path.length; i++) {
    const raw = path[i] ?? '';
    const last = i === path.length - 1;
    // `a[]=x` appends: give it the next free index so it ends up in an array like `a[0]=x`.
    const segment = raw === '' && i > 0 ? String(Object.keys(node).length) : raw;
    if (last) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === undefined) {
      const child: FormObject = {};
      node[segment] = child;
      node = child;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      node = next;
    } else {
      throw invalidRequest(`Invalid parameter structure at ${fullKey}`, fullKey);
    }
  }
}

/** Hashes whose keys are exactly 0..n-1 become arrays, recursively (`a[0]=x&a[1]=y` → `a: ['x', 'y']`). */
function arraysFromIndexes(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const key of keys) converted[key] = arraysFromIndexes(value[key] as FormValue);
  const isIndexed = keys.length > 0 && keys.every((key, i) => key === String(i));
  const sorted = [...keys].sort((a, b) => Number(a) - Number(b));
  const isSparseIndexed = keys.length > 0 && keys.every((key) => /^\d+$/.test(key));
  if (isIndexed || isSparseIndexed) return sorted.map((key) => converted[key] as FormValue);
  return converted;
}

/** Decodes an `application/x-www-form-urlencoded` body or query string the way Stripe reads it. */
export function parseStripeForm(text: string): FormObject {
  const root: FormObject = {};
  if (!text) return root;
  for (const [key, value] of new URLSearchParams(text)) assign(root, keyPath(key), value, key);
  return arraysFromIndexes(root) as FormObject;
}
