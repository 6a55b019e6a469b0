"""Cost allocation tags against CloudFormation's own resource schemas (issue 19 item 1).

Every resource of every template whose type CloudFormation says takes tags (the resource schema's
`tagging.taggable`, as cfn-lint ships the registry's schemas) must carry the cost allocation tags
`model`, `owner` and `platform` in its tag property (`tagging.tagProperty`: `Tags`, or e.g. AWS Budgets'
`ResourceTags`). The unit test (test/platform/cost-allocation.test.ts) walks what aws-cdk-lib can tag;
this check asks the service's schemas, so a type aws-cdk-lib's L1 cannot tag but CloudFormation can
is found too.

    python scripts/cost-tags-check.py cdk.out/*.template.json
    python scripts/cost-tags-check.py --self-test   # must refuse test/fixtures/broken/cost-tags.template.json
"""
import json
import sys
from collections import Counter

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

REQUIRED = ("model", "owner", "platform")
REGION = "eu-west-1"  # the examples' Region; tagging support is the same in the Regions we use
SELF_TEST = "test/fixtures/broken/cost-tags.template.json"


def tags_of(value):
    """A tag property as a map: a Key/Value list or a map (None when it is not literal)."""
    if value is None:
        return {}
    if isinstance(value, list):
        return {t.get("Key"): t.get("Value") for t in value if isinstance(t, dict)}
    if isinstance(value, dict) and not any(k.startswith("Fn::") or k == "Ref" for k in value):
        return value
    return None


def check(paths):
    problems, taggable, untaggable = [], Counter(), Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            template = json.load(f)
        for logical_id, resource in (template.get("Resources") or {}).items():
            rtype = resource.get("Type", "")
            custom = rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"
            try:
                schema = {} if custom else PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, rtype).schema
            except Exception:  # a type cfn-lint has no schema for: a typo, or newer than the bundled schemas
                problems.append(f"{path}: {logical_id} ({rtype}) has no resource schema in cfn-lint: cannot tell whether it takes tags")
                continue
            # Some schemas state no `tagging` but have a Tags property (e.g. SageMaker MonitoringSchedule): taggable.
            tagging = schema.get("tagging") or ({"taggable": True} if "Tags" in (schema.get("properties") or {}) else {})
            prop = (tagging.get("tagProperty") or "/properties/Tags").split("/")[-1]
            if not tagging.get("taggable"):
                untaggable[rtype] += 1
                continue
            taggable[rtype] += 1
            tags = tags_of((resource.get("Properties") or {}).get(prop))
            missing = [k for k in REQUIRED if tags is None or not tags.get(k)]
            if missing:
                problems.append(f"{path}: {logical_id} ({rtype}) lacks {', '.join(missing)} in {prop}")
    return problems, taggable, untaggable


def main(argv):
    if argv == ["--self-test"]:
        problems, _, _ = check([SELF_TEST])
        if len(problems) != 3:
            print(f"cost-tags-check self-test FAILED: expected 3 problems in {SELF_TEST}, got {problems}")
            return 1
        print(f"cost-tags-check self-test: {SELF_TEST} refused ({len(problems)} problems)")
        return 0
    if not argv:
        print("cost-tags-check: no templates given (synthesize first)")
        return 1
    problems, taggable, untaggable = check(argv)
    for p in problems:
        print(p)
    print(f"cost-tags-check: {sum(taggable.values())} taggable resources of {len(taggable)} types in {len(argv)} templates, "
          f"{len(problems)} without model/owner/platform; not taggable per CloudFormation: "
          + ", ".join(f"{t} ({n})" for t, n in sorted(untaggable.items())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
