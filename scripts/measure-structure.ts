/**
 * Structural figures of lib/ that CONTRIBUTING states and the "one place for each thing" work tracks:
 *
 * - functions (declarations, methods, constructors, arrow functions and function expressions) longer
 *   than 50, 80 and 100 lines, and the longest ones;
 * - the lines of each file over 500 lines;
 * - validation paths: in the constructs (lib/aws, lib/k8s, lib/platform) every rule is in a core zod
 *   schema, reached through `validateProps` (or `validateOrThrow` for spec documents); anything else
 *   that builds or throws problems by hand (`problems.push`, `throwIfAny`, a `ValidationProblem`
 *   literal) is a second path and is listed;
 * - duplicated defaults: a literal default (`x ?? 10`) for the same name in more than one file of
 *   lib/aws, lib/k8s, lib/platform is a policy number without one home (lib/core/policy.ts) and is listed.
 *
 * Counts are of source lines from the function's first to last line, comments included, as a reader
 * sees them. Run: `npx tsx scripts/measure-structure.ts [--max-function-lines N]`; with the option it
 * exits 1 when any function is longer than N lines (a lint for CI).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

interface FunctionLength {
  readonly where: string;
  readonly name: string;
  readonly lines: number;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'imports' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent;
    return `${ts.isClassLike(cls) && cls.name ? cls.name.text : '<class>'}.constructor`;
  }
  if ((ts.isMethodDeclaration(node) || ts.isGetAccessor(node)) && ts.isClassLike(node.parent)) {
    return `${node.parent.name?.text ?? '<class>'}.${node.name.getText(source)}`;
  }
  if (ts.isFunctionDeclaration(node) && node.name) return node.name.text;
  if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText(source);
  return '<anonymous>';
}

export function functionLengths(files: string[]): FunctionLength[] {
  const out: FunctionLength[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        out.push({ where: `${path.relative(ROOT, file)}:${start + 1}`, name: nameOf(node, source), lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out.sort((a, b) => b.lines - a.lines);
}

const TARGET_LAYERS = ['aws', 'k8s', 'platform'];

/** Lines of target-layer code that validate by hand instead of through a schema. */
export function handValidation(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files.filter((f) => TARGET_LAYERS.some((l) => f.startsWith(path.join(LIB, l) + path.sep)))) {
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (/problems\.push\(|throwIfAny\(|new MlopsValidationError\(|^\s*constructPath:|{ constructPath:/.test(line)) {
        out.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  return out;
}

/** `name ?? literal` defaults whose name and literal appear in more than one target-layer file. */
export function duplicatedDefaults(files: string[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const file of files.filter((f) => TARGET_LAYERS.some((l) => f.startsWith(path.join(LIB, l) + path.sep)))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(\w+)\s*\?\?\s*(-?\d+(?:\.\d+)?)\b/g)) {
      const key = `${m[1]} ?? ${m[2]}`;
      seen.set(key, (seen.get(key) ?? new Set()).add(path.relative(ROOT, file)));
    }
  }
  return [...seen.entries()].filter(([, where]) => where.size > 1).map(([key, where]) => `${key}  (${[...where].join(', ')})`);
}

function main(): void {
  const files = sourceFiles(LIB);
  const lengths = functionLengths(files);
  const over = (n: number) => lengths.filter((f) => f.lines > n).length;
  console.log(`lib/: ${files.length} files, ${lengths.length} functions`);
  console.log(`functions over 50 lines: ${over(50)}; over 80: ${over(80)}; over 100: ${over(100)}`);
  console.log('longest:');
  for (const f of lengths.slice(0, 15)) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  (${f.where})`);
  const big = files
    .map((f) => ({ f: path.relative(ROOT, f), lines: fs.readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.lines > 500)
    .sort((a, b) => b.lines - a.lines);
  console.log(`files over 500 lines: ${big.map((b) => `${b.f} (${b.lines})`).join(', ') || 'none'}`);
  const validation = files.filter((f) => TARGET_LAYERS.some((l) => f.startsWith(path.join(LIB, l) + path.sep)));
  const schemaCalls = validation.reduce((n, f) => n + (fs.readFileSync(f, 'utf8').match(/validateProps\(|validateOrThrow\(/g) ?? []).length, 0);
  const hand = handValidation(files);
  console.log(`validation in lib/aws, lib/k8s, lib/platform: ${schemaCalls} schema calls; ${hand.length} lines validating by hand`);
  hand.forEach((h) => console.log(`  ${h}`));
  const dup = duplicatedDefaults(files);
  console.log(`duplicated literal defaults: ${dup.length}`);
  dup.forEach((d) => console.log(`  ${d}`));
  const i = process.argv.indexOf('--max-function-lines');
  if (i >= 0) {
    const max = Number(process.argv[i + 1]);
    const offenders = lengths.filter((f) => f.lines > max);
    if (offenders.length > 0) {
      console.error(`measure-structure: ${offenders.length} functions are longer than ${max} lines`);
      process.exitCode = 1;
    }
  }
}

if (require.main === module) {
  main();
}
