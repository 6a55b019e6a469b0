import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuServingEndpoint } from './gpu-serving-endpoint';
import { GuardrailQuery, decisionAnalysisSpec, guardrailAnalysisSpec, guardrailQueries } from './private/experiment-analysis';
import type { ExperimentTarget } from './private/experiment-target';
import { standardLabels } from './private/labels';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './private/security';
import { validateProps } from './private/validate';
import { ExperimentMath, ExperimentSpec } from '../core/experiment';
import { canonicalExperimentSpec } from '../core/experiment/canonical';
import { CHALLENGER_MODEL_URI_ANNOTATION, EXPERIMENT_ANNOTATION } from '../core/mlflow-promotion';
import { k8sExperimentSchema } from '../core/schemas/experiment-k8s';
import { addWarning } from '../core/warnings';

const k8s = kplus.k8s;

/** Analyses of the decision when `analysisInterval` is not set: one a day (a sequential test's look; a day is a business cycle). */
const DEFAULT_EXPERIMENT_ANALYSIS_SECONDS = 86400;
/** Guardrail measurements when `guardrailInterval` is not set: every 5 minutes (window 10 minutes). */
const DEFAULT_GUARDRAIL_INTERVAL_SECONDS = 300;

/** Properties of a Kubernetes `Experiment`: the core spec plus where and how it runs. */
export interface ExperimentProps extends ExperimentSpec {
  /** The endpoint (ARGO_ROLLOUT renderer) whose serving model is the control. */
  readonly endpoint: GpuServingEndpoint;
  /**
   * The challenger's model URI: written to the Rollout's pod template annotation
   * `mlops.cdk.io/challenger-model-uri` (beside `mlops.cdk.io/experiment`, which pauses the
   * `ApprovalPromotion` promoter), which the server's `MODEL_URI` must read during the experiment
   * (Downward API; `MlPlatformChart` wires it so); the Rollout runs it as the canary. Removing the
   * experiment restores the pod template as it was, so a control that stayed needs no new rollout.
   */
  readonly challengerModelUri: string;
  /** The runtime image (docker/drift-job/Dockerfile: `/opt/cdk-mlops/experiment.js`), pinned by digest. */
  readonly image: string;
  /**
   * Accept an image without a digest.
   * @default false
   */
  readonly allowMutableImageTag?: boolean;
  /**
   * Prometheus' HTTP API base the decision reads and the guardrails query.
   * @default - the endpoint's `prometheusAddress`
   */
  readonly prometheusUrl?: string;
  /**
   * How often the decision is analysed (between 1 hour and 1 day).
   * @default Duration.days(1)
   */
  readonly analysisInterval?: Duration;
  /**
   * How often each guardrail is measured (1 minute to 1 hour; its window is twice that).
   * @default Duration.minutes(5)
   */
  readonly guardrailInterval?: Duration;
  /**
   * Header that pins a request to an arm (NGINX router only): `always` → challenger, `never` →
   * control; without it the weight decides per request.
   * @default 'x-experiment-variant'
   */
  readonly variantHeader?: string;
}

/**
 * An online experiment on a Kubernetes `GpuServingEndpoint` (Argo Rollouts): the challenger model
 * runs as the Rollout's canary at `challengerPercent` of the traffic; guardrails (Prometheus
 * metrics in the Rollout's background analysis) abort it at the first breach; a decision Job (a
 * step analysis, the runtime image's `experiment.js analyze`) runs `ExperimentMath.decide` on the
 * per-variant business metric every `analysisInterval` and ends it: the challenger wins → the
 * Rollout promotes it to 100 %; the control wins, no difference or a guardrail → the Rollout aborts
 * and all traffic returns to the control.
 *
 * Add it to an endpoint whose Rollout already serves the control: Argo promotes a Rollout's first
 * revision at once, without steps or analysis (argo-rollouts rollout/sync.go `shouldFullPromote`:
 * "Initial deploy"), so on a new Rollout the challenger would simply become the served model.
 *
 * Business metric convention (Prometheus): counters `<metric>_units_total`, `<metric>_sum_total`
 * and (MEAN) `<metric>_sum_of_squares_total`, labelled `experiment="<name>"` and
 * `variant="control"|"challenger"`.
 */
export class Experiment extends Construct {
  /**
   * The header a caller sends (NGINX router) to pin a request to an arm when `variantHeader` is not
   * set: `always` → challenger, `never` → control (ingress-nginx `canary-by-header`).
   */
  public static readonly DEFAULT_VARIANT_HEADER = 'x-experiment-variant';
  /** The value of the variant header that sends a request to the challenger. */
  public static readonly CHALLENGER_HEADER_VALUE = 'always';
  /** The value of the variant header that sends a request to the control. */
  public static readonly CONTROL_HEADER_VALUE = 'never';

  /** Experiment name. */
  public readonly name: string;
  /** Planned runtime in days (`ExperimentMath.design`). */
  public readonly plannedDays: number;
  /** The AnalysisTemplate of the decision Job (a step analysis of the endpoint's Rollout). */
  public readonly decisionTemplate: ApiObject;
  /** The AnalysisTemplate of the guardrails (in the Rollout's background analysis); none without guardrails. */
  public readonly guardrailTemplate?: ApiObject;
  /** Whether callers can pin a user to an arm with `variantHeader` (NGINX router). */
  public readonly stickyAssignment: boolean;
  /** The header pinning a request to an arm (meaningful when `stickyAssignment`). */
  public readonly variantHeader: string;

