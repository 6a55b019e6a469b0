import { z } from 'zod';
import { MlopsValidationError } from './errors';
import { sha256Hex } from './sha256';
import { renderValue, unlessToken } from './validation';

/** SageMaker Feature Store value types. */
export enum FeatureType {
  /** Whole numbers (bigint in the offline store). */
  INTEGRAL = 'Integral',
  /** Floating point numbers (double). */
  FRACTIONAL = 'Fractional',
  /** Text. */
  STRING = 'String',
}

/** One typed feature of an entity. */
export interface FeatureDefinition {
  /** Feature name, e.g. `30d_spend` (referenced as `user:30d_spend`). */
  readonly name: string;
  /** Value type. */
  readonly type: FeatureType;
  /**
   * What the feature means.
   * @default - none
   */
  readonly description?: string;
}

/**
 * An entity: one feature group keyed by a record identifier, with an event time so that training
 * sets can be built as of each label's time.
 */
export interface EntityDefinition {
  /** Entity name, e.g. `user` (1-64 letters, digits, `-` or `_`). */
  readonly name: string;
  /** Name of the record identifier feature, e.g. `user_id`. */
  readonly recordIdentifier: string;
  /**
   * Type of the record identifier.
   * @default FeatureType.STRING
   */
  readonly recordIdentifierType?: FeatureType;
  /** Name of the event time feature (required: point-in-time correctness depends on it). */
  readonly eventTime: string;
  /**
   * Type of the event time: ISO-8601 text or fractional Unix seconds.
   * @default FeatureType.STRING
   */
  readonly eventTimeType?: FeatureType;
  /** The features (not including the record identifier and the event time). */
  readonly features: FeatureDefinition[];
  /**
   * What the entity is. Set it once: SageMaker cannot change a feature group's description.
   * @default - none
   */
  readonly description?: string;
}

/** A parsed feature reference (`entity:feature`). */
export interface FeatureReference {
  readonly entity: string;
  readonly feature: string;
}

/**
 * Names SageMaker reserves in every feature group (offline store columns).
 * Source: SageMaker developer guide, "Feature Store ... reserved feature names".
 */
export const RESERVED_FEATURE_NAMES: ReadonlyArray<string> = ['is_deleted', 'write_time', 'api_invocation_time'];

/** Most feature definitions in one feature group. Source: SageMaker Feature Store quotas. */
export const MAX_FEATURES_PER_GROUP = 2500;

// Patterns of FeatureGroupName and FeatureName. Source: SageMaker API reference, CreateFeatureGroup.
const GROUP_NAME = /^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$/;
const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;

const featureName = z
  .string()
  .max(64, 'must be at most 64 characters (SageMaker FeatureName)')
  .regex(FEATURE_NAME, 'must be 1-64 letters, digits, "-" or "_", starting and ending with a letter or digit (SageMaker FeatureName)')
  .refine((n) => !RESERVED_FEATURE_NAMES.includes(n.toLowerCase()), `must not be a reserved name (${RESERVED_FEATURE_NAMES.join(', ')})`);

/** @internal one feature of an entity */
export const featureSchema = z.strictObject({
  name: featureName,
  type: z.enum(FeatureType),
  description: z.string().max(255).optional(),
});

/** @internal */
export const entitySchema = z
  .strictObject({
    name: z.string().max(64, 'must be at most 64 characters (SageMaker FeatureGroupName)').regex(GROUP_NAME, 'must be 1-64 letters, digits, "-" or "_", starting and ending with a letter or digit (SageMaker FeatureGroupName)'),
    recordIdentifier: featureName,
    recordIdentifierType: z.enum([FeatureType.STRING, FeatureType.INTEGRAL], 'must be String or Integral').optional(),
    eventTime: featureName,
    eventTimeType: z.enum([FeatureType.STRING, FeatureType.FRACTIONAL], 'must be String (ISO-8601) or Fractional (Unix seconds)').optional(),
    description: z.string().max(128).optional(),
    features: z
      .array(featureSchema)
      .min(1, 'must define at least one feature')
      .max(MAX_FEATURES_PER_GROUP - 2, `must have at most ${MAX_FEATURES_PER_GROUP - 2} features (SageMaker allows ${MAX_FEATURES_PER_GROUP} with the key and event time)`),
  })
  .superRefine(unlessToken((e, ctx) => {
    // Names are unique case-insensitively: the offline store (Glue / Athena) lowercases columns.
    const seen = new Map<string, string>([
      [e.recordIdentifier?.toLowerCase(), 'recordIdentifier'],
    ]);
    if (e.eventTime?.toLowerCase() === e.recordIdentifier?.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['eventTime'], message: 'must differ from recordIdentifier' });
    }
    seen.set(e.eventTime?.toLowerCase(), 'eventTime');
    (e.features ?? []).forEach((f, i) => {
      const key = f?.name?.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `must be unique in the entity; "${f.name}" is already used by ${seen.get(key)}` });
      } else {
        seen.set(key, `features[${i}]`);
      }
    });
  }));

/** @internal */
export const entitiesSchema = z.array(entitySchema).min(1, 'must define at least one entity').superRefine(unlessToken((es, ctx) => {
  const names = es.map((e) => e?.name?.toLowerCase());
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `must be unique; "${es[i].name}" is defined twice` });
    }
  });
}));

/**
 * @internal the arguments of `addFeature(entityName, feature)` on a store whose entities are
 * `entityNames` (a feature name already used in the entity is reported by the store's schema)
 */
export function featureArgumentsSchema(entityNames: ReadonlyArray<string>) {
  return z.strictObject({
    entityName: z.string().refine((n) => entityNames.includes(n), `must name an entity of the store (${entityNames.join(', ')})`),
    feature: featureSchema,
  });
}

/**
 * @internal a time to live in whole seconds as the largest whole SageMaker TtlDuration unit
 * (CloudFormation keys)
 */
export function ttlDuration(seconds: number): { Unit: string; Value: number } {
  for (const [unit, size] of [['Weeks', 604800], ['Days', 86400], ['Hours', 3600], ['Minutes', 60]] as const) {
    if (seconds % size === 0) {
      return { Unit: unit, Value: seconds / size };
    }
  }
  return { Unit: 'Seconds', Value: seconds };
}

/** Feature definitions, references and versions. */
export class Features {
  /**
   * Parse `entity:feature` (e.g. `user:30d_spend`).
   * @throws MlopsValidationError when the reference is not of that form
   */
  public static parseReference(ref: string): FeatureReference {
    const m = typeof ref === 'string' ? /^([^:\s]+):([^:\s]+)$/.exec(ref) : null;
    if (!m) {
      throw new MlopsValidationError([{
        constructPath: 'Features.parseReference',
        property: 'ref',
        received: renderValue(ref),
        allowed: 'must be written entity:feature (e.g. user:30d_spend)',
      }]);
    }
    return { entity: m[1], feature: m[2] };
  }

  /**
   * A version of the definitions: the first 12 hex digits of the SHA-256 of their canonical form.
   * It changes when a definition changes (a name, a type, an entity's key or event time), not when
   * entities or features are listed in another order, nor when a description changes.
   */
  public static version(entities: EntityDefinition[]): string {
    const canonical = [...entities]
      .map((e) => ({
        name: e.name,
        recordIdentifier: [e.recordIdentifier, e.recordIdentifierType ?? FeatureType.STRING],
        eventTime: [e.eventTime, e.eventTimeType ?? FeatureType.STRING],
        features: [...e.features].map((f) => [f.name, f.type]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return `fs-${sha256Hex(JSON.stringify(canonical)).slice(0, 12)}`;
  }

  private constructor() {}
}
