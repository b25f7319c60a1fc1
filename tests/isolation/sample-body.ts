/**
 * A minimal valid value for a route's JSON schema, so every route can be
 * called without anyone writing its body by hand. Id-shaped strings get the
 * victim agency's ids: that is the point of the isolation suite.
 */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  minProperties?: number;
  default?: unknown;
};

const ID_PATTERN = '^[a-f0-9]{24}$';

export function sampleFromSchema(schema: JsonSchema | undefined, idFor: (field: string) => string, field = ''): unknown {
  if (!schema) return undefined;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const nonNull = variants.find((v) => v.type !== 'null') ?? variants[0];
    return sampleFromSchema(nonNull, idFor, field);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      // Fill required fields; when an object needs at least one property, fill the first optional one too.
      const names = Object.keys(props).filter((k) => required.has(k));
      if (names.length < (schema.minProperties ?? 0)) names.push(...Object.keys(props).filter((k) => !required.has(k)).slice(0, (schema.minProperties ?? 0) - names.length));
      for (const name of names) out[name] = sampleFromSchema(props[name], idFor, name);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleFromSchema(schema.items, idFor, field));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string': {
      if (schema.pattern === ID_PATTERN) return idFor(field);
      if (schema.format === 'email') return `isolation-${Math.random().toString(36).slice(2)}@example.com`;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'uri') return 'https://example.com/';
      if (schema.pattern === '^[A-Z]{3}$') return 'USD';
      const min = Math.max(schema.minLength ?? 1, 10);
      return 'isolation_probe'.padEnd(min, 'x');
    }
    default:
      return undefined;
  }
}
