/** The GitOps layout of an `MlPlatformChart`: which folder each of its charts is written to. */
import { App, Chart, Names } from 'cdk8s';
import { GITOPS_ARGOCD_FOLDER, GITOPS_MODELS_FOLDER, GITOPS_SHARED_FOLDER } from '../../core/schemas/platform-delivery';

/** What the layout needs of a platform (structural: `MlPlatformChart` imports this file). */
export interface GitOpsPlatform extends Chart {
  readonly models: ReadonlyArray<{ readonly modelName: string; readonly chart: Chart }>;
}

/**
 * The folder of a chart of the platform, relative to the layout's root: `shared` for the platform
 * chart (in the `ONE_CHART` layout it holds every model too), `models/<model>` for a model's own
 * chart, `argocd` for the Applications.
 */
export function gitOpsFolderOf(platform: GitOpsPlatform, chart: Chart): string {
  if (chart === platform) {
    return GITOPS_SHARED_FOLDER;
  }
  const model = platform.models.find((m) => m.chart === chart);
  return model !== undefined ? `${GITOPS_MODELS_FOLDER}/${model.modelName}` : GITOPS_ARGOCD_FOLDER;
}

/** The name `app.synth()` gives a chart's file (cdk8s `FILE_PER_CHART` without chart dependencies). */
export function chartFileName(chart: Chart): string {
  return `${Names.toDnsLabel(chart)}${App.of(chart).outputFileExtension}`;
}
