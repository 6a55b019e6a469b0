import { describe, expect, it } from 'vitest';
import { EntityDefinition, FeatureType, Features, entitiesSchema, entitySchema } from '../../lib/core/features';
import { collectProblems } from '../../lib/core/validation';

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  description: 'A customer',
  features: [
    { name: '30d_spend', type: FeatureType.FRACTIONAL, description: 'Spend over 30 days' },
    { name: 'country', type: FeatureType.STRING },
    { name: 'orders', type: FeatureType.INTEGRAL },
  ],
};

const MERCHANT: EntityDefinition = {
  name: 'merchant',
  recordIdentifier: 'merchant_id',
  recordIdentifierType: FeatureType.INTEGRAL,
  eventTime: 'ts',
  eventTimeType: FeatureType.FRACTIONAL,
  features: [{ name: 'risk_score', type: FeatureType.FRACTIONAL }],
};

const BASE = Features.version([USER, MERCHANT]);

describe('Features.version', () => {
  it('is fs- and 12 hex digits', () => {
    expect(BASE).toMatch(/^fs-[0-9a-f]{12}$/);
  });

  it.each<[string, EntityDefinition[]]>([
    ['entities in another order', [MERCHANT, USER]],
    ['features in another order', [{ ...USER, features: [...USER.features].reverse() }, MERCHANT]],
    ['another entity description', [{ ...USER, description: 'Someone who buys' }, MERCHANT]],
    ['no entity description', [{ ...USER, description: undefined }, MERCHANT]],
    ['another feature description', [{ ...USER, features: USER.features.map((f) => ({ ...f, description: 'changed' })) }, MERCHANT]],
    ['defaults spelled out', [{ ...USER, recordIdentifierType: FeatureType.STRING, eventTimeType: FeatureType.STRING }, MERCHANT]],
  ])('is the same with %s', (_name, entities) => {
    expect(Features.version(entities)).toBe(BASE);
  });

  it.each<[string, EntityDefinition[]]>([
    ['an entity renamed', [{ ...USER, name: 'customer' }, MERCHANT]],
    ['a feature renamed', [{ ...USER, features: [{ name: '7d_spend', type: FeatureType.FRACTIONAL }, ...USER.features.slice(1)] }, MERCHANT]],
    ['a feature type changed', [{ ...USER, features: [{ name: '30d_spend', type: FeatureType.INTEGRAL }, ...USER.features.slice(1)] }, MERCHANT]],
    ['a feature added', [{ ...USER, features: [...USER.features, { name: 'age', type: FeatureType.INTEGRAL }] }, MERCHANT]],
    ['a feature removed', [{ ...USER, features: USER.features.slice(1) }, MERCHANT]],
    ['an entity removed', [USER]],
    ['another record identifier', [{ ...USER, recordIdentifier: 'customer_id' }, MERCHANT]],
    ['another record identifier type', [{ ...USER, recordIdentifierType: FeatureType.INTEGRAL }, MERCHANT]],
    ['another event time', [{ ...USER, eventTime: 'updated_at' }, MERCHANT]],
    ['another event time type', [{ ...USER, eventTimeType: FeatureType.FRACTIONAL }, MERCHANT]],
  ])('changes with %s', (_name, entities) => {
    const v = Features.version(entities);
    expect(v).toMatch(/^fs-[0-9a-f]{12}$/);
    expect(v).not.toBe(BASE);
  });

  it('does not change the definitions it is given', () => {
    const entities = [USER, MERCHANT];
    const before = JSON.stringify(entities);
    Features.version(entities);
    expect(JSON.stringify(entities)).toBe(before);
  });
});

describe('Features.parseReference', () => {
  it.each([
    ['user:30d_spend', 'user', '30d_spend'],
    ['fraud-merchant:risk_score', 'fraud-merchant', 'risk_score'],
  ])('parses %s', (ref, entity, feature) => {
    expect(Features.parseReference(ref)).toEqual({ entity, feature });
  });

  it.each(['', 'user', 'user:', ':30d_spend', 'user:30d:spend', 'user: country', 'user :country', 'user:country ', ' user:country'])(
    'rejects %j',
    (ref) => {
      expect(() => Features.parseReference(ref)).toThrow(/ref must be written entity:feature/);
    },
  );
});

