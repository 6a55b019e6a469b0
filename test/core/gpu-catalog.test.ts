import { describe, expect, it } from 'vitest';
import { MlopsValidationError } from '../../lib/core/errors';
import { GpuCatalog, GpuModel } from '../../lib/core/gpu-catalog';

// [model, manufacturer, memoryGiB, karpenterGpuName, ec2Families]
const SPECS: Array<[GpuModel, string, number, string | undefined, string[]]> = [
  [GpuModel.T4, 'nvidia', 16, 't4', ['g4dn']],
  [GpuModel.A10G, 'nvidia', 24, 'a10g', ['g5']],
  [GpuModel.L4, 'nvidia', 24, 'l4', ['g6']],
  [GpuModel.L40S, 'nvidia', 48, 'l40s', ['g6e']],
  [GpuModel.V100, 'nvidia', 16, 'v100', ['p3', 'p3dn']],
  [GpuModel.A100_40GB, 'nvidia', 40, 'a100', ['p4d']],
  [GpuModel.A100_80GB, 'nvidia', 80, 'a100', ['p4de']],
  [GpuModel.H100, 'nvidia', 80, 'h100', ['p5']],
  [GpuModel.H200, 'nvidia', 141, 'h200', ['p5e', 'p5en']],
  [GpuModel.INFERENTIA2, 'aws', 32, undefined, ['inf2']],
  [GpuModel.TRAINIUM, 'aws', 32, undefined, ['trn1', 'trn1n']],
];

// [EC2 instance type, model, count]
const INSTANCES: Array<[string, GpuModel, number]> = [
  ['g4dn.xlarge', GpuModel.T4, 1],
  ['g4dn.2xlarge', GpuModel.T4, 1],
  ['g4dn.4xlarge', GpuModel.T4, 1],
  ['g4dn.8xlarge', GpuModel.T4, 1],
  ['g4dn.16xlarge', GpuModel.T4, 1],
  ['g4dn.12xlarge', GpuModel.T4, 4],
  ['g4dn.metal', GpuModel.T4, 8],
  ['g5.xlarge', GpuModel.A10G, 1],
  ['g5.2xlarge', GpuModel.A10G, 1],
  ['g5.4xlarge', GpuModel.A10G, 1],
  ['g5.8xlarge', GpuModel.A10G, 1],
  ['g5.16xlarge', GpuModel.A10G, 1],
  ['g5.12xlarge', GpuModel.A10G, 4],
  ['g5.24xlarge', GpuModel.A10G, 4],
  ['g5.48xlarge', GpuModel.A10G, 8],
  ['g6.xlarge', GpuModel.L4, 1],
  ['g6.2xlarge', GpuModel.L4, 1],
  ['g6.4xlarge', GpuModel.L4, 1],
  ['g6.8xlarge', GpuModel.L4, 1],
  ['g6.16xlarge', GpuModel.L4, 1],
  ['g6.12xlarge', GpuModel.L4, 4],
  ['g6.24xlarge', GpuModel.L4, 4],
  ['g6.48xlarge', GpuModel.L4, 8],
  ['g6e.xlarge', GpuModel.L40S, 1],
  ['g6e.2xlarge', GpuModel.L40S, 1],
  ['g6e.4xlarge', GpuModel.L40S, 1],
  ['g6e.8xlarge', GpuModel.L40S, 1],
  ['g6e.16xlarge', GpuModel.L40S, 1],
  ['g6e.12xlarge', GpuModel.L40S, 4],
  ['g6e.24xlarge', GpuModel.L40S, 4],
  ['g6e.48xlarge', GpuModel.L40S, 8],
  ['p3.2xlarge', GpuModel.V100, 1],
  ['p3.8xlarge', GpuModel.V100, 4],
  ['p3.16xlarge', GpuModel.V100, 8],
  ['p3dn.24xlarge', GpuModel.V100, 8],
  ['p4d.24xlarge', GpuModel.A100_40GB, 8],
  ['p4de.24xlarge', GpuModel.A100_80GB, 8],
  ['p5.48xlarge', GpuModel.H100, 8],
  ['p5e.48xlarge', GpuModel.H200, 8],
  ['p5en.48xlarge', GpuModel.H200, 8],
  ['inf2.xlarge', GpuModel.INFERENTIA2, 1],
  ['inf2.8xlarge', GpuModel.INFERENTIA2, 1],
  ['inf2.24xlarge', GpuModel.INFERENTIA2, 6],
  ['inf2.48xlarge', GpuModel.INFERENTIA2, 12],
  ['trn1.2xlarge', GpuModel.TRAINIUM, 1],
  ['trn1.32xlarge', GpuModel.TRAINIUM, 16],
  ['trn1n.32xlarge', GpuModel.TRAINIUM, 16],
];

