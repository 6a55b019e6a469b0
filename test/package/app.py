"""The consumer app of the package test (scripts/package-test.sh), in Python: the twin of app.ts.

Both build the same constructs with the same props; their synthesized templates and manifests must
be byte-identical. A wrong input is recognised as the library's error and its problems are read,
with the properties spelled as a Python user wrote them.

Usage: python app.py <platform spec file> <output folder> <spec file of three models of one shape>
"""
import json
import os
import sys

from aws_cdk import App, Duration, Environment, Stack
import cdk8s
from cdk_mlops import aws, core, platform

spec_file, outdir, spec3_file = sys.argv[1], sys.argv[2], sys.argv[3]
env = Environment(account="123456789012", region="eu-west-1")
app = App(outdir=outdir)

# One GPU endpoint: a canary that rolls back on 5xx rate or p99 latency.
serving = Stack(app, "FraudServing", env=env)
aws.GpuServingEndpoint(
    serving,
    "Fraud",
    model=aws.ModelSource.from_image(
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:" + "a1" * 32,
        model_data_url="s3://acme-ml-models/fraud/v42/model.tar.gz",
    ),
    instance_type="ml.g5.xlarge",
    initial_instance_count=2,
    alarm_ownership=core.AlarmOwnership(owner="fraud-ml-oncall", runbook_url="https://runbooks.example.com/ml/fraud"),
    rollout=core.RolloutPolicy.canary(percent=50, bake=Duration.minutes(10)),
    rollback_triggers=[
        core.RollbackTrigger.error_rate(max_percent=1),
        core.RollbackTrigger.p99_latency(max_millis=300),
    ],
    autoscaling=aws.EndpointAutoscalingOptions(min_instances=2, max_instances=4, target_invocations_per_instance=600),
)

# The whole platform from one spec file, on AWS and on Kubernetes.
# Placed in the App: a shared stack and one stack per model (acme-shared, acme-churn).
acme = platform.MlPlatform.from_file(app, "Acme", spec_file, env=env)
assert [s.stack_name for s in [acme.shared_stack, *acme.models]] == ["acme-shared", "acme-churn"], "the platform's stacks"
# Three models of one shape, stamped: fraud and click from constructs, spams written from fraud's template.
big = platform.MlPlatform.from_file(app, "Big", spec3_file, env=env, model_synthesis=platform.ModelSynthesis.STAMPED)
assert [m.model_name for m in big.models] == ["fraud", "click"], "the stamped platform's prototypes"
assert [s.stack_name for s in big.model_stacks] == ["big-fraud", "big-click", "big-spams"], "the stamped platform's stacks"
k8s_app = cdk8s.App(outdir=os.path.join(outdir, "k8s"))
platform.MlPlatformChart.from_file(k8s_app, "acme", spec_file)

# A wrong input: the library's error, with every problem named.
problems = None
try:
    aws.GpuServingEndpoint(
        Stack(App(), "Bad", env=env),
        "Fraud",
        model=aws.ModelSource.from_image(image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server:latest"),
        instance_type="ml.g5.xlarge",
        initial_instance_count=2,
        alarm_ownership=core.AlarmOwnership(owner="fraud-ml-oncall", runbook_url="https://runbooks.example.com/ml/fraud"),
        autoscaling=aws.EndpointAutoscalingOptions(min_instances=3, max_instances=2),
    )
except RuntimeError as e:
    problems = core.Errors.problems_of(str(e))
    if problems is None:
        raise
    print("refused as expected:", str(e).splitlines()[0], file=sys.stderr)

app.synth()
k8s_app.synth()
with open(os.path.join(outdir, "runbook.md"), "w", encoding="utf-8") as f:
    f.write(acme.runbook())
with open(os.path.join(outdir, "runbook-big.md"), "w", encoding="utf-8") as f:
    f.write(big.runbook())
with open(os.path.join(outdir, "problems.json"), "w", encoding="utf-8") as f:
    rendered = [
        {"constructPath": p.construct_path, "property": p.property, "received": p.received, "allowed": p.allowed}
        for p in problems
    ]
    f.write(json.dumps(rendered, indent=2) + "\n")
