import { BATCH_MANIFEST_FILE, BATCH_PARTITION_KEY } from '../../core/batch/layout';
import { BatchScoringSpec } from '../../core/batch/spec';

/**
 * The Argo side of batch scoring's layout (lib/core/batch/layout.ts), with the logical date and the
 * run id as Argo placeholders: the strings `inputPartitionUri`, `runOutputUri` and `manifestUri`
 * return once Argo has substituted them (test/k8s/batch-scoring.test.ts checks it for real dates).
 */

/** Where a run's logical date is, inside a template of the run. */
export const LOGICAL_DATE_PARAMETER = '{{inputs.parameters.logical-date}}';
/**
 * The run id: the workflow's uid, unique per submission (a backfill's dates share it, but each date
 * has its own partition, so `date=D/run=<uid>/` is still one run's prefix).
 */
export const RUN_ID_PARAMETER = '{{workflow.uid}}';

/** The logical date of a cron run without a scheduled time: not a date, so validate-input refuses it. */
export const NO_SCHEDULED_TIME = 'no-scheduled-time';

/**
 * The logical date of a run the CronWorkflow starts: the UTC day before its scheduled time.
 *
 * `workflow.scheduledTime` is the annotation `workflows.argoproj.io/scheduled-time` the cron
 * controller writes as `scheduledTime.Format(time.RFC3339)` (argo-workflows
 * workflow/common/convert.go `ConvertCronWorkflowToWorkflowWithProperties`), in the CronWorkflow's
 * time zone (UTC here: `2026-11-27T03:00:00Z`); a run started by hand with `argo submit --from
 * cronwf/…` gets `time.Now()` in the submitter's zone (`ConvertCronWorkflowToWorkflow`), offset
 * included. The controller evaluates `{{=…}}` when it substitutes the global variables into the
 * workflow's spec (workflow/controller/operator.go `substituteGlobalVariables`, run on every
 * reconcile from the stored spec: the same annotation, the same date), with expr-lang/expr and
 * Sprig's `GenericFuncMap` under `sprig` (util/expr/env/env.go). The entrypoint receives the
 * evaluated `spec.arguments`.
 *
 * - `sprig.toDate(layout, s)` is `time.ParseInLocation(layout, s, time.Local)`: the offset in `s`
 *   wins, so the instant is exact whatever the controller's zone;
 * - `sprig.dateModify('-24h', t)` is `t.Add(-24h)` (it returns `t` unchanged only when the
 *   duration does not parse; '-24h' does);
 * - `sprig.dateInZone('2006-01-02', t, 'UTC')` formats the instant in UTC. `sprig.date` would
 *   format it in `time.Local`, the controller's zone: not the contract.
 *
 * - without the annotation (a Workflow made from the CronWorkflow's spec by other means) the variable
 *   is absent, `sprig.toDate` would get nil and return the zero time, and the date would be
 *   "0000-12-31" (measured with Argo's code): the guard yields `NO_SCHEDULED_TIME` instead, which
 *   the validate-input step refuses as no date, before anything is scored.
 *
 * So the result is `logicalDateOf(scheduledTime)` (lib/core/batch/layout.ts) for every instant;
 * `scripts/argo-workflows-check` evaluates it with Argo's own template code against that function.
 */
export const LOGICAL_DATE_EXPRESSION = "{{=workflow.scheduledTime == nil ? '" + NO_SCHEDULED_TIME + "' : "
  + "sprig.dateInZone('2006-01-02', sprig.dateModify('-24h', sprig.toDate('2006-01-02T15:04:05Z07:00', workflow.scheduledTime)), 'UTC')}}";

/** `<inputUri>date={{…logical-date}}/`: the input partition of the run. */
export function inputPartitionTemplate(spec: Pick<BatchScoringSpec, 'inputUri'>): string {
  return `${spec.inputUri}${BATCH_PARTITION_KEY}=${LOGICAL_DATE_PARAMETER}/`;
}

/** `<outputUri>date={{…logical-date}}/run={{workflow.uid}}/`: the only prefix the scoring step writes. */
export function runOutputTemplate(spec: Pick<BatchScoringSpec, 'outputUri'>): string {
  return `${spec.outputUri}${BATCH_PARTITION_KEY}=${LOGICAL_DATE_PARAMETER}/run=${RUN_ID_PARAMETER}/`;
}

/** `<outputUri>date={{…logical-date}}/_MANIFEST.json`: what the commit step writes. */
export function manifestTemplate(spec: Pick<BatchScoringSpec, 'outputUri'>): string {
  return `${spec.outputUri}${BATCH_PARTITION_KEY}=${LOGICAL_DATE_PARAMETER}/${BATCH_MANIFEST_FILE}`;
}

/**
 * The restricted security context of Argo's executor containers (`init`, `wait`), applied by the
 * workflow's `podSpecPatch` after the controller adds them: see `MlPipeline` (lib/k8s/ml-pipeline.ts)
 * for why, and the controller code it follows.
 */
const EXECUTOR_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The workflow's `podSpecPatch`: the executor's `init` and `wait` containers restricted. */
export const EXECUTOR_POD_SPEC_PATCH = JSON.stringify({
  initContainers: [{ name: 'init', securityContext: EXECUTOR_SECURITY_CONTEXT }],
  containers: [{ name: 'wait', securityContext: EXECUTOR_SECURITY_CONTEXT }],
});
