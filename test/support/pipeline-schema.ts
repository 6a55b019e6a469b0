import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';

const DIR = path.join(__dirname, '..', '..', 'schemas', 'sagemaker');

/**
 * The published SageMaker pipeline definition schema with the documented additions of
 * `pipeline-definition.overlay.json` (and nothing else) applied.
 */
export function pipelineDefinitionValidator(): ValidateFunction {
  return pipelineSchemaAjv().getSchema('pipeline')!;
}

/** A validator of one definition of the schema (e.g. `ProcessingStep`), for precise errors. */
export function pipelineStepValidator(definition: string): ValidateFunction {
  return pipelineSchemaAjv().getSchema(`pipeline#/definitions/${definition}`)!;
}

let cached: Ajv | undefined;
function pipelineSchemaAjv(): Ajv {
  if (cached) {
    return cached;
  }
  const schema = JSON.parse(fs.readFileSync(path.join(DIR, 'pipeline-definition.schema.json'), 'utf8'));
  const overlay = JSON.parse(fs.readFileSync(path.join(DIR, 'pipeline-definition.overlay.json'), 'utf8'));
  const at = (p: string[]) => p.reduce((o: any, k) => o[k], schema);
  for (const a of overlay.addProperties) {
    at(a.at)[a.name] = a.schema;
  }
  Object.assign(schema.definitions, overlay.addDefinitions);
  for (const [name, def] of Object.entries(overlay.replaceDefinitions)) {
    if (!name.startsWith('$')) {
      schema.definitions[name] = def;
    }
  }
  for (const e of overlay.extendOneOf) {
    at(e.at).push(e.schema);
  }
  delete schema.$schema;
  delete schema.$id;
  cached = new Ajv({ strict: false, allErrors: true });
  cached.addSchema(schema, 'pipeline');
  return cached;
}
