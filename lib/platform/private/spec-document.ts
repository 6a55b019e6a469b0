import * as YAML from 'yaml';
import { MlopsValidationError } from '../../core/errors';
import { renderValue } from '../../core/validation';

/**
 * Parse a spec document (YAML, of which JSON is a subset) into plain data, for a schema to check.
 * A document that does not parse is the one problem no schema can see: it is reported here, as the
 * same error type, naming the document.
 */
export function parseSpecDocument(text: string, name: string, where: string): unknown {
  try {
    const parsed = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    if (parsed.errors.length > 0) {
      throw parsed.errors[0];
    }
    return parsed.toJS();
  } catch (e) {
    throw new MlopsValidationError([{
      constructPath: where,
      property: name,
      received: renderValue(text.length > 60 ? `${text.slice(0, 57)}...` : text),
      allowed: `must be a YAML or JSON document (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
    }], 'document');
  }
}