describe('entitySchema', () => {
  const problems = (entity: unknown) => collectProblems('Stack/Features', entitySchema, entity);

  it('accepts a valid entity', () => {
    expect(problems(USER)).toEqual([]);
    expect(problems(MERCHANT)).toEqual([]);
  });

  it.each<[string, Partial<EntityDefinition>, string, string]>([
    [
      'a duplicate feature, compared case-insensitively',
      { features: [...USER.features, { name: 'Country', type: FeatureType.STRING }] },
      'features[3].name',
      'must be unique in the entity; "Country" is already used by features[1]',
    ],
    [
      'a feature named like the record identifier',
      { features: [{ name: 'USER_ID', type: FeatureType.STRING }] },
      'features[0].name',
      'must be unique in the entity; "USER_ID" is already used by recordIdentifier',
    ],
    [
      'a feature named like the event time',
      { features: [{ name: 'event_time', type: FeatureType.STRING }] },
      'features[0].name',
      'must be unique in the entity; "event_time" is already used by eventTime',
    ],
    ['a reserved name', { features: [{ name: 'is_deleted', type: FeatureType.STRING }] }, 'features[0].name', 'must not be a reserved name'],
    ['a reserved name in capitals', { features: [{ name: 'WRITE_TIME', type: FeatureType.STRING }] }, 'features[0].name', 'must not be a reserved name'],
    ['a name SageMaker does not allow', { features: [{ name: 'bad name!', type: FeatureType.STRING }] }, 'features[0].name', 'SageMaker FeatureName'],
    ['a name ending in _', { features: [{ name: 'spend_', type: FeatureType.STRING }] }, 'features[0].name', 'SageMaker FeatureName'],
    ['an event time equal to the record identifier', { eventTime: 'user_id' }, 'eventTime', 'must differ from recordIdentifier'],
    ['no features', { features: [] }, 'features', 'must define at least one feature'],
    ['a bad entity name', { name: 'user!' }, 'name', 'SageMaker FeatureGroupName'],
    ['a Fractional record identifier', { recordIdentifierType: FeatureType.FRACTIONAL }, 'recordIdentifierType', 'must be String or Integral'],
    ['an Integral event time', { eventTimeType: FeatureType.INTEGRAL }, 'eventTimeType', 'must be String (ISO-8601) or Fractional (Unix seconds)'],
  ])('rejects %s', (_name, change, property, allowed) => {
    const found = problems({ ...USER, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ constructPath: 'Stack/Features', property });
    expect(found[0].allowed).toContain(allowed);
  });

  it('rejects unknown keys', () => {
    expect(problems({ ...USER, eventTimeColumn: 'x' }).map((p) => p.property)).toEqual(['eventTimeColumn']);
  });
});

describe('entitiesSchema', () => {
  const problems = (entities: unknown) => collectProblems('Stack/Features', entitiesSchema, entities);

  it('accepts distinct entities', () => {
    expect(problems([USER, MERCHANT])).toEqual([]);
  });

  it('rejects duplicate entity names, compared case-insensitively', () => {
    const found = problems([USER, MERCHANT, { ...MERCHANT, name: 'User' }]);
    expect(found).toEqual([
      { constructPath: 'Stack/Features', property: '[2].name', received: '"User"', allowed: 'must be unique; "User" is defined twice' },
    ]);
  });

  it('rejects no entities', () => {
    expect(problems([]).map((p) => p.allowed)).toEqual(['must define at least one entity']);
  });

  it('reports problems inside an entity by its index', () => {
    expect(problems([USER, { ...MERCHANT, features: [] }]).map((p) => p.property)).toEqual(['[1].features']);
  });
});
