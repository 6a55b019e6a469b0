"""Create the synthesized stacks in moto's CloudFormation: every Ref, Fn::GetAtt, Fn::Sub, DependsOn and
Fn::ImportValue must resolve and every stack must reach CREATE_COMPLETE, in the order of the cloud
assembly's stack dependencies (manifest.json; a stack whose dependency failed is not attempted).

Usage: moto_cfn.py [cdk.out]                  every stack of a cloud assembly, its assets uploaded first
       moto_cfn.py --template T.json [...]     lone templates, created in the order given
       moto_cfn.py --self-test                 must report each fault of test/fixtures/broken/broken.moto-cfn.template.json
Runs in .tools/emulator-venv (moto[server] 5.2.5 and boto3, scripts/requirements-emulator.txt); a step
of `npm run validate`. moto's server (the moto_server WSGI app) runs in a thread of this process on a
free port of 127.0.0.1, so that a failure can name the stack and resource being created (moto answers
an exception with a bare HTTP 500); boto3 talks to it over HTTP with dummy credentials.

What it proves. moto's CloudFormation resolves every intrinsic function while it creates the
resources in dependency order: a Ref to an undefined name, a Fn::GetAtt of an undefined resource or
of an attribute moto's model of the type does not have, a Fn::ImportValue of an export no earlier
stack made, a nested stack whose parameters do not match its template, a SageMaker endpoint whose
endpoint config does not exist yet, an IAM policy with a malformed ARN, each fails the stack. The
harness adds what moto skips: a DependsOn naming an undefined resource (moto ignores it), a Lambda
function whose code object no asset publishes (moto creates it without code), a Fn::GetAtt moto
leaves unresolved, every resource of the template (and of its nested stacks) really created, and a
resource naming an endpoint (or an endpoint config / model) by a literal string without depending on
it, or a model not depending on the policies of its role (CloudFormation may create either first: see
NAMED_BY and USES_ROLE_AT_CREATION). Types moto does not implement (STUBS) become an
AWS::SSM::Parameter stub that keeps its logical id (so Ref resolves), DependsOn, Condition, and its
original properties under Metadata, which moto resolves like the rest of the resource (so a Ref
inside an alarm's dimensions or a pipeline's definition is checked too). A Ref or Fn::GetAtt of a
stub becomes a string built on a Ref to the stub (moto still checks the resource exists), shaped as
an ARN where CloudFormation returns one, once the harness has checked the attribute against those
CloudFormation documents for the type.

What it cannot prove. Nothing runs: moto does not start SageMaker endpoints, pipelines or monitoring
jobs, evaluate alarms, register scaling targets, or check IAM permissions, KMS key policies, bucket
policies or most property values against the service's rules (cfn-lint and checkov do some of that);
stubbed resources are not created at all, only their references are resolved. Creation is
sequential and instantaneous, so it says nothing about timing beyond the dependencies above, or about
update and rollback behaviour.
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import logging
import os
import re
import sys
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "test/fixtures/broken/broken.moto-cfn.template.json"
STUB_TYPE = "AWS::SSM::Parameter"
STUB_KEY = "MotoCfnStub"

class Stub:
    """A type moto lacks: its page in the CloudFormation template reference, the attributes Fn::GetAtt may
    read, whether Ref returns its ARN (else a name or id), and the service and resource part of its ARN."""

    def __init__(self, page: str, attrs: set[str] | None, ref_is_arn: bool, arn: str):
        self.page, self.attrs, self.ref_is_arn = page, frozenset(attrs) if attrs is not None else None, ref_is_arn
        self.service, self.arn_resource = arn.split(":", 1)


# Resource types moto 5.2.5's CloudFormation does not implement (absent from
# moto.cloudformation.parsing.get_model_map()). Page: in the AWS CloudFormation template reference,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/<page>; its "Return values"
# section documents what Ref returns and the attributes of Fn::GetAtt, listed here (they are also the
# readOnlyProperties of the type's resource provider schema, as shipped in cfn-lint 1.58, and Ref
# returns its primaryIdentifier). attrs None: any attribute (a custom resource's attributes are the
# Data its provider returns).
STUBS: dict[str, Stub] = {
    # aws.ServiceLevelObjectives: Ref returns the SLO's ARN.
    "AWS::ApplicationSignals::ServiceLevelObjective": Stub(
        "aws-resource-applicationsignals-servicelevelobjective.html", {"Arn", "CreatedTime", "LastUpdatedTime", "EvaluationType"},
        True, "application-signals:slo/"),
    "AWS::ApplicationAutoScaling::ScalableTarget": Stub(
        "aws-resource-applicationautoscaling-scalabletarget.html", {"Id"}, False, "application-autoscaling:scalable-target/"),
    "AWS::ApplicationAutoScaling::ScalingPolicy": Stub(
        "aws-resource-applicationautoscaling-scalingpolicy.html", {"Arn"}, True, "autoscaling:scalingPolicy:"),
    "AWS::Athena::WorkGroup": Stub(
        "aws-resource-athena-workgroup.html",
        {"CreationTime", "WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion"}, False, "athena:workgroup/"),
    # aws.ModelBudget: Ref returns the budget's name (its Id).
    "AWS::Budgets::Budget": Stub("aws-resource-budgets-budget.html", {"Id"}, False, "budgets:budget/"),
    "AWS::CloudWatch::Alarm": Stub("aws-resource-cloudwatch-alarm.html", {"Arn"}, False, "cloudwatch:alarm:"),
    "AWS::CloudWatch::CompositeAlarm": Stub("aws-resource-cloudwatch-compositealarm.html", {"Arn"}, False, "cloudwatch:alarm:"),
    "AWS::Lambda::EventInvokeConfig": Stub("aws-resource-lambda-eventinvokeconfig.html", set(), False, "lambda:function:"),
    "AWS::S3::BucketPolicy": Stub("aws-resource-s3-bucketpolicy.html", set(), False, "s3::"),
    "AWS::SNS::TopicPolicy": Stub("aws-resource-sns-topicpolicy.html", {"Id"}, False, "sns:"),
    "AWS::SQS::QueuePolicy": Stub("aws-resource-sqs-queuepolicy.html", {"Id"}, False, "sqs:"),
    "AWS::SageMaker::DataQualityJobDefinition": Stub(
        "aws-resource-sagemaker-dataqualityjobdefinition.html", {"CreationTime", "JobDefinitionArn"}, True,
        "sagemaker:data-quality-job-definition/"),
    "AWS::SageMaker::FeatureGroup": Stub(
        "aws-resource-sagemaker-featuregroup.html", {"CreationTime", "FeatureGroupStatus"}, False, "sagemaker:feature-group/"),
    "AWS::SageMaker::ModelPackageGroup": Stub(
        "aws-resource-sagemaker-modelpackagegroup.html", {"CreationTime", "ModelPackageGroupArn", "ModelPackageGroupStatus"},
        True, "sagemaker:model-package-group/"),
    "AWS::SageMaker::ModelQualityJobDefinition": Stub(
        "aws-resource-sagemaker-modelqualityjobdefinition.html", {"CreationTime", "JobDefinitionArn"}, True,
        "sagemaker:model-quality-job-definition/"),
    "AWS::SageMaker::MonitoringSchedule": Stub(
        "aws-resource-sagemaker-monitoringschedule.html", {"CreationTime", "LastModifiedTime", "MonitoringScheduleArn"},
        True, "sagemaker:monitoring-schedule/"),
    "AWS::SageMaker::Pipeline": Stub("aws-resource-sagemaker-pipeline.html", set(), False, "sagemaker:pipeline/"),
    # aws.BatchScoring's daily run: Ref returns the schedule's name.
    "AWS::Scheduler::Schedule": Stub("aws-resource-scheduler-schedule.html", {"Arn"}, False, "scheduler:schedule/"),
    # EksMlPlatform's MLflow backend store URI secret (Ref: its ARN; GetAtt Id: its ARN).
    "AWS::SecretsManager::Secret": Stub("aws-resource-secretsmanager-secret.html", {"Id"}, True, "secretsmanager:secret:"),
    # Lambda-backed: moto would invoke the provider's function in Docker.
    "AWS::CloudFormation::CustomResource": Stub(
        "aws-resource-cloudformation-customresource.html", None, False, "cloudformation:custom-resource/"),
    # Written by the CDK when version reporting is on; no attributes.
    "AWS::CDK::Metadata": Stub("(CDK version reporting, not a registry type)", set(), False, "cloudformation:cdk-metadata/"),
}
STUB_PREFIXES = ("Custom::",)  # custom resources by name: as AWS::CloudFormation::CustomResource

# Values of AWS::SSM::Parameter::Value<String> parameter defaults: the CDK bootstrap version (the
# template's CheckBootstrapVersion rule needs 6 or more; moto does not evaluate Rules).
SSM_DEFAULTS = [(re.compile(r"^/cdk-bootstrap/[^/]+/version$"), "30")]
PSEUDO = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
          "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}


class Problem:
    def __init__(self, where: str, resource: str, message: str):
        self.where, self.resource, self.message = where, resource, message

    def __str__(self) -> str:
        return f"{self.where}: {self.resource}: {self.message}" if self.resource else f"{self.where}: {self.message}"


def stub_spec(rtype: str) -> Stub | None:
    if rtype.startswith(STUB_PREFIXES):
        return STUBS["AWS::CloudFormation::CustomResource"]
    return STUBS.get(rtype)


# Hidden order. CloudFormation creates resources in parallel unless one depends on the other through Ref,
# Fn::GetAtt, Fn::Sub or DependsOn (DependsOn attribute, TemplateReference/aws-attribute-dependson.html).
# A resource that names another of the template by a literal string therefore may be created first;
# moto, creating one at a time in the template's dependency order, cannot notice. The harness flags it
# where the service checks the named resource exists at creation: SageMaker verifies the endpoint of a
# monitoring input exists (aws/sagemaker-python-sdk#4873), Application Auto Scaling the endpoint variant
# it registers, SageMaker the endpoint config and models an endpoint or endpoint config names.
NAMED_BY = {  # type: the property that holds its name
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Model": "ModelName",
}
MONITORED = {"AWS::SageMaker::Endpoint"}
NEEDS_EXISTING: dict[str, set[str]] = {  # type: the types of what it names that must exist when it is created
    "AWS::SageMaker::DataQualityJobDefinition": MONITORED,
    "AWS::SageMaker::ModelQualityJobDefinition": MONITORED,
    "AWS::SageMaker::ModelBiasJobDefinition": MONITORED,
    "AWS::SageMaker::ModelExplainabilityJobDefinition": MONITORED,
    "AWS::SageMaker::MonitoringSchedule": MONITORED,
    "AWS::ApplicationAutoScaling::ScalableTarget": MONITORED,
    "AWS::ApplicationAutoScaling::ScalingPolicy": MONITORED,
    "AWS::SageMaker::Endpoint": {"AWS::SageMaker::EndpointConfig"},
    "AWS::SageMaker::EndpointConfig": {"AWS::SageMaker::Model"},
}
# A resource whose service checks, when it is created, what its role may do must depend on the policies
# attached to that role as separate resources (AWS::IAM::Policy / ManagedPolicy naming the role), or
# CloudFormation may create it before them: CreateModel uses the execution role to access the model
# artifacts and image (issue 12.2; aws/aws-cdk#10064, "Could not access model data").
USES_ROLE_AT_CREATION = {"AWS::SageMaker::Model": "ExecutionRoleArn"}  # type: its role property
# A name is a whole string, or the endpoint of an Application Auto Scaling resource id.
SCALABLE_ENDPOINT = re.compile(r"^endpoint/([^/]+)/variant/[^/]+$")


def references(node: Any) -> set[str]:
    """Logical ids named by Ref, Fn::GetAtt and Fn::Sub anywhere in node."""
    found: set[str] = set()
    if isinstance(node, list):
        for x in node:
            found |= references(x)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0] if isinstance(value, list) and value else None
                if isinstance(target, str):
                    found.add(target)
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0] if value else ""
                if isinstance(text, str):
                    found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
            found |= references(value)
    return found


def literals(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for x in node for s in literals(x)]
    if isinstance(node, dict):
        return [s for v in node.values() for s in literals(v)]
    return []


# ---------------------------------------------------------------- static pass and rewrite

class Rewriter:
    """Replace the types moto lacks by stubs, and check what moto would not (DependsOn, GetAtt of stubs)."""

    def __init__(self, where: str, template: dict[str, Any], implemented: set[str], problems: list[Problem]):
        self.where = where
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.implemented = implemented
        self.problems = problems
        self.stubs = {lid: r["Type"] for lid, r in self.resources.items() if stub_spec(r.get("Type", ""))}
        self.current = ""

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.where, self.current, message))

    def stub_value(self, target: str, attr: str | None) -> Any:
        """The value of Ref (attr None) or Fn::GetAtt of a stub: a string built on a Ref to the stub, so moto
        still checks the resource exists, shaped as an ARN where CloudFormation returns one (moto's IAM
        checks the ARNs of policy documents)."""
        spec = stub_spec(self.stubs[target])
        assert spec is not None
        if attr is None and not spec.ref_is_arn:
            return {"Ref": target}
        if attr is not None and not attr.endswith("Arn"):
            return {"Fn::Join": ["", [f"moto-cfn-stub-{attr.replace('.', '-')}-", {"Ref": target}]]}
        return {"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, f":{spec.service}:", {"Ref": "AWS::Region"}, ":",
            {"Ref": "AWS::AccountId"}, f":{spec.arn_resource}", {"Ref": target}]]}

    def stub_getatt(self, target: str, attr: str) -> Any:
        rtype = self.stubs[target]
        spec = stub_spec(rtype)
        assert spec is not None
        if spec.attrs is not None and attr not in spec.attrs:
            documented = ", ".join(sorted(spec.attrs)) or "none"
            self.problem(f"Fn::GetAtt {target}.{attr}: {rtype} has no attribute {attr} "
                         f"(documented: {documented}; {spec.page})")
        return self.stub_value(target, attr)

    def rewrite(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.rewrite(x) for x in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1 and isinstance(node.get("Ref"), str) and node["Ref"] in self.stubs:
            return self.stub_value(node["Ref"], None)
        if len(node) == 1 and "Fn::GetAtt" in node:
            value = node["Fn::GetAtt"]
            if isinstance(value, str):
                value = value.split(".", 1)
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) \
                    and isinstance(value[1], str) and value[0] in self.stubs:
                return self.stub_getatt(value[0], value[1])
            return {"Fn::GetAtt": self.rewrite(value)}
        if len(node) == 1 and "Fn::Sub" in node:
            return {"Fn::Sub": self.rewrite_sub(node["Fn::Sub"])}
        return {k: self.rewrite(v) for k, v in node.items()}

    def rewrite_sub(self, value: Any) -> Any:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], dict(value[1]))
        variables = {k: self.rewrite(v) for k, v in variables.items()}
        if not isinstance(text, str):
            return [self.rewrite(text), variables] if variables else self.rewrite(text)

        def replace(m: re.Match[str]) -> str:
            target, attr = m.group(1), m.group(2)
            if target not in self.stubs or target in variables:
                return m.group(0)
            name = re.sub(r"\W", "_", f"MotoCfnStub_{target}_{attr or 'Ref'}")
            variables[name] = self.stub_getatt(target, attr) if attr else self.stub_value(target, None)
            return "${" + name + "}"

        text = re.sub(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}", replace, text)
        return [text, variables] if variables else text

    def check_hidden_order(self) -> None:
        deps: dict[str, set[str]] = {}
        for lid, r in self.resources.items():
            depends = r.get("DependsOn", [])
            deps[lid] = (references(r) | set([depends] if isinstance(depends, str) else depends)) & set(self.resources)

        def closure(lid: str) -> set[str]:
            seen: set[str] = set()
            todo = [lid]
            while todo:
                for d in deps.get(todo.pop(), ()):
                    if d not in seen:
                        seen.add(d)
                        todo.append(d)
            return seen

        owners = {}
        for lid, r in self.resources.items():
            name = (r.get("Properties") or {}).get(NAMED_BY.get(r.get("Type", ""), ""))
            if isinstance(name, str) and name:
                owners[name] = lid
        for lid, r in self.resources.items():
            if r.get("Type") not in NEEDS_EXISTING:
                continue
            self.current = lid
            before = closure(lid)
            names = set()
            for text in literals(r.get("Properties", {})):
                m = SCALABLE_ENDPOINT.match(text)
                names.add(m.group(1) if m else text)
            named = {owners[n] for n in names if n in owners and owners[n] != lid
                     and self.resources[owners[n]]["Type"] in NEEDS_EXISTING[r["Type"]]}
            for owner in sorted(named - before):
                otype = self.resources[owner]["Type"]
                self.problem(f"names {owner} ({otype}) by its literal name "
                             f"'{self.resources[owner]['Properties'][NAMED_BY[otype]]}' but neither refers to it nor "
                             f"depends on it: CloudFormation may create it before {owner} exists")
        policies: dict[str, list[str]] = {}  # role: the policy resources attached to it
        for lid, r in self.resources.items():
            if r.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                for role in (r.get("Properties") or {}).get("Roles") or []:
                    if isinstance(role, dict) and isinstance(role.get("Ref"), str):
                        policies.setdefault(role["Ref"], []).append(lid)
        for lid, r in self.resources.items():
            prop = USES_ROLE_AT_CREATION.get(r.get("Type", ""))
            role = (r.get("Properties") or {}).get(prop) if prop else None
            if not (isinstance(role, dict) and isinstance(role.get("Fn::GetAtt"), list) and role["Fn::GetAtt"]):
                continue
            self.current = lid
            # A policy that itself comes after this resource (it refers to something built on it, e.g. the
            # rollback-alarms policy naming alarms of the endpoint config that uses the model) cannot be
            # waited for without a cycle; what it grants is not needed to create this resource.
            missing = sorted(p for p in set(policies.get(role["Fn::GetAtt"][0], [])) - closure(lid) if lid not in closure(p))
            if missing:
                self.problem(f"uses {role['Fn::GetAtt'][0]} when it is created but does not depend on its "
                             f"{'policies' if len(missing) > 1 else 'policy'} {', '.join(missing)}: "
                             "CloudFormation may create it before the role may do what it needs")
        self.current = ""

    def run(self) -> dict[str, Any]:
        out = copy.deepcopy(self.template)
        if not isinstance(self.template.get("Resources"), dict) or not self.resources:
            self.problem("no Resources")
            return out
        self.check_hidden_order()
        new_resources: dict[str, Any] = {}
        for lid, resource in self.resources.items():
            self.current = lid
            rtype = resource.get("Type", "")
            depends = resource.get("DependsOn", [])
            for dep in [depends] if isinstance(depends, str) else depends:
                if dep not in self.resources:
                    self.problem(f"DependsOn {dep}: no such resource in the template")
            if lid in self.stubs:
                stub: dict[str, Any] = {
                    "Type": STUB_TYPE,
                    "Properties": {
                        "Name": {"Fn::Join": ["", ["stub-", {"Ref": "AWS::StackName"}, f"-{lid}"]]},
                        "Type": "String",
                        "Value": rtype,
                    },
                    "Metadata": {STUB_KEY: {"Type": rtype, "Properties": self.rewrite(resource.get("Properties", {}))}},
                }
                for key in ("DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy"):
                    if key in resource:
                        stub[key] = resource[key]
                new_resources[lid] = stub
            else:
                if rtype not in self.implemented:
                    self.problem(f"type {rtype} is neither implemented by moto's CloudFormation nor stubbed: "
                                 "add it to STUBS in scripts/moto_cfn.py with its documented attributes")
                new_resources[lid] = self.rewrite(resource)
        self.current = ""
        out["Resources"] = new_resources
        if "Conditions" in out:
            self.current = "Conditions"
            out["Conditions"] = self.rewrite(self.template["Conditions"])
        for oid, output in (self.template.get("Outputs") or {}).items():
            self.current = f"output {oid}"
            out["Outputs"][oid] = self.rewrite(output)
        self.current = ""
        return out


# ---------------------------------------------------------------- moto

class Moto:
    """moto's server (moto_server's WSGI app, in a thread of this process on a free port of 127.0.0.1),
    traced so that a failure names the stack and the resource being created."""

    def __init__(self) -> None:
        warnings.filterwarnings("ignore")
        # Only the emulator: no profile, shared config or endpoint setting can send a request to AWS.
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
            os.environ.pop(var, None)
        for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL_")]:
            os.environ.pop(var, None)
        os.environ.update({"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator",
                           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                           "AWS_EC2_METADATA_DISABLED": "true"})
        # moto answers an exception with HTTP 500 and werkzeug logs its traceback: the trace below reports it.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL + 1)
        import boto3
        import moto
        import moto.cloudformation.parsing as parsing
        from moto.server import ThreadedMotoServer

        self.version = moto.__version__
        self.boto3 = boto3
        self.implemented = set(parsing.get_model_map())
        self.failures: list[tuple[BaseException, list[tuple[str, str]]]] = []
        self.getatt_warnings: list[str] = []
        create, output = parsing.parse_and_create_resource, parsing.parse_output

        def frame(exc: BaseException, stack: str, text: str) -> None:
            """Record where exc passed, outermost first; a frame names its stack when it changes."""
            for seen, frames in self.failures:
                if seen is exc:
                    inner_stack, inner = frames[0]
                    frames[0] = (inner_stack, inner if inner_stack != stack else inner.split(": ", 1)[1])
                    frames.insert(0, (stack, f"{stack}: {text}"))
                    return
            self.failures.append((exc, [(stack, f"{stack}: {text}")]))

        def traced_create(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                          *args: Any, **kwargs: Any) -> Any:
            try:
                return create(logical_id, resource_json, resources_map, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 -- re-raised
                rtype = ((resource_json.get("Metadata") or {}).get(STUB_KEY) or {}).get("Type")
                rtype = f"{rtype}, stubbed" if rtype else resource_json.get("Type")
                frame(exc, resources_map["AWS::StackName"], f"{logical_id} ({rtype})")
                raise

        def traced_output(output_id: str, output_json: Any, resources_map: Any) -> Any:
            try:
                return output(output_id, output_json, resources_map)
            except Exception as exc:  # noqa: BLE001 -- re-raised
                frame(exc, resources_map["AWS::StackName"], f"output {output_id}")
                raise

        parsing.parse_and_create_resource = traced_create
        parsing.parse_output = traced_output

        # moto 5.2.5 checks an endpoint config's instance types against a list that predates g5/g6/p5;
        # check them against the enum of the installed SageMaker API model (botocore) instead.
        import botocore.session
        from moto.sagemaker import models as sagemaker_models
        from moto.sagemaker.exceptions import ValidationError as SageMakerValidationError

        instance_types = set(botocore.session.get_session().get_service_model("sagemaker")
                             .shape_for("ProductionVariantInstanceType").enum)

        def validate_instance_type(_self: Any, instance_type: str) -> None:
            if instance_type not in instance_types:
                raise SageMakerValidationError(
                    message=f"Value '{instance_type}' at 'instanceType' is no ProductionVariantInstanceType "
                            f"of the SageMaker API (botocore {botocore.__version__})")

        sagemaker_models.FakeEndpointConfig.validate_instance_type = validate_instance_type  # type: ignore[method-assign]

        # moto 5.2.5 hands a KMS key's CloudFormation Tags ([{Key, Value}]) to create_key, which takes the
        # KMS API's form ([{TagKey, TagValue}]) and fails with KeyError 'TagKey': convert them first.
        from moto.kms import models as kms_models

        kms_key_from_cfn = kms_models.Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

        def kms_key_with_tags(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
            props = cloudformation_json.get("Properties") or {}
            if props.get("Tags"):
                tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]
                cloudformation_json = {**cloudformation_json, "Properties": {**props, "Tags": tags}}
            return kms_key_from_cfn(cls, resource_name, cloudformation_json, *args, **kwargs)

        kms_models.Key.create_from_cloudformation_json = classmethod(kms_key_with_tags)  # type: ignore[method-assign,assignment]

        # moto logs (logger "moto") a Fn::GetAtt of an attribute its model does not implement, and goes on
        # with it unresolved.
        outer = self

        class GetAttLog(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.levelno >= logging.WARNING and record.module == "parsing":
                    outer.getatt_warnings.append(record.getMessage())

        logging.getLogger("moto").addHandler(GetAttLog())

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def client(self, service: str, region: str) -> Any:
        return self.boto3.client(service, region_name=region, endpoint_url=self.url,
                                 aws_access_key_id="emulator", aws_secret_access_key="emulator")

    def take_failure(self) -> str | None:
        if not self.failures:
            return None
        exc, frames = self.failures[0]
        self.failures.clear()
        reason = getattr(exc, "message", None) or getattr(exc, "description", None) or str(exc)
        if isinstance(exc, KeyError):
            reason = f"Ref to {exc.args[0]}, which is no parameter, pseudo parameter or resource of the template"
        return f"{' > '.join(text for _, text in frames)}: {type(exc).__name__}: {reason}"

    def stop(self) -> None:
        self.server.stop()


def error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


# ---------------------------------------------------------------- the run

class Stack:
    def __init__(self, name: str, path: Path, region: str, account: str | None):
        self.name, self.path, self.region, self.account = name, path, region, account
        self.depends_on: list[str] = []  # stack names, from the cloud assembly's manifest
        self.template: dict[str, Any] = {}
        self.rewritten: dict[str, Any] = {}


def load_assembly(out: Path) -> tuple[list[Stack], list[Path]]:
    manifest = json.loads((out / "manifest.json").read_text())
    artifacts = manifest.get("artifacts", {})
    stacks: dict[str, Stack] = {}
    deps: dict[str, list[str]] = {}
    for aid, art in artifacts.items():
        if art.get("type") != "aws:cloudformation:stack":
            continue
        env = art.get("environment", "aws://unknown-account/unknown-region")
        account, region = env[len("aws://"):].split("/", 1)
        props = art.get("properties", {})
        stacks[aid] = Stack(props.get("stackName", aid), out / props["templateFile"],
                            region if not region.startswith("unknown") else "us-east-1",
                            account if re.fullmatch(r"\d{12}", account) else None)
        deps[aid] = [d for d in art.get("dependencies", []) if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"]
    ordered: list[Stack] = []
    state: dict[str, int] = {}

    def visit(aid: str) -> None:
        if state.get(aid) == 2:
            return
        if state.get(aid) == 1:
            raise SystemExit(f"moto-cfn: stack dependency cycle through {aid}")
        state[aid] = 1
        for d in deps[aid]:
            visit(d)
        state[aid] = 2
        ordered.append(stacks[aid])

    for aid in stacks:
        visit(aid)
        stacks[aid].depends_on = [stacks[d].name for d in deps[aid]]
    asset_manifests = [out / art["properties"]["file"] for art in artifacts.values()
                       if art.get("type") == "cdk:asset-manifest"]
    return ordered, asset_manifests


def substitute(text: str, account: str, region: str) -> str:
    return text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region) \
        .replace("${AWS::Partition}", "aws")


def zip_dir(path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for f in sorted(path.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(path).as_posix())
    return buf.getvalue()


def parameter_values(stack: Stack, given: dict[str, str], ssm: Any, problems: list[Problem]) -> list[dict[str, str]]:
    values = []
    for key, spec in (stack.template.get("Parameters") or {}).items():
        ptype, default = spec.get("Type", "String"), spec.get("Default")
        if f"{stack.name}.{key}" in given:
            values.append({"ParameterKey": key, "ParameterValue": given[f"{stack.name}.{key}"]})
        elif default is None:
            problems.append(Problem(stack.name, "", f"parameter {key} has no default: pass --parameter {stack.name}.{key}=VALUE"))
        elif ptype.startswith("AWS::SSM::Parameter::Value"):
            value = next((v for pattern, v in SSM_DEFAULTS if pattern.match(default)), None)
            if value is None:
                problems.append(Problem(stack.name, "", f"parameter {key}: no value for SSM parameter {default} in SSM_DEFAULTS"))
            else:
                ssm.put_parameter(Name=default, Value=value, Type="String", Overwrite=True)
    return values


def created_resources(cf: Any, stack_name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for page in cf.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for r in page["StackResourceSummaries"]:
            found[r["LogicalResourceId"]] = r.get("PhysicalResourceId", "")
    return found


def run(stacks: list[Stack], asset_manifests: list[Path], given: dict[str, str], quiet: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    moto = Moto()
    try:
        say(f"moto-cfn: moto {moto.version} on {moto.url}; {len(stacks)} stacks in this order: "
            + ", ".join(s.name for s in stacks))
        accounts = {s.account for s in stacks if s.account}
        if len(accounts) > 1:
            problems.append(Problem("assembly", "", f"stacks in several accounts {sorted(accounts)}: run one account at a time"))
            return problems
        if accounts:
            os.environ["MOTO_ACCOUNT_ID"] = next(iter(accounts))  # read by this process's moto per request
        account = next(iter(accounts), "123456789012")

        # Rewrite every template, the stacks' and the nested ones the asset manifests publish.
        rewritten: dict[Path, dict[str, Any]] = {}
        stubbed: dict[str, int] = {}
        for s in stacks:
            s.template = json.loads(s.path.read_text())
            s.rewritten = Rewriter(s.name, s.template, moto.implemented, problems).run()
            rewritten[s.path.resolve()] = s.rewritten
            stubbed[s.name] = sum(1 for r in s.rewritten["Resources"].values() if STUB_KEY in r.get("Metadata", {}))
        labels: dict[Path, str] = {}  # nested template: its stack and resource
        for s in stacks:
            for lid, r in s.template["Resources"].items():
                asset = (r.get("Metadata") or {}).get("aws:asset:path")
                if r.get("Type") == "AWS::CloudFormation::Stack" and asset:
                    labels[(s.path.parent / asset).resolve()] = f"{s.name} > {lid} (nested {asset})"
        uploads: list[tuple[str, str, str, bytes]] = []
        for am in asset_manifests:
            for asset in json.loads(am.read_text()).get("files", {}).values():
                source = am.parent / asset["source"]["path"]
                if asset["source"].get("packaging") == "zip":
                    body = zip_dir(source) if source.is_dir() else source.read_bytes()
                elif source.name.endswith(".template.json"):
                    doc = rewritten.get(source.resolve())
                    if doc is None:
                        label = labels.get(source.resolve(), source.name)
                        doc = Rewriter(label, json.loads(source.read_text()), moto.implemented, problems).run()
                        rewritten[source.resolve()] = doc
                    body = json.dumps(doc).encode()
                else:
                    body = source.read_bytes()
                for dest in asset["destinations"].values():
                    region = substitute(dest.get("region", "us-east-1"), account, "us-east-1")
                    uploads.append((region, substitute(dest["bucketName"], account, region),
                                    substitute(dest["objectKey"], account, region), body))
        buckets: set[str] = set()
        for region, bucket, key, body in uploads:
            s3 = moto.client("s3", region)
            if bucket not in buckets:
                config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
                s3.create_bucket(Bucket=bucket, **config)
                buckets.add(bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        if uploads:
            say(f"moto-cfn: {len(uploads)} assets uploaded to {', '.join(sorted(buckets))}")

        failed: set[str] = set()
        for s in stacks:
            blocked = [d for d in s.depends_on if d in failed]
            if blocked:
                problems.append(Problem(s.name, "", f"not created: it depends on {', '.join(blocked)}, which failed"))
                failed.add(s.name)
                continue
            failed.add(s.name)  # until it is complete
            cf = moto.client("cloudformation", s.region)
            params = parameter_values(s, given, moto.client("ssm", s.region), problems)
            started = time.monotonic()
            moto.getatt_warnings.clear()
            try:
                cf.create_stack(StackName=s.name, TemplateBody=json.dumps(s.rewritten), Parameters=params)
                deadline = time.monotonic() + 60
                while True:
                    desc = cf.describe_stacks(StackName=s.name)["Stacks"][0]  # also resolves the outputs
                    if not desc["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
            except Exception as exc:  # noqa: BLE001 -- reported
                where = moto.take_failure()
                if where and where.startswith(f"{s.name}: "):
                    where = where[len(s.name) + 2:]
                problems.append(Problem(s.name, "", f"not created: {where or error_text(exc)}"))
                continue
            status = desc["StackStatus"]
            if status != "CREATE_COMPLETE":
                problems.append(Problem(s.name, "", f"{status}: {desc.get('StackStatusReason', '')}"))
                continue
            # Every resource of the template (and of each nested stack) must exist.
            pending = [(s.name, s.rewritten)]
            total = 0
            while pending:
                name, doc = pending.pop()
                found = created_resources(cf, name)
                total += len(found)
                for lid, r in doc["Resources"].items():
                    if lid not in found and "Condition" not in r:
                        problems.append(Problem(name, lid, f"{r['Type']} not created by moto"))
                    elif r["Type"] == "AWS::Lambda::Function" and lid in found:
                        # moto creates a function whose code object is missing, with no code: check it.
                        config = moto.client("lambda", s.region).get_function(FunctionName=found[lid])["Configuration"]
                        if not config.get("CodeSize"):
                            code = r["Properties"].get("Code", {})
                            problems.append(Problem(name, lid, f"no code: the object {json.dumps(code)} the function "
                                                               "names is not in S3 (no asset publishes it)"))
                    elif r["Type"] == "AWS::CloudFormation::Stack" and lid in found:
                        asset = (r.get("Metadata") or {}).get("aws:asset:path")
                        nested = rewritten.get((s.path.parent / asset).resolve()) if asset else None
                        if nested is not None:
                            pending.append((found[lid], nested))
            for w in moto.getatt_warnings:
                problems.append(Problem(s.name, "", f"moto left a Fn::GetAtt unresolved (its model lacks the attribute, so nothing checked it): {w}"))
            outputs = len(desc.get("Outputs") or [])
            failed.discard(s.name)
            say(f"moto-cfn: {s.name} {status} in {time.monotonic() - started:.1f} s ({total} resources with its "
                f"nested stacks, {stubbed[s.name]} of its own stubbed, {outputs} outputs)")
    finally:
        moto.stop()
    return problems


def self_test(fixture: Path) -> int:
    """The broken fixture has one fault of each kind the harness must catch; each must be reported."""
    started = time.monotonic()
    stacks = [Stack("MotoCfnBroken", fixture, "eu-west-1", None)]
    problems = [str(p) for p in run(stacks, [], {}, quiet=True)]
    expected = {
        "a Ref to an undefined name inside a stubbed resource (found by moto)": "Ref to MissingEndpoint",
        "a Fn::GetAtt of an undocumented attribute of a stubbed type": "has no attribute AlarmName",
        "a DependsOn naming an undefined resource (moto ignores it)": "DependsOn MissingTopic",
        "a scalable target naming an endpoint it does not depend on": "names Endpoint (AWS::SageMaker::Endpoint)",
        "a model not depending on the policy of its role": "Model: uses Role when it is created but does not depend on its policy RolePolicy",
    }
    missed = [what for what, text in expected.items() if not any(text in p for p in problems)]
    if missed:
        print(f"moto-cfn: the harness did not report in {fixture.name}: {'; '.join(missed)}", file=sys.stderr)
        for p in problems:
            print(f"  reported: {p}", file=sys.stderr)
        return 1
    print(f"moto-cfn rejects the broken fixture: ok, each planted fault reported ({time.monotonic() - started:.1f} s):")
    for p in problems:
        print(f"  {p}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assembly", nargs="?", default="cdk.out", help="cloud assembly directory (default cdk.out)")
    parser.add_argument("--template", action="append", default=[], help="a lone template (repeatable)")
    parser.add_argument("--parameter", action="append", default=[], metavar="STACK.KEY=VALUE")
    parser.add_argument("--self-test", action="store_true", help=f"must reject {FIXTURE.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.self_test:
        return self_test(FIXTURE)
    given = dict(p.split("=", 1) for p in args.parameter)
    started = time.monotonic()
    if args.template:
        stacks = [Stack(re.sub(r"[^A-Za-z0-9-]", "-", Path(t).name.split(".")[0]), Path(t), "eu-west-1", None)
                  for t in args.template]
        asset_manifests: list[Path] = []
    else:
        out = Path(args.assembly)
        if not (out / "manifest.json").is_file():
            print(f"moto-cfn: no manifest.json in {out} (synthesize first)", file=sys.stderr)
            return 2
        stacks, asset_manifests = load_assembly(out)
    problems = run(stacks, asset_manifests, given)
    elapsed = time.monotonic() - started
    if problems:
        print(f"moto-cfn: {len(problems)} problems ({elapsed:.1f} s):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"moto-cfn: {len(stacks)} stacks CREATE_COMPLETE in moto's CloudFormation ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
