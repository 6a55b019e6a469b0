/**
 * How a platform on Kubernetes is delivered: the layout of `MlPlatformChart` (one chart per model,
 * or one chart) and the Argo CD Applications of its GitOps layout (`ArgoCdApplications`).
 */
import { z } from 'zod';
import { k8sLabelName, k8sSubdomainName } from '../primitives';
import { unlessToken } from '../validation';

/** The layouts of `MlPlatformChart` (the values of `platform.PlatformChartLayout`). */
export const PLATFORM_CHART_LAYOUTS = ['CHART_PER_MODEL', 'ONE_CHART'] as const;

/** `MlPlatformChart`'s props besides its spec (the spec has its own schema, named by its keys). */
export const platformChartOptionsSchema = z.strictObject({
  labels: z.record(z.string(), z.string()).optional(),
  layout: z.enum(PLATFORM_CHART_LAYOUTS, { error: `must be one of ${PLATFORM_CHART_LAYOUTS.join(', ')}` }).optional(),
  costRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as us-east-1').optional(),
});

/** The folder of the GitOps layout that holds the platform chart (GPU node pools, MLflow). */
export const GITOPS_SHARED_FOLDER = 'shared';
/** The folder of the GitOps layout under which each model has its folder (`models/<model>`). */
export const GITOPS_MODELS_FOLDER = 'models';
/** The folder of the GitOps layout that holds the Argo CD Applications. */
export const GITOPS_ARGOCD_FOLDER = 'argocd';

/**
 * A folder of a Git repository as Argo CD's `spec.source.path` takes it: relative to the
 * repository's root (Argo CD's repo server refuses a path that leaves the repository), `.` for
 * the root, no empty segments.
 */
const repoPath = z.string().superRefine(unlessToken((p, ctx) => {
  const segments = p.split('/');
  if (p !== '.' && (p.length === 0 || p.startsWith('/') || segments.some((s) => s === '' || s === '..' || s === '.' || /\s/.test(s)))) {
    ctx.addIssue({ code: 'custom', message: 'must be a folder of the repository relative to its root, e.g. "deploy/acme" ("." for the root): no leading or trailing "/", no "." or ".." segments, no spaces' });
  }
}));

const noSpaces = (what: string) => z.string().regex(/^\S+$/, `must be ${what} without spaces`);

/** `ArgoCdApplications`' props: exactly the keys of `ArgoCdApplicationsProps`. */
export const argoCdApplicationsSchema = z.strictObject({
  platform: z.any(),
  repoUrl: noSpaces('a Git repository URL (https://…, ssh://… or git@host:org/repo.git)'),
  path: repoPath,
  targetRevision: noSpaces('a branch, tag or commit').optional(),
  namespace: k8sLabelName.optional(),
  project: k8sSubdomainName.optional(),
  destinationServer: z.string().regex(/^https:\/\/\S+$/, 'must be the https:// URL of the cluster\'s API server as Argo CD knows it').optional(),
  autoSync: z.boolean().optional(),
  prune: z.boolean().optional(),
  selfHeal: z.boolean().optional(),
}).superRefine(unlessToken((p, ctx) => {
  if (p.autoSync === false) {
    for (const key of ['prune', 'selfHeal'] as const) {
      if (p[key] === true) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'has no effect without automated sync: set autoSync too, or leave it unset' });
      }
    }
  }
}));
