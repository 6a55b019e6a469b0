/**
 * One problem found in a construct's input.
 *
 * From TypeScript and JavaScript, read them on the error (`e.problems`); from every jsii language,
 * with `Errors.problemsOf(message)` (in Python, `core.Errors.problems_of(str(e))`).
 */
export interface ValidationProblem {
  /**
   * Path of the construct whose props were rejected, e.g. `FraudStack/Registry`.
   */
  readonly constructPath: string;

  /**
   * Path of the property inside the props, e.g. `crossAccountReadAccountIds[0]`, spelled as in the
   * language of the calling program (`cross_account_read_account_ids[0]` from Python), or as the key
   * of a spec file when the problem is in a file. Empty when the problem concerns the props object
   * as a whole.
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

/**
 * How property paths are spelled in messages: as the API names them in the calling program's
 * language, or as the keys of a spec document (YAML / JSON keys are the same in every language).
 *
 * @internal
 */
export type PropertyNaming = 'api' | 'document';

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

  /**
   * @param problems what was found, with property paths as the TypeScript API (or the document) names them
   * @param naming `document` when the paths are keys of a spec file, kept as written whatever the
   *   calling language
   */
  constructor(problems: ValidationProblem[], naming: PropertyNaming = 'api') {
    const spelled = naming === 'api' ? problems.map((p) => ({ ...p, property: spellProperty(p.property, callerLanguage()) })) : problems;
    super(
      spelled.length === 1
        ? MlopsValidationError.formatProblem(spelled[0])
        : `${spelled.length} problems:\n${spelled.map((p) => `  - ${MlopsValidationError.formatProblem(p)}`).join('\n')}`,
    );
    Object.defineProperty(this, BRAND, { value: true });
    Object.setPrototypeOf(this, MlopsValidationError.prototype);
    this.name = 'MlopsValidationError';
    this.problems = spelled;
    remember(this.message, spelled);
  }
}

/**
 * The language of the program calling the library: jsii's host runtimes set `JSII_AGENT`
 * (`Python/3.12.1`, `Java/…`, `DotNet/…`, `Go/…`) in the Node.js process they start; plain
 * TypeScript / JavaScript has none.
 *
 * @internal
 */
export function callerLanguage(env: Record<string, string | undefined> = process.env): 'python' | 'go' | 'dotnet' | 'java' | 'typescript' {
  const agent = (env.JSII_AGENT ?? '').toLowerCase();
  if (agent.startsWith('python')) return 'python';
  if (agent.startsWith('go')) return 'go';
  if (agent.startsWith('dotnet')) return 'dotnet';
  if (agent.startsWith('java')) return 'java';
  return 'typescript';
}

/**
 * A property path (`variants[0].instanceType`) as the given language spells the API's names:
 * snake_case in Python (`variants[0].instance_type`, as jsii generates it), PascalCase in Go and
 * C#, camelCase in TypeScript, JavaScript and Java. Indexes and map keys that are not camelCase
 * (`environment.MY_VAR`) are left alone.
 *
 * @internal
 */
export function spellProperty(path: string, language: ReturnType<typeof callerLanguage>): string {
  if (language === 'typescript' || language === 'java') {
    return path;
  }
  return path.replace(/[A-Za-z][A-Za-z0-9]*/g, (word) => {
    if (!/^[a-z]/.test(word)) {
      return word;
    }
    if (language === 'python') {
      return word
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .toLowerCase();
    }
    return word[0].toUpperCase() + word.slice(1);
  });
}

/**
 * The messages of the validation errors thrown in this process, newest last, so that programs in
 * other jsii languages (which receive only the message) can read the problems back.
 */
const RECENT = new Map<string, ValidationProblem[]>();
const RECENT_MAX = 100;

function remember(message: string, problems: ValidationProblem[]): void {
  RECENT.delete(message);
  RECENT.set(message, problems);
  while (RECENT.size > RECENT_MAX) {
    RECENT.delete(RECENT.keys().next().value!);
  }
}

/**
 * Helpers about the errors cdk-mlops throws, usable from every jsii language.
 *
 * In TypeScript and JavaScript the error is a `MlopsValidationError` with its `problems`. Other
 * languages receive only its message (Python raises `RuntimeError`, Java a `JsiiException`): give
 * that message to `problemsOf` to recognise the error and read its problems.
 *
 * ```python
 * try:
 *     aws.GpuServingEndpoint(stack, "Fraud", instance_type="g5.xlarge", ...)
 * except RuntimeError as e:
 *     problems = core.Errors.problems_of(str(e))
 *     if problems is None:
 *         raise  # not a validation error of cdk-mlops
 *     for p in problems:
 *         print(p.property, p.received, p.allowed)  # instance_type "g5.xlarge" must be ...
 * ```
 */
export class Errors {
  /**
   * Whether `x` is the validation error cdk-mlops throws for bad input (`MlopsValidationError`),
   * also across copies of this library. TypeScript and JavaScript only: other languages receive the
   * message, see `problemsOf`.
   */
  public static isMlopsValidationError(x: any): boolean {
    return MlopsValidationError.isMlopsValidationError(x);
  }

  /**
   * The problems of a validation error thrown by cdk-mlops in this program, found by its message
   * (`str(e)` in Python, `e.getMessage()` in Java, `err.Error()` in Go, `e.Message` in C#), or
   * `undefined` when the message is not one of ours (another error, or one thrown before the
   * 100 most recent).
   *
   * @param message the error's message (a text containing it, such as a traceback line, is accepted)
   * @returns every problem, with property paths spelled as in the calling language
   */
  public static problemsOf(message: string): ValidationProblem[] | undefined {
    if (typeof message !== 'string') {
      return undefined;
    }
    const exact = RECENT.get(message) ?? RECENT.get(message.trim());
    if (exact) {
      return exact;
    }
    const keys = [...RECENT.keys()].reverse();
    const found = keys.find((k) => message.includes(k));
    return found === undefined ? undefined : RECENT.get(found);
  }

  private constructor() {}
}
