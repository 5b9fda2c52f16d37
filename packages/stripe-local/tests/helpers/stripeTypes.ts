import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { createGenerator, ExposeNodeParser, symbolAtNode } from 'ts-json-schema-generator';

/**
 * Stripe's published types, as JSON Schema: generated from the `stripe` package's own `.d.ts` (the types of the API
 * version it pins) by ts-json-schema-generator, with every object closed (`additionalProperties: false`: no field
 * Stripe does not have) and every union of string literals an enum; validated with ajv. The schema is generated
 * once per `stripe` version and cached under node_modules/.cache (about 15 s on this machine).
 */

const entry = join(__dirname, 'stripeTypes.entry.ts');

/** An installed package's folder (their `exports` do not open `package.json`). */
function folderOf(pkg: string): string {
  const main = require.resolve(pkg);
  const folder = `node_modules/${pkg}`;
  return main.slice(0, main.lastIndexOf(`${folder}/`) + folder.length);
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(folderOf(pkg), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * Two of Stripe's modules export an interface of the same name (`Card`, and `Issuing.Card` is also `Card` in its
 * module), which the generator names alike and refuses: the definition's name is given its module ("Cards:Card",
 * "Issuing/Cards:Card"), a naming choice the generator leaves to this one method.
 */
function nameDefinitionsByModule(): void {
  const parser = ExposeNodeParser.prototype as unknown as {
    getDefinitionName(
      this: { typeChecker: import('typescript').TypeChecker },
      node: never,
      context: never,
    ): string;
  };
  const byName = parser.getDefinitionName;
  if ((byName as { byModule?: true }).byModule) return;
  const byModule = function (
    this: { typeChecker: import('typescript').TypeChecker },
    node: never,
    context: never,
  ) {
    const name = byName.call(this, node, context);
    const module = /^"(.*)"\./.exec(this.typeChecker.getFullyQualifiedName(symbolAtNode(node) as never))?.[1];
    if (!module) return name;
    return `${module.replace(/^.*\/stripe\/(cjs|esm)\//, '').replace(/^resources\//, '')}:${name}`;
  };
  parser.getDefinitionName = Object.assign(byModule, { byModule: true as const });
}

type Schema = { definitions: Record<string, { properties?: Record<string, { const?: unknown }> }> };

function generate(): Schema {
  const cache = join(dirname(folderOf('stripe')), '.cache', 'stripe-local');
  const generator = versionOf('ts-json-schema-generator');
  const file = join(cache, `closed-enums-stripe-${versionOf('stripe')}-generator-${generator}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Schema;
  nameDefinitionsByModule();
  const schema = createGenerator({
    path: entry,
    tsconfig: join(__dirname, '..', '..', 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: false,
    jsDoc: 'none',
    skipTypeCheck: true,
    additionalProperties: false,
  }).createSchema('*') as unknown as Schema;
  closeEnums(schema);
  mkdirSync(cache, { recursive: true });
  writeFileSync(file, JSON.stringify(schema));
  return schema;
}

/**
 * The SDK types each enum as its published values `| OtherString` (any string, so an integration built today takes
 * tomorrow's values). A stand-in must render only published values: the `OtherString` branch is taken out of every
 * union, which leaves the enum strict.
 */
function closeEnums(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) closeEnums(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  if (Array.isArray(object.anyOf)) {
    object.anyOf = object.anyOf.filter(
      (branch) => (branch as { $ref?: string }).$ref !== '#/definitions/shared%3AOtherString',
    );
  }
  for (const value of Object.values(object)) closeEnums(value);
}

export interface Violation {
  /** Where in the sample it was found (`event charge.refunded evt_…`, `answer charges.retrieve`). */
  where: string;
  /** The object's kind and the definitions tried. */
  kind: string;
  errors: string[];
}

/** Checks objects and events against Stripe's types; collects every violation instead of stopping at the first. */
export class StripeTypes {
  private readonly ajv: Ajv;
  private readonly byKind = new Map<string, string[]>();
  private readonly byEventType = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly violations: Violation[] = [];
  /** How many objects were checked, by kind (`event:charge.refunded`, `charge`, …). */
  readonly checked = new Map<string, number>();

  constructor() {
    const schema = generate();
    this.ajv = new Ajv({ allErrors: true, strict: false });
    this.ajv.addSchema(schema, 'stripe');
    for (const [name, definition] of Object.entries(schema.definitions)) {
      const kind = definition.properties?.object?.const;
      if (typeof kind !== 'string' || name.includes('.') || name.includes('<')) continue;
      if (kind === 'event') {
        const type = definition.properties?.type?.const;
        if (typeof type === 'string') this.byEventType.set(type, name);
      } else {
        this.byKind.set(kind, [...(this.byKind.get(kind) ?? []), name]);
      }
    }
  }

  private validator(name: string): ValidateFunction {
    let validate = this.compiled.get(name);
    if (!validate) {
      validate = this.ajv.getSchema(`stripe#/definitions/${encodeURIComponent(name)}`);
      if (!validate) throw new Error(`no definition ${name} in Stripe's types`);
      this.compiled.set(name, validate);
    }
    return validate;
  }

  private count(kind: string): void {
    this.checked.set(kind, (this.checked.get(kind) ?? 0) + 1);
  }

  /** An event, against the type Stripe publishes for its `type` (the envelope and `data.object` both closed). */
  checkEvent(event: { id: string; type: string }): void {
    const name = this.byEventType.get(event.type);
    this.count(`event:${event.type}`);
    if (!name) {
      this.violations.push({
        where: `event ${event.type} ${event.id}`,
        kind: event.type,
        errors: ['no such type'],
      });
      return;
    }
    const validate = this.validator(name);
    if (!validate(json(event))) {
      this.violations.push({
        where: `event ${event.type} ${event.id}`,
        kind: name,
        errors: describe(validate.errors),
      });
    }
  }

  /**
   * Every Stripe object in an answer: an object is checked against the definitions of its `object` kind (a
   * customer may be a deleted one), a list's items one by one, an array's elements likewise.
   */
  checkAnswer(where: string, answer: unknown): void {
    if (Array.isArray(answer)) {
      for (const item of answer) this.checkAnswer(where, item);
      return;
    }
    if (answer === null || typeof answer !== 'object') return;
    const kind = (answer as { object?: unknown }).object;
    if (kind === 'list') {
      this.checkAnswer(where, (answer as { data: unknown[] }).data);
      return;
    }
    if (typeof kind !== 'string') {
      this.violations.push({ where, kind: String(kind), errors: ['not a Stripe object'] });
      return;
    }
    if (kind === 'event') {
      this.checkEvent(answer as { id: string; type: string });
      return;
    }
    this.count(kind);
    const names = this.byKind.get(kind) ?? [];
    const tries = names.map((name) => {
      const validate = this.validator(name);
      return validate(json(answer)) ? [] : describe(validate.errors);
    });
    if (!tries.some((errors) => errors.length === 0)) {
      const fewest = tries.sort((a, b) => a.length - b.length)[0] ?? ['no such kind'];
      this.violations.push({ where, kind: names.join(' | ') || kind, errors: fewest });
    }
  }
}

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 20).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ${String((e.params as { additionalProperty: string }).additionalProperty)}`
        : e.keyword === 'enum' || e.keyword === 'const'
          ? ` ${JSON.stringify(e.params)}`
          : '';
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
  });
}
