import { z } from 'zod';
import { parsableCron } from '../cron';
import { entitiesSchema, entitySchema } from '../features';
import { checkImage } from '../image';
import { iamRoleArn, k8sLabelName, port, s3Uri } from '../primitives';
import { containerResourcesSchema, secretKeyRefSchema } from './model-registry';
import { unlessToken } from '../validation';
import { durationIn } from './duration-value';

const glueTable = z.string().regex(/^[a-z0-9_]{1,255}$/, 'must be a Glue table name');

/** @internal plain shape of the Kubernetes FeatureStore props (the TTL in seconds, the schedule as its cron expression) */
export const k8sFeatureStoreSchema = z
  .strictObject({
    entities: entitiesSchema,
    image: z.string().superRefine(unlessToken((ref, ctx) => {
      const problem = checkImage(ref, { allowPinnedTag: true, allowMutableTag: false });
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
      }
    })),
    redisConnectionSecret: secretKeyRefSchema,
    registry: s3Uri,
    offlineStore: z.strictObject({
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1'),
      workGroup: z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be an Athena work group name'),
      s3StagingLocation: s3Uri,
      database: z.string().regex(/^[a-z0-9_]{1,255}$/, 'must be a Glue database name (lowercase letters, digits, _)').optional(),
      tables: z.record(z.string(), glueTable),
    }),
    project: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'must be letters, digits or _ (a Feast project name)').optional(),
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    replicas: z.number().int().min(1).max(50).optional(),
    resources: containerResourcesSchema.optional(),
    materializationSchedule: parsableCron(/^\S+( \S+){4}$/, 'must be a five-field cron expression').optional(),
    // Carried in seconds: the Duration is rendered to seconds before validation.
    ttl: durationIn('seconds', z.number()).int('must be a whole number of seconds').min(1, 'must be at least 1 second').optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    allowedClientNamespaces: z
      .array(k8sLabelName)
      .refine((ns) => new Set(ns).size === ns.length, 'must not list a namespace twice')
      .optional(),
    redisPort: port.optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const names = new Set((p.entities ?? []).map((e) => e?.name));
    const tables = p.offlineStore?.tables ?? {};
    for (const key of Object.keys(tables)) {
      if (!names.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['offlineStore', 'tables', key], message: `must name a defined entity (${[...names].join(', ')})` });
      }
    }
    // SageMaker names offline tables <group>_<creation time>: there is no usable default, every
    // entity needs its table (or a view with its columns).
    for (const name of names) {
      if (name && p.offlineStore && !(name in tables)) {
        ctx.addIssue({ code: 'custom', path: ['offlineStore', 'tables', name], message: 'must be set: the Glue table or view Feast reads for this entity' });
      }
    }
  }));

/**
 * @internal the arguments of `FeatureStore.addFeatureView(entity, offlineTable)` (a name already
 * used is reported by the store's schema at synth)
 */
export const k8sFeatureViewSchema = z.strictObject({
  entity: entitySchema,
  offlineTable: glueTable,
});
