import { z } from 'zod';
import { durationIn } from './duration-value';
import { entitiesSchema, entitySchema } from '../features';
import { knownAtSynthesis, unlessToken } from '../validation';

const GROUP_NAME = /^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$/;

const namePrefix = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,40}$/, 'must be 1-41 letters, digits, "-" or "_", starting with a letter or digit');

/** The problem of an entity's FeatureGroupName (`namePrefix` + entity name), if any. */
function groupNameProblem(prefix: string | undefined, entityName: string | undefined): string | undefined {
  const name = `${prefix ?? ''}${entityName ?? ''}`;
  if (entityName && (!GROUP_NAME.test(name) || name.length > 64)) {
    return `must give a FeatureGroupName of at most 64 characters with namePrefix; got "${name}"`;
  }
  return undefined;
}

/**
 * @internal plain shape of the AWS FeatureStore props: the user's keys, Durations in seconds,
 * construct references as they are
 */
export const awsFeatureStoreSchema = z
  .strictObject({
    entities: entitiesSchema,
    namePrefix: namePrefix.optional(),
    onlineStore: z
      .strictObject({
        enabled: z.boolean().optional(),
        storageType: z.enum(['Standard', 'InMemory']).optional(),
        // Carried in seconds: the Duration is rendered to seconds before validation.
        ttl: durationIn('seconds', z.number()).int('must be a whole number of seconds').min(60, 'must be at least 1 minute').superRefine(knownAtSynthesis('TtlDuration is written as a unit and a value')).optional(),
      })
      .optional(),
    offlineStore: z
      .strictObject({
        enabled: z.boolean().optional(),
        bucket: z.any().optional(), // a construct reference: the type system checks it
        prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
        tableFormat: z.enum(['Iceberg', 'Glue']).optional(),
        serverAccessLogsBucket: z.any().optional(), // a construct reference: the type system checks it
      })
      .optional(),
    throughputMode: z.enum(['OnDemand', 'Provisioned']).optional(),
    provisionedReadCapacityUnits: z.number().int().min(1).optional(),
    provisionedWriteCapacityUnits: z.number().int().min(1).optional(),
    encryptionKey: z.any().optional(), // a construct reference: the type system checks it
    role: z.any().optional(), // a construct reference: the type system checks it
  })
  .superRefine(unlessToken((p, ctx) => {
    const online = p.onlineStore?.enabled ?? true;
    const offline = p.offlineStore?.enabled ?? true;
    if (!online && !offline) {
      ctx.addIssue({ code: 'custom', path: ['onlineStore', 'enabled'], message: 'must be true when the offline store is disabled (a group needs a store)' });
    }
    if (!online && p.onlineStore?.ttl !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['onlineStore', 'ttl'], message: 'must not be set on an offline-only feature group (TTL applies to the online store)' });
    }
    (p.entities ?? []).forEach((e, i) => {
      const problem = groupNameProblem(p.namePrefix, e?.name);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: ['entities', i, 'name'], message: problem });
      }
    });
    if (p.throughputMode === 'Provisioned' && (p.provisionedReadCapacityUnits === undefined || p.provisionedWriteCapacityUnits === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['throughputMode'], message: 'must come with provisionedReadCapacityUnits and provisionedWriteCapacityUnits when Provisioned' });
    }
    if (p.throughputMode === 'Provisioned' && online && p.onlineStore?.storageType === 'InMemory') {
      ctx.addIssue({
        code: 'custom',
        path: ['throughputMode'],
        message: 'must be OnDemand with the InMemory online store (Provisioned is for Standard or offline-only groups)',
      });
    }
    if (p.throughputMode !== 'Provisioned' && (p.provisionedReadCapacityUnits !== undefined || p.provisionedWriteCapacityUnits !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['throughputMode'], message: 'must be Provisioned when capacity units are given' });
    }
  }));

/**
 * @internal the argument of `FeatureStore.addFeatureGroup(entity)`, with the store's `namePrefix`
 * (a name already used is reported by the store's schema at synth)
 */
export const awsFeatureGroupSchema = z
  .strictObject({
    namePrefix: namePrefix.optional(),
    entity: entitySchema,
  })
  .superRefine(unlessToken((p, ctx) => {
    const problem = groupNameProblem(p.namePrefix, p.entity?.name);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: ['entity', 'name'], message: problem });
    }
  }));
