/**
 * One problem found in a construct's input.
 *
 * @internal TypeScript-only (jsii cannot express a subclass of `Error`); other languages use `Errors`.
 */
export interface ValidationProblem {
  /**
   * Path of the construct whose props were rejected, e.g. `FraudStack/Registry`.
   */
  readonly constructPath: string;

  /**
   * Path of the property inside the props, e.g. `crossAccountReadAccountIds[0]`.
   * Empty when the problem concerns the props object as a whole.
   */
  readonly property: string;

  /**
   * The value that was received, rendered as compact JSON.
   */
  readonly received: string;

  /**
   * What would have been accepted, in words.
   */
  readonly allowed: string;
}

const BRAND = Symbol.for('cdk-mlops.MlopsValidationError');

// jsii only accepts class declarations as base classes: this hop keeps `Error` out of its view.
abstract class MlopsError extends Error {}

/**
 * The one error thrown for bad input by every cdk-mlops construct and core function.
 *
 * All problems found in one construct's props are reported together, one per line:
 *
 * ```text
 * FraudStack/Registry: crossAccountReadAccountIds[0] must be a 12-digit AWS account id; got "12345"
 * ```
 *
 * @internal TypeScript-only (jsii cannot express a subclass of `Error`); other languages use `Errors`.
 */
export class MlopsValidationError extends MlopsError {
  /**
   * Whether `x` is a `MlopsValidationError`, also across copies of this library.
   */
  public static isMlopsValidationError(x: any): boolean {
    return x !== null && typeof x === 'object' && BRAND in x;
  }

  /**
   * Render one problem as a line of the error message.
   */
  public static formatProblem(problem: ValidationProblem): string {
    const subject = problem.property === '' ? 'props' : problem.property;
    return `${problem.constructPath}: ${subject} ${problem.allowed}; got ${problem.received}`;
  }

  /**
   * Every problem found, in the order they were found.
   */
  public readonly problems: ValidationProblem[];

  constructor(problems: ValidationProblem[]) {
    super(
      problems.length === 1
        ? MlopsValidationError.formatProblem(problems[0])
        : `${problems.length} problems:\n${problems.map((p) => `  - ${MlopsValidationError.formatProblem(p)}`).join('\n')}`,
    );
    Object.defineProperty(this, BRAND, { value: true });
    Object.setPrototypeOf(this, MlopsValidationError.prototype);
    this.name = 'MlopsValidationError';
    this.problems = problems;
  }
}

/**
 * Helpers about the errors cdk-mlops throws, usable from every jsii language.
 */
export class Errors {
  /**
   * Whether `x` is the validation error cdk-mlops throws for bad input (`MlopsValidationError`),
   * also across copies of this library.
   */
  public static isMlopsValidationError(x: any): boolean {
    return MlopsValidationError.isMlopsValidationError(x);
  }

  private constructor() {}
}
