import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { CostTarget, estimatePlatformCost } from '../../lib/core/cost';
import { PRICE_TABLE } from '../../lib/core/cost/prices';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { costRunbook } from '../../lib/platform/private/cost';

const ROOT = path.join(__dirname, '..', '..');
const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', 'platform.yaml'), 'utf-8'));
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');

describe('README\'s cost table of the example', () => {
  it('is what MlPlatform.costEstimate(\'us-east-1\') prints, row for row', () => {
    // GIVEN the example platform's estimate on AWS in us-east-1, as the runbook renders it
    const table = costRunbook(estimatePlatformCost(SPEC, CostTarget.AWS, { region: 'us-east-1' })).filter((l) => l.startsWith('|'));
    // THEN README shows each row of it, header and total included, in order
    expect(table.length).toBeGreaterThan(3);
    const at = table.map((row) => README.indexOf(`\n${row}\n`));
    expect(table.filter((_, i) => at[i] < 0)).toEqual([]);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('names the price table\'s date', () => {
    expect(README).toContain(`**read on ${PRICE_TABLE.readOn}**`);
  });
});
