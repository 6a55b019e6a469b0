import { z } from 'zod';
import { entitiesSchema } from '../features';

const GROUP_NAME = /^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$/;

/** @internal plain shape of the AWS FeatureStore props (Durations in seconds) */
export const awsFeatureStoreSchema = z
  .strictObject({
    entities: entitiesSchema,
    namePrefix: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,40}$/, 'must be 1-41 letters, digits, "-" or "_", starting with a letter or digit').optional(),
    onlineStore: z
      .strictObject({
        enabled: z.boolean().optional(),
        storageType: z.enum(['Standard', 'InMemory']).optional(),
        ttlSeconds: z.number().int('must be a whole number of seconds').min(60, 'must be at least 1 minute').optional(),
      })
      .optional(),
    offlineStore: z
      .strictObject({
        enabled: z.boolean().optional(),
        prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
        tableFormat: z.enum(['Iceberg', 'Glue']).optional(),
      })
      .optional(),
    throughputMode: z.enum(['OnDemand', 'Provisioned']).optional(),
    provisionedReadCapacityUnits: z.number().int().min(1).optional(),
    provisionedWriteCapacityUnits: z.number().int().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    const online = p.onlineStore?.enabled ?? true;
    const offline = p.offlineStore?.enabled ?? true;
    if (!online && !offline) {
      ctx.addIssue({ code: 'custom', path: ['onlineStore', 'enabled'], message: 'must be true when the offline store is disabled (a group needs a store)' });
    }
    if (!online && p.onlineStore?.ttlSeconds !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['onlineStore', 'ttlSeconds'], message: 'must not be set on an offline-only feature group (TTL applies to the online store)' });
    }
    (p.entities ?? []).forEach((e, i) => {
      const name = `${p.namePrefix ?? ''}${e?.name ?? ''}`;
      if (e?.name && (!GROUP_NAME.test(name) || name.length > 64)) {
        ctx.addIssue({ code: 'custom', path: ['entities', i, 'name'], message: `must give a FeatureGroupName of at most 64 characters with namePrefix; got "${name}"` });
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
  });
