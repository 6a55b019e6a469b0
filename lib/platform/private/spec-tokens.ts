import { Token } from 'aws-cdk-lib';
import { MlopsValidationError, ValidationProblem } from '../../core/errors';
import { formatPath, renderValue } from '../../core/validation';

/**
 * Refuse text in a spec document that aws-cdk-lib would take for a deploy-time token
 * (`${Token[TOKEN.5]}`, `#{Token[…]}`, or a number that is a token's encoding). A file holds no
 * deploy-time values; left in, such text is not judged by the schemas (tokens never are) and then
 * fails the AWS synthesis with aws-cdk-lib's `UnrecognizedTokenKey` (found by the spec fuzz test).
 *
 * @param value the parsed document
 * @param where the construct path to name
 * @param locate adds the document's line and column to a problem
 */
export function rejectTokenText(value: unknown, where: string, locate: (p: ValidationProblem) => ValidationProblem): void {
  const problems: ValidationProblem[] = [];
  const visit = (v: unknown, at: Array<string | number>): void => {
    if ((typeof v === 'string' && (Token.isUnresolved(v) || Token.isUnresolved([v]))) || (typeof v === 'number' && Token.isUnresolved(v))) {
      problems.push(locate({
        constructPath: where,
        property: formatPath(at),
        received: typeof v === 'string' ? renderValue(v) : String(v),
        allowed: 'must not be the text of a CDK token: a spec file holds plain values (pass deploy-time values in code)',
      }));
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((child, i) => visit(child, [...at, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        visit(child, [...at, k]);
      }
    }
  };
  visit(value, []);
  if (problems.length > 0) {
    throw new MlopsValidationError(problems, 'document');
  }
}