  private readonly endpoint: GpuServingEndpoint;
  private readonly target: ExperimentTarget;

  constructor(scope: Construct, id: string, props: ExperimentProps) {
    super(scope, id);
    const plain = { ...props, analysisInterval: props.analysisInterval?.toSeconds(), guardrailInterval: props.guardrailInterval?.toSeconds() };
    validateProps(this, k8sExperimentSchema, plain);

    this.name = props.name;
    this.endpoint = props.endpoint;
    this.target = props.endpoint._experimentTarget();
    this.plannedDays = ExperimentMath.design(specOf(props)).plannedDays;
    this.variantHeader = props.variantHeader ?? Experiment.DEFAULT_VARIANT_HEADER;
    this.stickyAssignment = this.target.trafficRouter === 'NGINX';
    const guardrailSeconds = props.guardrailInterval?.toSeconds() ?? DEFAULT_GUARDRAIL_INTERVAL_SECONDS;
    const queries = guardrailQueries(this.target, this.name, props.guardrails ?? [], guardrailSeconds);
    const address = props.prometheusUrl ?? this.target.prometheusAddress;

    this.guardrailTemplate = queries.length > 0 ? this.createTemplate('Guardrails', `${this.name}-guardrails`, guardrailAnalysisSpec(address, queries, guardrailSeconds)) : undefined;
    this.decisionTemplate = this.createTemplate('Decision', `${this.name}-decision`, this.renderDecision(props, address, queries));
    this.patchRollout(props);
    if (!this.stickyAssignment) {
      addWarning(
        this,
        'cdk-mlops:experiment:per-request-assignment',
        `${this.name}: without a traffic router Argo splits by pods and per request: a user may see both arms, and challengerPercent is approximated by replicas. Set the endpoint's trafficRouter (TrafficRouter.NGINX) for exact weights and sticky assignment by the ${this.variantHeader} header.`,
      );
    }
  }

  /** Namespace of the AnalysisTemplates: the endpoint's (Argo resolves a Rollout's templates in its own namespace). */
  private get namespace(): string {
    return this.endpoint.namespace;
  }

  private createTemplate(id: string, name: string, spec: Record<string, unknown>): ApiObject {
    return new ApiObject(this, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name, namespace: this.namespace, labels: this.labels },
      spec,
    });
  }

  private get labels(): Record<string, string> {
    return standardLabels(this.name, this.name, 'experiment');
  }

  /** The decision Job's AnalysisTemplate: the spec, Prometheus and the guardrails' own queries as environment. */
  private renderDecision(props: ExperimentProps, address: string, queries: GuardrailQuery[]): Record<string, unknown> {
    return decisionAnalysisSpec({
      labels: this.labels,
      image: props.image,
      env: {
        EXPERIMENT_SPEC: JSON.stringify(specOf(props)),
        PROMETHEUS_URL: address,
        GUARDRAILS: JSON.stringify(queries.map((q) => ({ name: q.name, query: q.query, threshold: q.threshold, below: q.below }))),
        ANALYSIS_INTERVAL_SECONDS: String(props.analysisInterval?.toSeconds() ?? DEFAULT_EXPERIMENT_ANALYSIS_SECONDS),
      },
      // Past the planned runtime (and a week of slack for a late start), the Job fails: the control stays.
      activeDeadlineSeconds: (this.plannedDays + 7) * 86400,
      podSecurityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD) ?? {},
      containerSecurityContext: k8s.toJson_SecurityContext(RESTRICTED_CONTAINER) ?? {},
    });
  }

  /**
   * The endpoint's Rollout runs the experiment: the challenger's URI on the pod template, the
   * canary steps `setWeight: challengerPercent` then the decision as a step analysis, the guardrails
   * beside the rollback triggers in the background analysis, and (NGINX) the header pinning an arm.
   */
  private patchRollout(props: ExperimentProps): void {
    const rollout = props.endpoint.defaultChild;
    rollout.addJsonPatch(
      // The pod template's annotations object (the Rollout renders none; a caller wiring the
      // promotion re-adds its MODEL_URI_ANNOTATION after this, as MlPlatformChart does).
      JsonPatch.add('/spec/template/metadata/annotations', { [CHALLENGER_MODEL_URI_ANNOTATION]: props.challengerModelUri, [EXPERIMENT_ANNOTATION]: this.name }),
      JsonPatch.replace('/spec/strategy/canary/steps', [
        { setWeight: props.challengerPercent ?? 50 },
        {
          analysis: {
            templates: [{ templateName: `${this.name}-decision` }],
            args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
          },
        },
      ]),
    );
    if (this.guardrailTemplate) {
      rollout.addJsonPatch(JsonPatch.add('/spec/strategy/canary/analysis/templates/-', { templateName: `${this.name}-guardrails` }));
    }
    if (this.stickyAssignment) {
      rollout.addJsonPatch(JsonPatch.add('/spec/strategy/canary/trafficRouting/nginx/additionalIngressAnnotations', { 'canary-by-header': this.variantHeader }));
    }
  }
}

/** The core spec's keys of the props (what the decision reads). */
function specOf(props: ExperimentProps): ExperimentSpec {
  return canonicalExperimentSpec(props);
}
