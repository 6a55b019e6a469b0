import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { MlopsValidationError } from '../../lib/core/errors';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';

/**
 * Spec files as a user writes them (issue 14): whatever is wrong with the file, the library's
 * error names the file, the line and column, and the key; never the file system's ENOENT, a YAML
 * parser's error or `props must be an object; got null`.
 */
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const TEXT = fs.readFileSync(EXAMPLE, 'utf-8');
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-spec-file-'));

function write(name: string, content: string | Buffer): string {
  const file = path.join(DIR, name);
  fs.writeFileSync(file, content);
  return file;
}

/** The example with `from` (which must occur once) replaced. */
function edit(from: string, to: string): string {
  expect(TEXT.split(from)).toHaveLength(2);
  return TEXT.replace(from, to);
}

/** 1-based line of the first line of TEXT containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

const aws = (file: string) => () => MlPlatform.fromFile(new Stack(new App(), 'S', { env: ENV }), 'Platform', file);
const k8s = (file: string) => () => MlPlatformChart.fromFile(Testing.app(), 'platform', file);

describe.each([
  ['MlPlatform.fromFile', aws, 'S/Platform'],
  ['MlPlatformChart.fromFile', k8s, 'platform'],
])('%s: a file that is not a spec', (_what, load, where) => {
  it('a missing file: the library\'s error naming the file, not ENOENT', () => {
    const file = path.join(DIR, 'no-such-platform.yaml');
    const e = expectValidationError(load(file));
    expect(e.problems).toEqual([{
      constructPath: `${where} (${file})`,
      property: 'no-such-platform.yaml',
      received: JSON.stringify(file),
      allowed: 'must be a readable YAML or JSON file (no such file)',
    }]);
  });

  it('a directory: the library\'s error naming it', () => {
    const e = expectValidationError(load(DIR));
    expect(e.problems[0].allowed).toBe('must be a readable YAML or JSON file (it is a directory)');
  });

  it.each([
    ['an empty file', 'empty.yaml', ''],
    ['only comments', 'comments.yaml', '# the platform, one day\n'],
    ['a null document', 'null.yaml', 'null\n'],
    ['an empty JSON file', 'empty.json', '   \n'],
  ])('%s: "is empty", with the keys a spec has', (_case, name, content) => {
    const e = expectValidationError(load(write(name, content)));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0].property).toBe(name);
    expect(e.problems[0].allowed).toBe('is empty; must be a platform spec, a mapping with the keys name, ownership, models (optional: kubernetes, tags)');
    expect(e.message).not.toMatch(/props must be an object/);
  });

  it.each([
    ['a list', 'list.yaml', '- name: acme\n', 'not a list', '[{"name":"acme"}]'],
    ['a JSON array', 'list.json', '[1, 2]', 'not a list', '[1,2]'],
    ['a scalar', 'scalar.yaml', 'acme\n', 'not a string', '"acme"'],
    ['a number', 'number.json', '42', 'not a number', '42'],
  ])('%s at the top: a mapping is needed', (_case, name, content, kind, received) => {
    const e = expectValidationError(load(write(name, content)));
    expect(e.problems).toEqual([{
      constructPath: `${where} (${path.join(DIR, name)}:1:1)`,
      property: name,
      received,
      allowed: `must be a platform spec, a mapping with the keys name, ownership, models (optional: kubernetes, tags), ${kind}`,
    }]);
  });

  it('a YAML syntax error: file, line and column, the offending line as "got"', () => {
    const text = edit('  owner: ml-platform-oncall\n', '  owner: [ml-platform-oncall\n');
    const file = write('syntax.yaml', text);
    const e = expectValidationError(load(file));
    const line = lineOf(text, 'runbookUrl: https://runbooks.example.com/ml/platform');
    expect(e.problems).toEqual([{
      constructPath: `${where} (${file}:${line}:3)`,
      property: 'syntax.yaml',
      received: '"runbookUrl: https://runbooks.example.com/ml/platform"',
      allowed: expect.stringMatching(/^must be a YAML or JSON document \(Flow sequence .*\)$/),
    }]);
  });

  it('a JSON syntax error (a missing comma): line and column of the next key, that key as "got"', () => {
    const json = JSON.stringify(YAML.parse(TEXT), null, 2).replace('"name": "acme",', '"name": "acme"');
    const file = write('syntax.json', json);
    const e = expectValidationError(load(file));
    expect(e.problems).toEqual([{
      constructPath: `${where} (${file}:3:3)`,
      property: 'syntax.json',
      received: '"\\"ownership\\": {"',
      allowed: 'must be a YAML or JSON document (Missing , between flow map items)',
    }]);
  });

  it('a duplicate key: the key\'s path, its line and the line where it was first set', () => {
    const text = edit('      bakeMinutes: 15\n', '      bakeMinutes: 15\n      bakeMinutes: 20\n');
    const file = write('duplicate.yaml', text);
    const e = expectValidationError(load(file));
    const first = lineOf(text, 'bakeMinutes: 15');
    expect(e.problems).toEqual([{
      constructPath: `${where} (${file}:${first + 1}:7)`,
      property: 'models[0].serving.bakeMinutes',
      received: '"bakeMinutes: 20"',
      allowed: `must be unique in its mapping (the key is already set at line ${first}, column 7)`,
    }]);
  });
});

describe.each([
  ['MlPlatform.fromFile', aws, 'S/Platform'],
  ['MlPlatformChart.fromFile', k8s, 'platform'],
])('%s: every schema problem names the file, the line and column of its key, and its key path', (_what, load, where) => {
  it.each([
    ['a canary above 50%', 'canaryPercent: 50', 'canaryPercent: 80', 'models[0].serving.canaryPercent', 7],
    ['an unknown key', 'bakeMinutes: 15', 'bakeMinute: 15', 'models[0].serving.bakeMinute', 7],
    ['a wrong type', 'maxInstanceCount: 6', 'maxInstanceCount: six', 'models[0].serving.maxInstanceCount', 7],
    ['a bad list item', 'features: [tenure_months, monthly_spend, plan, support_tickets]', 'features: [tenure_months, 12]', 'models[0].drift.features[1]', 33], // at the item itself
  ])('%s', (_case, from, to, property, column) => {
    const text = edit(from, to);
    const file = write('schema.yaml', text);
    const e = expectValidationError(load(file));
    const p = e.problems.find((x) => x.property === property);
    expect(p, e.message).toBeDefined();
    expect(p!.constructPath).toBe(`${where} (${file}:${lineOf(text, to)}:${column})`);
    expect(e.message).toContain(`${where} (${file}:${lineOf(text, to)}:${column}): ${property} `);
  });

  it('a missing key is placed at its mapping\'s key', () => {
    const text = edit('      initialModelVersion: 7\n', '');
    const file = write('missing-key.yaml', text);
    const e = expectValidationError(load(file));
    const p = e.problems.find((x) => x.property === 'models[0].serving.initialModelVersion');
    expect(p, e.message).toBeDefined();
    expect(p!.constructPath).toBe(`${where} (${file}:${lineOf(text, '    serving:')}:5)`);
  });
});

describe('spec files the AWS rendering refuses are also located in the file', () => {
  it('a coarse canary (the AWS-only rule) names the file, line and key, not only the construct', () => {
    const text = edit('canaryPercent: 50', 'canaryPercent: 10');
    const file = write('coarse.yaml', text);
    const e = expectValidationError(aws(file));
    expect(e.problems.map((p) => [p.constructPath, p.property])).toEqual([[`S/Platform (${file}:${lineOf(text, 'canaryPercent: 10')}:7)`, 'models[0].serving.canaryPercent']]);
  });
});

describe('MlPlatform.parseSpec', () => {
  it('names the document (its name argument) with the line and column of the key', () => {
    const e = expectValidationError(() => MlPlatform.parseSpec(edit('canaryPercent: 50', 'canaryPercent: 80'), 'platform.yaml', 'Acme'));
    expect(e.problems.map((p) => [p.constructPath, p.property])).toEqual([[`Acme (platform.yaml:${lineOf(TEXT, 'canaryPercent: 50')}:7)`, 'models[0].serving.canaryPercent']]);
    expect(e.message).toBe(`Acme (platform.yaml:${lineOf(TEXT, 'canaryPercent: 50')}:7): models[0].serving.canaryPercent must be from 1 to 50; got 80`);
  });

  it('reports a syntax error as the library\'s error', () => {
    expect(() => MlPlatform.parseSpec('name: [acme')).toThrow(MlopsValidationError);
  });
});

describe('files with a byte order mark are accepted', () => {
  const spec = YAML.parse(TEXT);
  it.each([
    ['JSON, UTF-8 with BOM', 'bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(spec, null, 2))])],
    ['YAML, UTF-8 with BOM', 'bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)])],
    ['JSON, UTF-16LE with BOM (PowerShell 5 Out-File)', 'bom16le.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(spec, null, '\t'), 'utf16le')])],
    ['YAML, UTF-16BE with BOM', 'bom16be.yaml', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()])],
  ])('%s', (_case, name, bytes) => {
    const chart = MlPlatformChart.fromFile(Testing.app(), 'platform', write(name, bytes));
    expect(chart.platformName).toBe('acme');
  });

  it('on AWS too (JSON with a UTF-8 BOM)', () => {
    const file = write('bom-aws.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(spec))]));
    expect(aws(file)().platformName).toBe('acme');
  });
});