const MIG: Array<[GpuModel, string[]]> = [
  [GpuModel.T4, []],
  [GpuModel.A10G, []],
  [GpuModel.L4, []],
  [GpuModel.L40S, []],
  [GpuModel.V100, []],
  [GpuModel.A100_40GB, ['1g.5gb', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb']],
  [GpuModel.A100_80GB, ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']],
  [GpuModel.H100, ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']],
  [GpuModel.H200, ['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb']],
  [GpuModel.INFERENTIA2, []],
  [GpuModel.TRAINIUM, []],
];

const family = (instanceType: string): string => instanceType.split('.')[0];

describe('GpuCatalog models', () => {
  it('lists every model in declaration order', () => {
    expect(GpuCatalog.models()).toEqual([
      'T4', 'A10G', 'L4', 'L40S', 'V100', 'A100_40GB', 'A100_80GB', 'H100', 'H200', 'INFERENTIA2', 'TRAINIUM',
    ]);
    expect(SPECS.map(([m]) => m)).toEqual(GpuCatalog.models());
  });

  it.each(SPECS)('%s: %s, %d GiB, karpenter %s, families %j', (model, manufacturer, memoryGiB, karpenterGpuName, families) => {
    const spec = GpuCatalog.spec(model);
    expect(spec.model).toBe(model);
    expect(spec.manufacturer).toBe(manufacturer);
    expect(spec.memoryGiB).toBe(memoryGiB);
    expect(spec.memoryGiB).toBeGreaterThan(0);
    expect(spec.karpenterGpuName).toBe(karpenterGpuName);
    expect(spec.ec2Families).toEqual(families);
    expect(spec.ec2Families.length).toBeGreaterThan(0);
  });

  it.each(SPECS)('%s: every family has at least one instance type', (model) => {
    const tabled = new Set(INSTANCES.filter(([, m]) => m === model).map(([t]) => family(t)));
    expect([...tabled].sort()).toEqual([...GpuCatalog.spec(model).ec2Families].sort());
  });

  it('leaves karpenterGpuName out for AWS accelerators', () => {
    expect('karpenterGpuName' in GpuCatalog.spec(GpuModel.INFERENTIA2)).toBe(false);
    expect('karpenterGpuName' in GpuCatalog.spec(GpuModel.T4)).toBe(true);
  });

  it('rejects a model it does not know', () => {
    expect(() => GpuCatalog.spec('B200' as GpuModel)).toThrow(MlopsValidationError);
    expect(() => GpuCatalog.spec('B200' as GpuModel)).toThrow(
      'GpuCatalog.spec: model must be one of T4, A10G, L4, L40S, V100, A100_40GB, A100_80GB, H100, H200, INFERENTIA2, TRAINIUM; got "B200"',
    );
    expect(() => GpuCatalog.spec('toString' as GpuModel)).toThrow(MlopsValidationError);
  });
});

describe('GpuCatalog.forInstanceType', () => {
  it.each(INSTANCES)('%s has %s x%d', (instanceType, model, count) => {
    expect(GpuCatalog.forInstanceType(instanceType)).toEqual({ instanceType, gpu: model, count });
    expect(GpuCatalog.forInstanceType(`ml.${instanceType}`)).toEqual({ instanceType: `ml.${instanceType}`, gpu: model, count });
  });

  it.each(INSTANCES)('%s belongs to a family of its model', (instanceType) => {
    const gpus = GpuCatalog.forInstanceType(instanceType);
    expect(gpus).toBeDefined();
    expect(GpuCatalog.spec(gpus!.gpu).ec2Families).toContain(family(instanceType));
  });

  it.each([
    ['ml.g5.12xlarge', { instanceType: 'ml.g5.12xlarge', gpu: GpuModel.A10G, count: 4 }],
    ['p4de.24xlarge', { instanceType: 'p4de.24xlarge', gpu: GpuModel.A100_80GB, count: 8 }],
    ['ml.p4d.24xlarge', { instanceType: 'ml.p4d.24xlarge', gpu: GpuModel.A100_40GB, count: 8 }],
    ['ml.inf2.48xlarge', { instanceType: 'ml.inf2.48xlarge', gpu: GpuModel.INFERENTIA2, count: 12 }],
  ])('%s', (instanceType, expected) => {
    expect(GpuCatalog.forInstanceType(instanceType)).toEqual(expected);
  });

  it.each([
    ['a CPU instance', 'ml.m5.xlarge'],
    ['a CPU instance without prefix', 'm5.xlarge'],
    ['a trailing suffix', 'g5.xlarge.foo'],
    ['a double prefix', 'ml.ml.g5.xlarge'],
    ['upper case', 'ML.G5.XLARGE'],
    ['surrounding spaces', ' g5.xlarge '],
    ['a family alone', 'g5'],
    ['the prefix alone', 'ml.'],
    ['an empty string', ''],
    ['an Object.prototype key', 'constructor'],
    ['an Object.prototype key with prefix', 'ml.__proto__'],
  ])('returns undefined for %s (%s)', (_, instanceType) => {
    expect(GpuCatalog.forInstanceType(instanceType)).toBeUndefined();
  });
});

describe('GpuCatalog MIG', () => {
  it.each(MIG)('%s supports exactly %j', (model, profiles) => {
    const spec = GpuCatalog.spec(model);
    expect(spec.migProfiles).toEqual(profiles);
    expect(spec.migCapable).toBe(profiles.length > 0);
    for (const profile of profiles) {
      expect(GpuCatalog.isMigProfileSupported(model, profile)).toBe(true);
    }
  });

  it.each([GpuModel.T4, GpuModel.A10G, GpuModel.L4, GpuModel.L40S, GpuModel.V100, GpuModel.INFERENTIA2, GpuModel.TRAINIUM])(
    '%s is not MIG-capable', (model) => {
      expect(GpuCatalog.spec(model).migCapable).toBe(false);
      expect(GpuCatalog.isMigProfileSupported(model, '1g.10gb')).toBe(false);
    },
  );

  it.each([
    [GpuModel.A100_40GB, '1g.5gb', true],
    [GpuModel.A100_40GB, '7g.40gb', true],
    [GpuModel.A100_40GB, '1g.20gb', false],
    [GpuModel.A100_40GB, '7g.80gb', false],
    [GpuModel.A100_80GB, '1g.5gb', false],
    [GpuModel.A100_80GB, '7g.80gb', true],
    [GpuModel.H100, '1g.10gb', true],
    [GpuModel.H100, '1g.5gb', false],
    [GpuModel.H200, '1g.18gb', true],
    [GpuModel.H200, '7g.141gb', true],
    [GpuModel.H200, '1g.10gb', false],
    [GpuModel.H100, '1g.10gb+me', false],
    [GpuModel.H100, '1G.10GB', false],
    [GpuModel.H100, ' 1g.10gb', false],
    [GpuModel.H100, '', false],
    ['B200' as GpuModel, '1g.10gb', false],
  ])('%s / %s → %s', (model, profile, supported) => {
    expect(GpuCatalog.isMigProfileSupported(model, profile)).toBe(supported);
  });

  it.each([
    ['1g.5gb', 'nvidia.com/mig-1g.5gb'],
    ['1g.10gb', 'nvidia.com/mig-1g.10gb'],
    ['3g.40gb', 'nvidia.com/mig-3g.40gb'],
    ['7g.141gb', 'nvidia.com/mig-7g.141gb'],
  ])('names the resource of %s %s', (profile, resource) => {
    expect(GpuCatalog.migResourceName(profile)).toBe(resource);
  });

  it.each([
    ['a media-extension profile', '1g.10gb+me'],
    ['a resource name', 'nvidia.com/mig-1g.10gb'],
    ['upper case', '1G.10GB'],
    ['eight slices', '8g.80gb'],
    ['zero memory', '1g.0gb'],
    ['an empty string', ''],
  ])('rejects %s (%s)', (_, profile) => {
    expect(() => GpuCatalog.migResourceName(profile)).toThrow(MlopsValidationError);
  });

  it('says what a profile must look like', () => {
    expect(() => GpuCatalog.migResourceName('1g.10gb+me')).toThrow(
      'GpuCatalog.migResourceName: profile must be a MIG profile name <compute slices 1-7>g.<memory>gb, such as 1g.10gb; got "1g.10gb+me"',
    );
  });
});

describe('GpuCatalog returns copies', () => {
  it('a caller changing a spec does not change the catalog', () => {
    const spec = GpuCatalog.spec(GpuModel.H100);
    spec.ec2Families.push('x9');
    spec.migProfiles.length = 0;
    expect(GpuCatalog.spec(GpuModel.H100).ec2Families).toEqual(['p5']);
    expect(GpuCatalog.spec(GpuModel.H100).migProfiles).toHaveLength(6);
    expect(GpuCatalog.isMigProfileSupported(GpuModel.H100, '1g.10gb')).toBe(true);
  });

  it('a caller changing the model list does not change the catalog', () => {
    const models = GpuCatalog.models();
    models.pop();
    expect(GpuCatalog.models()).toHaveLength(11);
  });

  it('a caller changing a lookup result does not change the catalog', () => {
    const gpus = GpuCatalog.forInstanceType('g5.48xlarge')!;
    (gpus as { count: number }).count = 1;
    expect(GpuCatalog.forInstanceType('g5.48xlarge')!.count).toBe(8);
  });
});
