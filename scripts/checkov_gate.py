"""Run checkov on the given files and fail on any failed check not listed in checkov-skips.yaml.

Checkov's own skip mechanisms are either global (skip-check) or scattered through the templates;
this gate keeps the accepted findings, each with its reason, in one reviewed file, and reports
entries that no longer match anything.
"""
import argparse
import fnmatch
import json
import subprocess
import sys

import yaml


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skips", required=True)
    parser.add_argument("--checkov", default="checkov")
    parser.add_argument("--expect-failure", action="store_true",
                        help="succeed only if checkov reports unaccepted failures (self-test)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    with open(args.skips) as f:
        skips = (yaml.safe_load(f) or {}).get("skips") or []
    for s in skips:
        if not s.get("check") or not s.get("resource") or not str(s.get("reason", "")).strip():
            print(f"checkov-gate: every skip needs check, resource and reason: {s}", file=sys.stderr)
            return 2

    cmd = [args.checkov, "--framework", "cloudformation", "kubernetes", "dockerfile", "--output", "json",
           "--compact", "--skip-download"]
    for path in args.files:
        cmd += ["-f", path]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        reports = json.loads(proc.stdout) if proc.stdout.strip() else []
    except json.JSONDecodeError:
        print(proc.stdout + proc.stderr, file=sys.stderr)
        print("checkov-gate: checkov did not produce JSON", file=sys.stderr)
        return 2
    if isinstance(reports, dict):
        reports = [reports]

    passed = 0
    failures = []
    used = set()
    frameworks = []
    for report in reports:
        frameworks.append(report.get("check_type"))
        results = report.get("results", {})
        passed += len(results.get("passed_checks", []))
        for fc in results.get("failed_checks", []):
            match = next((i for i, s in enumerate(skips)
                          if s["check"] == fc["check_id"] and fnmatch.fnmatch(fc["resource"], s["resource"])), None)
            if match is None:
                failures.append(fc)
            else:
                used.add(match)
                print(f"accepted {fc['check_id']} on {fc['resource']}: {skips[match]['reason'].strip()}")

    if passed + len(failures) + len(used) == 0:
        print("checkov-gate: checkov ran no check", file=sys.stderr)
        print(proc.stderr, file=sys.stderr)
        return 2

    for fc in failures:
        print(f"FAILED {fc['check_id']} {fc['check_name']}\n    {fc['resource']} in {fc['file_path']}")
    stale = [s for i, s in enumerate(skips) if i not in used]
    print(f"checkov-gate: {', '.join(sorted(set(f for f in frameworks if f)))}: "
          f"{passed} passed, {len(failures)} failed, {len(used)} accepted by {args.skips}")

    if args.expect_failure:
        return 0 if failures else 1
    for s in stale:
        print(f"STALE skip {s['check']} {s['resource']}: matches no finding; remove it from {args.skips}")
    return 1 if failures or stale else 0


if __name__ == "__main__":
    sys.exit(main())
