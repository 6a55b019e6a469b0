#!/usr/bin/env bash
# The sha256 of every synthesized example template and manifest (cdk.out/ after `npm run synth`), one
# line each. A refactor that must not change what users deploy compares the list before and after:
#   bash scripts/output-hashes.sh > before.txt   …refactor, npm run synth…   bash scripts/output-hashes.sh | diff before.txt -
# test/examples/output-hashes.txt holds the list committed before the "one place for each thing"
# refactor (issue 11); `--check` compares cdk.out with it and names every file that changed.
set -euo pipefail
cd "$(dirname "$0")/.."
list() { (cd cdk.out && find . \( -name '*.template.json' -o -path './k8s/*.yaml' -o -name 'runbook-*.md' \) -type f | sort | xargs sha256sum); }
if [ "${1:-}" = "--check" ]; then
  if diff <(list) test/examples/output-hashes.txt; then echo "output-hashes: every template and manifest is unchanged"; else
    echo "output-hashes: the files above changed since test/examples/output-hashes.txt" >&2; exit 1; fi
else
  list
fi
