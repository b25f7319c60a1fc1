/**
 * Two validators: bodies are validated strictly (no type coercion: "5" is not
 * a number and "x" is not ["x"]), while querystrings, params and headers,
 * which arrive as text, are coerced to the schema's types. Unknown fields are
 * never silently removed: schemas say `additionalProperties: false` and the
 * request fails with 400 naming the field.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

function makeAjv(options: Options) {
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function installValidators(app: FastifyInstance): void {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}
