import { invalidRequest } from './errors';

type Node = Record<string, unknown>;

/** Fields Stripe only includes when expanded (a session's `line_items`, an invoice's `payments`). */
export type VirtualFields = Record<string, Record<string, (row: Node) => unknown>>;

export interface Expander {
  find(id: string): object | undefined;
  virtualFields: VirtualFields;
  /** Expandable fields an object leaves out until they apply (a refund's `failure_balance_transaction`). */
  absentUntilSet?: Record<string, string[]>;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function expandAt(node: Node, segments: string[], fullPath: string, expander: Expander): void {
  const [key, ...rest] = segments;
  if (key === undefined) return;
  const virtual = expander.virtualFields[String(node.object)]?.[key];
  if (virtual) {
    node[key] = virtual(node);
  } else if (typeof node[key] === 'string') {
    const found = expander.find(node[key] as string);
    if (found) node[key] = structuredClone(found);
  } else if (!(key in node)) {
    if (expander.absentUntilSet?.[String(node.object)]?.includes(key)) return;
    throw invalidRequest(`This property cannot be expanded (${key}).`, 'expand');
  }
  const value = node[key];
  if (rest.length === 0 || value === null) return;
  const children = Array.isArray(value)
    ? value
    : isNode(value) && value.object === 'list' && rest[0] === 'data'
      ? (value.data as unknown[])
      : [value];
  const childPath = isNode(value) && value.object === 'list' && rest[0] === 'data' ? rest.slice(1) : rest;
  for (const child of children) if (isNode(child)) expandAt(child, childPath, fullPath, expander);
}

/** Applies `expand[]` to a response (an object, or a list whose paths start with `data.`), on a copy. */
export function expandResponse(body: object, paths: string[], expander: Expander): object {
  if (paths.length === 0) return structuredClone(body);
  const copy = structuredClone(body) as Node;
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > 4)
      throw invalidRequest('You cannot expand more than 4 levels of a property.', 'expand');
    if (copy.object === 'list') {
      if (segments[0] !== 'data')
        throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
      for (const item of copy.data as unknown[])
        if (isNode(item)) expandAt(item, segments.slice(1), path, expander);
    } else {
      expandAt(copy, segments, path, expander);
    }
  }
  return copy;
}
