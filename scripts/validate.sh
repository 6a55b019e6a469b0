#!/usr/bin/env bash
# Validate synthesized output with real tools. Usage: scripts/validate.sh [cdk.out]
#   1. cfn-lint on every CloudFormation template (errors and warnings fail)
#   2. checkov on templates, manifests and Dockerfiles (failures fail, except checkov-skips.yaml)
#   3. kubernetes-validate, Kubernetes 1.28 strict, on every manifest (core kinds)
#   4. scripts/manifest-schema.ts: Kubernetes 1.28 strict + CRD schemas on every object, also those the
#      EKS stacks deliver ($out/k8s-eks, written from their KubernetesResources by scripts/eks-manifests.ts;
#      self-test on test/fixtures/broken/eks)
#   5. self-test: each tool must reject test/fixtures/broken, proving it really ran
#   6. the drift job's bundles (Lambda and CLI) against moto's S3 + CloudWatch emulator
#      (scripts/drift-emulator.sh: `npm test` mocks the SDK instead, as it must run without Python)
#   7. the promotion's bundled handler against moto's SageMaker + CloudFormation: repeated approvals
#      after a rollback, racing approvals, a stack busy past the deployment limit (scripts/promotion-emulator.sh)
#   8. every stack created in moto's CloudFormation, in dependency order (scripts/moto_cfn.py), and
#      its self-test on test/fixtures/broken/broken.moto-cfn.template.json
#   9. alert and analysis semantics by promtool (scripts/promtool-rules.ts): `check rules` and unit
#      tests for every PrometheusRule alert and every AnalysisTemplate query (healthy, bad, absent
#      series, the GPU operator's exported_* labels), and its self-test on broken.promtool.k8s.yaml
#  10. KServe predictors in Knative mode through Knative Serving's own SetDefaults + Validate
#      (scripts/knative-validate: knative.dev/serving v0.48.1, KServe 0.20's; the feature flags of its
#      config-features.yaml, as the README asks), and its self-test on broken.knative-isvc.yaml
#  11. a real kube-apiserver v1.34 + etcd on loopback (scripts/kube-apiserver.sh): CRDs installed, every
#      object (cdk.out/k8s and cdk.out/k8s-eks) and the Pod each workload creates (Argo workflow pods built as the controller does) sent
#      with dryRun=All&fieldValidation=Strict, namespaces enforcing restricted Pod Security; and its
#      self-test on broken.apiserver.k8s.yaml (built once per machine, ~15 min, cached in ~/.cache/cdk-mlops)
#  12. the MLflow server from PyPI (scripts/mlflow-host-check.sh) started on loopback as each ModelRegistry
#      runs it: the in-cluster Host headers get 200, a foreign one 403; self-test on broken.mlflow-host.k8s.yaml
#  13. Feast's own Athena SQL for every FeatureStore (scripts/feast-sql-check.sh) through Trino's parser and
#      run in DuckDB over the offline store's columns; self-test on broken.feast-sql.k8s.yaml
#  14. every Argo Rollout through Argo Rollouts' own code (scripts/argo-analysis.sh, v1.10.1): the
#      controller's validation with the Services, Ingresses and AnalysisTemplates it names, and its
#      analysis controller on a simulated clock with healthy, failing, empty and NaN results (a healthy
#      canary's first measurement Successful, a failing one Failed before its steps end, no data
#      Inconclusive); also an NGINX-routed endpoint (scripts/argo-analysis/render-routed.ts) and a
#      k8s.Experiment on one (render-experiment.ts: its decision's step analysis through Argo's Job
#      provider, a completed Job Successful and a failed one Failed; its guardrails also by promtool);
#      self-test on broken.argo-*.yaml (built once per machine, cached in ~/.cache/cdk-mlops)
#  15. the CronWorkflow time zone rule (lib/core/time-zone.ts) against what Argo's controller runs
#      (scripts/tz-check.sh: Go's time.LoadLocation with time/tzdata and robfig/cron v3.0.1 CRON_TZ=):
#      the accepted names are exactly Go's tz database, the refused ones do not load; self-test on
#      broken.tz-names.json (~3 s cached, about a minute on a fresh machine)
#  16. the GitOps layout (scripts/gitops-layout.ts, cdk.out/gitops from MlPlatformChart.writeGitOps):
#      every manifest is byte for byte one the steps above judged in cdk.out/k8s, one Argo CD
#      Application per folder, each model's deploying to the namespace its folder renders; self-test
#      on test/fixtures/broken/gitops (~3 s)
#  17. CloudFormation's limits over the whole assembly (bench/scale.ts --check, lib/core/cloudformation-limits.ts):
#      per template as cfn-lint, plus what one template cannot show: stacks per account and Region (nested
#      included), resources per nested-stack operation, export names unique per account and Region, and
#      every chart within 1 MB once inlined by EKS addCdk8sChart; self-test on
#      test/fixtures/broken/cloudformation-limits (~5 s)
#  18. sustained drift → retraining (scripts/retrain-events.ts): amtool check-config and routes test on
#      the rendered Alertmanager config (cdk.out/alertmanager-acme.yaml), the real Alertmanager
#      (Debian prometheus-alertmanager, loopback) posting the rendered alerts, and its payloads through
#      Argo Events' own sensor code (scripts/argo-events-sensor.sh, v1.9.11: dependency filter, k8s
#      trigger, with the rendered Roles): each model's Sensor submits exactly its WorkflowTemplate with
#      data-version <default>@<startsAt>; resolved, other models' and suffixed templates' alerts submit
#      nothing; self-test on test/fixtures/broken/broken.retrain-sensor.k8s.yaml (~6 s; a fresh Go
#      build ~3 min)
#  19. capture → drift end to end (scripts/capture-emulator.sh, test/emulator/capture.emulator.ts): each
#      rendered capture service (assets/capture bundle, its rendered config) fed through the capture proxy
#      started with the Rollout's rendered arguments and by KServe-logger CloudEvents, writing into moto's
#      S3; then the drift CronJob's bundle on the rendered DriftMonitor config: exactly the sampled
#      inferences read, none malformed, PSI > 0.2 for the shifted feature and < 0.1 for the others;
#      self-test on test/fixtures/broken/broken.capture.k8s.yaml (capture prefix not the drift job's) (~25 s)
#  20. approval → canary deploy (scripts/k8s-promotion-check.sh): the MLflow server from PyPI and the real
#      kube-apiserver (RBAC) on loopback, the bundled promoter (assets/k8s-promotion) run with the rendered
#      CronJob's environment and a token of its ServiceAccount: the Role lets it get/patch its Rollout only
#      (403 on another, on list, on delete); champion on a version with lineage is served, a repeat changes
#      nothing, a version without lineage, an older one and an aborted canary's are refused into the dead
#      letter with cdk_mlops_promotion_failed 1; self-test on test/fixtures/broken/broken.k8s-promotion.yaml
#      (a Role not limited to one object), on the same servers (~1 min, MLflow's start is most of it)
#  21. the experiment's bundled handler (assets/experiment, aws.Experiment) against moto's SageMaker +
#      CloudWatch + SSM (scripts/experiment-emulator.sh, test/emulator/experiment.emulator.ts): a guardrail
#      alarm in ALARM moves all weight to the control and records the stop (a later analysis does nothing),
#      a clear winner gets all weight and its result recorded and published, an early analysis changes
#      nothing; self-test on test/fixtures/broken/experiment-handler.js (never moves the weights) (~20 s)
#  22. SLO burn-rate alerts over simulated days by promtool (scripts/slo-promtool.ts): its own objectives
#      (outage and 20x burn page, 2x tickets only, 0.2x silent with 80 % budget left, first firing minute
#      as the workbook's windows predict; a mutant with 10x page factors must fail), then the platform's
#      rendered SLO PrometheusRules ($out/k8s) (~2 min)
#  23. batch scoring on AWS: its bundled handler (assets/batch, aws.BatchScoring) against moto's S3 + KMS +
#      SageMaker model registry (scripts/batch-emulator.sh, test/emulator/batch.emulator.ts): a run commits
#      its partition with manifest and lineage, a re-run replaces it, too few records or a short output
#      change nothing; self-test on a build without the commit's record-count check (~6 s)
#  24. batch scoring on Kubernetes: the shipped batch CLI (assets/batch-k8s) against moto's S3 with each
#      step's command line as the rendered WorkflowTemplate gives it (scripts/batch-k8s-emulator.sh); the
#      championAlias runs resolve MLflow's alias against the MLflow server from PyPI (~17 s)
#  25. drift on batch inputs (scripts/drift-batch-emulator.sh, test/emulator/drift-batch.emulator.ts): the
#      drift job's bundles read the committed partition through its manifest, never an uncommitted run (~3 s)
#  26. Argo Workflows' own validation code (scripts/argo-workflows-check.sh, argo-workflows v4.0.5 pinned):
#      k8s.BatchScoring's WorkflowTemplates and CronWorkflow (its own on a GPU pool, then the platform's
#      in $out/k8s) valid and submittable, the CronWorkflow's logical date evaluated by the controller's
#      substitution against every hour of 2024-2026; self-test on broken.argo-batch-*.yaml; the failed-run
#      alert through promtool (argo-workflows-check/promtool-batch.ts). The Go build (~12 min on 2 cores,
#      once per machine, cached in ~/.cache/cdk-mlops) starts in the background when validation starts
#      (its self-test); the step waits for it (~45 s cached)
#  27. the platform's picture (scripts/render-diagram.sh): Graphviz renders $out/diagram-acme*.dot, every
#      label drawn, and docs/diagram-acme.dot (README's image) is the example's; self-test on an invalid DOT
#  28. cost allocation tags (scripts/cost-tags-check.py): every resource of every template whose type
#      CloudFormation's resource schema (cfn-lint's copy) says takes tags carries model, owner and platform;
#      prints the types that take none; self-test on test/fixtures/broken/cost-tags.template.json
# Run through `npm run validate`, which installs the tools and synthesizes the examples first.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-cdk.out}
bin=.tools/venv/bin
broken=test/fixtures/broken
[ -x "$bin/cfn-lint" ] || { echo "validate: tools missing; run npm run validate:tools" >&2; exit 2; }
[ -x .tools/emulator-venv/bin/moto_server ] || { echo "validate: emulator missing; run npm run validate:tools" >&2; exit 2; }

