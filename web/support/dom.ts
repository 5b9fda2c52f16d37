type Attributes = Record<string, string | boolean | undefined>;

/** Builds an element. Text goes in as text nodes, never as HTML: attribute values from the page stay inert. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null) element.append(child);
  return element;
}

let counter = 0;
/** A prefix for the ids of one rendered ask, so labels point at their own fields when a page has several. */
export function uniqueId(): string {
  counter += 1;
  return `rs${counter}`;
}

/** Runs an event handler so that nothing it throws or rejects ever reaches the page. */
export function guard<E extends Event>(
  handler: (event: E) => void | Promise<void>,
  report: (error: unknown) => void,
): (event: E) => void {
  return (event) => {
    try {
      const result = handler(event);
      if (result) result.catch(report);
    } catch (error) {
      report(error);
    }
  };
}

/** 16 random bytes as hex: an idempotency key (crypto.randomUUID needs a secure context; this does not). */
export function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
