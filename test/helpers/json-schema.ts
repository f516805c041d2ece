/**
 * A minimal JSON Schema (2020-12) checker for the subset docs/events.schema.json
 * uses, so the test validates the very file users get without a validator
 * dependency. It refuses any keyword it does not implement (`schemaKeywords`),
 * so the schema cannot grow past what this checks without the test noticing.
 *
 * `strict` also reports properties an object schema does not declare: the
 * published schema allows unknown properties (later releases add fields), but
 * every field Flotilla emits today must be in it.
 */

type Schema = Record<string, unknown> | boolean;

const KNOWN = new Set([
  "$schema",
  "$defs",
  "$ref",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "oneOf",
  "minimum",
]);

/** Keywords in `schema` (anywhere) this checker does not implement. */
export function unknownKeywords(schema: unknown, path = "#"): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (!KNOWN.has(key)) found.push(`${path}/${key}`);
    if (key === "properties" || key === "$defs") {
      for (const [name, sub] of Object.entries(value as object))
        found.push(...unknownKeywords(sub, `${path}/${key}/${name}`));
    } else if (key === "oneOf") {
      (value as unknown[]).forEach((sub, i) => {
        found.push(...unknownKeywords(sub, `${path}/oneOf/${i}`));
      });
    } else if (key === "items" || key === "additionalProperties") {
      found.push(...unknownKeywords(value, `${path}/${key}`));
    }
  }
  return found;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(wanted: string, actual: string): boolean {
  return wanted === actual || (wanted === "number" && actual === "integer");
}

export class SchemaChecker {
  constructor(
    private readonly root: Record<string, unknown>,
    private readonly strict = false,
  ) {}

  /** Every violation of `value` against the root schema, as `path: why`; empty when valid. */
  errors(value: unknown): string[] {
    return this.check(this.root, value, "$", []);
  }

  private resolve(ref: string): Schema {
    const match = /^#\/\$defs\/([\w-]+)$/.exec(ref);
    const defs = this.root.$defs as Record<string, Schema> | undefined;
    const target = match?.[1] === undefined ? undefined : defs?.[match[1]];
    if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
    return target;
  }

  private check(schema: Schema, value: unknown, path: string, inherited: string[]): string[] {
    if (schema === true) return [];
    if (schema === false) return [`${path}: not allowed`];
    if (typeof schema.$ref === "string") return this.check(this.resolve(schema.$ref), value, path, inherited);
    const errors: string[] = [];
    const actual = typeOf(value);
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => typeMatches(t, actual))) return [`${path}: ${actual}, not ${types.join(" | ")}`];
    }
    if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
      errors.push(`${path}: not ${JSON.stringify(schema.const)}`);
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      errors.push(`${path}: ${JSON.stringify(value)} not one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum) {
      errors.push(`${path}: below ${schema.minimum}`);
    }
    if (actual === "array" && schema.items !== undefined) {
      (value as unknown[]).forEach((item, i) => {
        errors.push(...this.check(schema.items as Schema, item, `${path}[${i}]`, []));
      });
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    if (actual === "object") {
      const object = value as Record<string, unknown>;
      for (const name of (schema.required ?? []) as string[]) {
        if (!(name in object)) errors.push(`${path}: missing ${name}`);
      }
      const declared = [...inherited, ...Object.keys(properties)];
      for (const [name, field] of Object.entries(object)) {
        const sub = properties[name];
        if (sub !== undefined) errors.push(...this.check(sub, field, `${path}.${name}`, []));
        else if (schema.additionalProperties !== undefined) {
          errors.push(...this.check(schema.additionalProperties as Schema, field, `${path}.${name}`, []));
        } else if (this.strict && schema.oneOf === undefined && !declared.includes(name)) {
          errors.push(`${path}.${name}: not declared in the schema`);
        }
      }
    }
    if (Array.isArray(schema.oneOf)) {
      const results = (schema.oneOf as Schema[]).map((branch) =>
        this.check(branch, value, path, [...inherited, ...Object.keys(properties)]),
      );
      const passing = results.filter((r) => r.length === 0).length;
      if (passing !== 1) {
        const closest = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
        errors.push(
          `${path}: matches ${passing} of oneOf, expected 1${passing === 0 ? `; closest: ${closest.join("; ")}` : ""}`,
        );
      }
    }
    return errors;
  }
}