mapfile -t templates < <(find "$out" -maxdepth 1 -name '*.template.json' | sort)
mapfile -t manifests < <(find "$out/k8s" -name '*.yaml' 2>/dev/null | sort)
[ "${#templates[@]}" -gt 0 ] || { echo "validate: no templates in $out (synthesize first)" >&2; exit 1; }
[ "${#manifests[@]}" -gt 0 ] || { echo "validate: no manifests in $out/k8s (synthesize first)" >&2; exit 1; }
# What EksMlPlatform applies exists only inside the EKS stacks' templates (e.g. MLflow's SecretStore and
# ExternalSecret): steps 4 and 11 judge those manifests too.
rm -rf "$out/k8s-eks"
npx --no-install tsx scripts/eks-manifests.ts "$out" "$out/k8s-eks" > /dev/null
mapfile -t eks_manifests < <(find "$out/k8s-eks" -name '*.yaml' | sort)
echo "validate: ${#templates[@]} templates, ${#manifests[@]} manifest files in $out"

step() { printf '\n== %s\n' "$*"; }

# Step 26's Go build takes about 12 minutes on a fresh machine: build it (running its self-test) in the
# background, in its own process group (stopped if validation ends first), while the other steps run.
argo_workflows_log=$(mktemp)
setsid bash scripts/argo-workflows-check.sh --self-test > "$argo_workflows_log" 2>&1 &
argo_workflows_pid=$!
trap 'kill -- -"$argo_workflows_pid" 2> /dev/null || true; rm -f "$argo_workflows_log"' EXIT

step "cfn-lint $("$bin/cfn-lint" --version | cut -d' ' -f2) (errors and warnings fail)"
"$bin/cfn-lint" --non-zero-exit-code warning -- "${templates[@]}"
echo "cfn-lint: ${#templates[@]} templates, no errors or warnings"

step "checkov $("$bin/checkov" --version)"
"$bin/python" scripts/checkov_gate.py --checkov "$bin/checkov" --skips checkov-skips.yaml "${templates[@]}" "${manifests[@]}" docker/*/Dockerfile

step "kubernetes-validate $("$bin/kubernetes-validate" --version) (Kubernetes 1.28, strict)"
# Custom resources only warn here (no schema); step 4 validates them against their CRDs.
"$bin/kubernetes-validate" --kubernetes-version 1.28.0 --strict --quiet --no-warn "${manifests[@]}"
echo "kubernetes-validate: ${#manifests[@]} files valid"

step "manifest schemas (Kubernetes 1.28 strict + CRDs)"
npx --no-install tsx scripts/manifest-schema.ts "${manifests[@]}" "${eks_manifests[@]}"

step "self-test: every validator must reject $broken"
expect_failure() {
  local name=$1; shift
  if "$@" > /dev/null 2>&1; then
    echo "validate: $name accepted the broken fixture: it is not really checking" >&2
    exit 1
  fi
  echo "$name rejects the broken fixture: ok"
}
expect_failure cfn-lint "$bin/cfn-lint" --non-zero-exit-code warning -- "$broken/broken.template.json"
expect_failure checkov "$bin/python" scripts/checkov_gate.py --checkov "$bin/checkov" --skips checkov-skips.yaml "$broken/broken.template.json" "$broken/broken.k8s.yaml"
expect_failure kubernetes-validate "$bin/kubernetes-validate" --kubernetes-version 1.28.0 --strict --quiet "$broken/broken.k8s.yaml"
expect_failure manifest-schema npx --no-install tsx scripts/manifest-schema.ts "$broken/broken.k8s.yaml"
expect_failure "manifest-schema (Argo Events JSON Schema)" npx --no-install tsx scripts/manifest-schema.ts "$broken/broken.argo-events.k8s.yaml"
expect_failure "manifest-schema (EKS-delivered manifests)" bash -c 'd=$(mktemp -d) && trap "rm -rf $d" EXIT && npx --no-install tsx scripts/eks-manifests.ts "$1" "$d" && npx --no-install tsx scripts/manifest-schema.ts "$d"/*.yaml' _ "$broken/eks"

step "drift job bundles against moto_server (S3 + CloudWatch emulator)"
bash scripts/drift-emulator.sh

step "promotion handler bundle against moto_server (SageMaker model packages + CloudFormation)"
bash scripts/promotion-emulator.sh

step "experiment handler bundle against moto_server (SageMaker endpoint weights + CloudWatch + SSM)"
bash scripts/experiment-emulator.sh
bash scripts/experiment-emulator.sh --self-test

step "batch scoring handler bundle against moto_server (S3 + KMS + SageMaker model registry)"
bash scripts/batch-emulator.sh
bash scripts/batch-emulator.sh --self-test

step "drift on batch inputs: committed partitions read through their manifest, uncommitted runs never"
bash scripts/drift-batch-emulator.sh

step "stacks created in moto's CloudFormation (types moto lacks stubbed; every Ref/GetAtt/DependsOn resolved)"
.tools/emulator-venv/bin/python scripts/moto_cfn.py --self-test
.tools/emulator-venv/bin/python scripts/moto_cfn.py "$out"

step "alert and analysis semantics (promtool check rules + test rules)"
npx --no-install tsx scripts/promtool-rules.ts "$out/k8s"
if broken_out=$(npx --no-install tsx scripts/promtool-rules.ts "$broken/broken.promtool.k8s.yaml" 2>&1); then
  echo "validate: promtool-rules passed the broken rules: it is not really testing" >&2
  exit 1
fi
# Failing for another reason (no promtool, a parse error) would prove nothing: its unit tests must fail.
grep -q 'FAILED:' <<< "$broken_out" || { echo "validate: promtool-rules failed on the broken rules without a failing test:" >&2; echo "$broken_out" >&2; exit 1; }
echo "promtool-rules rejects the broken rules: ok"

step "SLO burn-rate alerts over simulated days (promtool): page, ticket and silence when the workbook's windows say"
npx --no-install tsx scripts/slo-promtool.ts
npx --no-install tsx scripts/slo-promtool.ts "$out/k8s"

step "KServe predictors through Knative Serving's validation (Knative mode, the README's feature flags)"
bash scripts/knative-validate/run.sh "${manifests[@]}"
bash scripts/knative-validate/run.sh -expect-reject "$broken/broken.knative-isvc.yaml"

step "a real kube-apiserver + etcd: every object and workload pod, dryRun=All, fieldValidation=Strict, Pod Security restricted"
bash scripts/kube-apiserver.sh "${manifests[@]}" "${eks_manifests[@]}"

step "MLflow (PyPI) answering the rendered Host headers (403 for a foreign one)"
bash scripts/mlflow-host-check.sh "${manifests[@]}"
bash scripts/mlflow-host-check.sh --self-test

step "Feast's Athena SQL through Trino's parser and DuckDB"
bash scripts/feast-sql-check.sh "${manifests[@]}"
bash scripts/feast-sql-check.sh --self-test

step "Argo Rollouts: the controller's validation and its analysis on healthy, failing, empty and NaN results"
routed=$(mktemp --suffix=.yaml)
experiment=$(mktemp --suffix=.yaml)
npx --no-install tsx scripts/argo-analysis/render-routed.ts "$routed"
npx --no-install tsx scripts/argo-analysis/render-experiment.ts "$experiment"
bash scripts/argo-analysis.sh "${manifests[@]}" "$routed" "$experiment"
npx --no-install tsx scripts/promtool-rules.ts "$experiment"
rm -f "$routed" "$experiment"
bash scripts/argo-analysis.sh --self-test

step "CronWorkflow time zones: the library's rule against Go's time.LoadLocation and robfig/cron (Argo's controller)"
bash scripts/tz-check.sh
bash scripts/tz-check.sh --self-test

step "Argo Workflows: batch scoring's WorkflowTemplates and CronWorkflow through the controller's own validation and substitution"
if ! wait "$argo_workflows_pid"; then
  cat "$argo_workflows_log" >&2
  echo "validate: argo-workflows-check --self-test (started in the background) failed" >&2
  exit 1
fi
cat "$argo_workflows_log"
bash scripts/argo-workflows-check.sh --batch
mapfile -t workflow_manifests < <(grep -lE '^kind: (WorkflowTemplate|CronWorkflow)$' "${manifests[@]}" || true)
[ "${#workflow_manifests[@]}" -gt 0 ] || { echo "validate: no WorkflowTemplate or CronWorkflow in $out/k8s" >&2; exit 1; }
bash scripts/argo-workflows-check.sh "${workflow_manifests[@]}"
npx --no-install tsx scripts/argo-workflows-check/promtool-batch.ts

step "batch scoring on Kubernetes: the shipped batch CLI against moto's S3, each step's command line as rendered"
bash scripts/batch-k8s-emulator.sh

step "the GitOps layout: validated manifests only, one Argo CD Application per folder, each model in its namespace"
npx --no-install tsx scripts/gitops-layout.ts "$out/gitops" "$out/k8s"
npx --no-install tsx scripts/gitops-layout.ts --self-test

step "CloudFormation limits over the assembly: stacks per account and Region, nested operations, export names, inlined charts"
npx --no-install tsx bench/scale.ts --check "$out" --k8s "$out/k8s"
npx --no-install tsx bench/scale.ts --self-test

step "sustained drift → retraining: amtool, the real Alertmanager, and Argo Events' sensor code on its payloads"
npx --no-install tsx scripts/retrain-events.ts "$out/alertmanager-acme.yaml" "$out/k8s"
npx --no-install tsx scripts/retrain-events.ts --self-test

step "capture → drift: the capture service and proxy bundles into moto's S3, the drift CronJob's bundle computing PSI on it"
bash scripts/capture-emulator.sh "${manifests[@]}"
bash scripts/capture-emulator.sh --self-test

step "approval → canary deploy: MLflow's champion alias through the promoter to its one Rollout, on the real API server with RBAC"
bash scripts/k8s-promotion-check.sh "${manifests[@]}"

step "the platform's diagram: Graphviz renders the DOT, every model and alarm in it, README's copy current"
bash scripts/render-diagram.sh "$out"
bash scripts/render-diagram.sh --self-test

step "cost allocation tags against CloudFormation's resource schemas: every taggable resource carries model, owner, platform"
"$bin/python" scripts/cost-tags-check.py "${templates[@]}"
"$bin/python" scripts/cost-tags-check.py --self-test

printf '\nvalidate: all checks passed\n'
