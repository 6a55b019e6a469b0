#!/usr/bin/env bash
# Test the package as users get it (`npm run package:test`, a step of .ci/run after `npm run build`):
#
# 1. the npm tarball (dist/js) holds what users run and nothing else, within the size budget;
# 2. installed into an empty project with only its peer dependencies, it loads with require()
#    (CommonJS) and import() (ESM), and the README's TypeScript app (taken from README.md, between
#    the `package-test` markers) type-checks and synthesizes with ts-node, with tsc + node, with tsx,
#    and through the CDK CLI (`cdk synth`);
# 3. the Python wheel (dist/python) installs into a venv with its dependencies from PyPI, the README's
#    Python app synthesizes, and test/package/app.py synthesizes templates and manifests
#    byte-identical to its TypeScript twin test/package/app.ts, and reads a validation error's
#    problems with Python's property names.
#
# Running an app directly (not through `cdk synth`) writes to CDK_OUTDIR, as the CLI sets it.
# Needs Node.js 22 or 24 first on PATH (scripts/node.sh) and python3 >= 3.10.
# Usage: scripts/package-test.sh [--keep]   (--keep leaves the work folder for inspection)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# 2,469 KiB at 4d3f902; 2,518 KiB after issue 14, whose validation code (SageMaker limits, messages,
# token rules) is bundled into the two Lambda assets too; 2,678 KiB after issue 16 (the capture,
# promotion, retraining and EKS constructs: compiled code, their .jsii docs, README). The two Lambda
# bundles are minified already (scripts/bundle-runtime.ts), and the capture service and Kubernetes
# promoter bundles stay out of the package (image only). Raised by 150 KiB; the next place to win
# size back is the .jsii (1.1 MB: every doc comment) and the AWS SDK inside each Lambda bundle.
# Issue 17 adds a third Lambda bundle (aws.Experiment's function, ~260 KiB gzipped: CloudWatch client
# and the SDK's signer) and the experiment constructs: 3,027 KiB, raised to 3,100 KiB. The Kubernetes
# decision bundle stays out (image only). Also worth a look: the bundled zod ships its TypeScript
# sources and tests (about 1 MB unpacked under node_modules/zod/src).
# Issue 18 adds a fourth Lambda bundle (aws.BatchScoring's steps, ~183 KiB gzipped: the S3 client) and
# the SLO, batch scoring, budget and cost constructs: 3,386 KiB, raised to 3,450 KiB. The Kubernetes
# batch CLI stays out (image only).
MAX_TARBALL_BYTES=$((3450 * 1024))

step() { printf -- '-- %s\n' "$*"; }
fail() { echo "package-test: $*" >&2; exit 1; }

shopt -s nullglob
tarballs=(dist/js/cdk-mlops@*.jsii.tgz)
wheels=(dist/python/cdk_mlops-*.whl)
shopt -u nullglob
[ "${#tarballs[@]}" = 1 ] && [ "${#wheels[@]}" = 1 ] \
  || fail "expected one dist/js/*.tgz and one dist/python/*.whl (found ${#tarballs[@]} and ${#wheels[@]}): run \`npm run build\` (or \`npx projen package-all\`) first"
tarball=${tarballs[0]}
wheel=${wheels[0]}

work=$(mktemp -d "${TMPDIR:-/tmp}/cdk-mlops-package-test.XXXXXX")
if [ "${1:-}" = "--keep" ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi

# ---------------------------------------------------------------------------------------------
step "1. package contents ($tarball)"
bytes=$(stat -c %s "$tarball")
echo "tarball: $bytes bytes ($((bytes / 1024)) KiB gzipped); wheel: $(stat -c %s "$wheel") bytes"
[ "$bytes" -le "$MAX_TARBALL_BYTES" ] || fail "the tarball is $bytes bytes, over the budget of $MAX_TARBALL_BYTES"
tar tzf "$tarball" | sed 's#^package/##' | sort > "$work/files.txt"
for must in build/index.js build/index.d.ts .jsii assets/drift-job/index.js assets/promotion/index.js \
  spec/platform-spec.schema.json README.md LICENSE package.json; do
  grep -qx "$must" "$work/files.txt" || fail "the tarball lacks $must"
done
# Only compiled code, assets, the spec schema and the bundled dependencies' runtime files.
unexpected=$(grep -Ev '^(build/.*\.(js|d\.ts)|assets/[a-z-]+/index\.js|spec/platform-spec\.schema\.json|node_modules/(zod|yaml)/.*|\.jsii|\.jsii\.tabl\.json|README\.md|LICENSE|package\.json)$' "$work/files.txt" || true)
[ -z "$unexpected" ] || fail "unexpected files in the tarball:
$unexpected"
if grep -Eq '^(lib|test|schemas|examples|scripts)/' "$work/files.txt"; then fail "sources or test files in the tarball"; fi
echo "$(wc -l < "$work/files.txt") files, none of them sources, tests or tooling"

# ---------------------------------------------------------------------------------------------
step "2. an empty TypeScript project with the tarball and its peer dependencies"
app="$work/ts"
mkdir -p "$app"
cp test/package/consumer.package.json "$app/package.json"
cp test/package/tsconfig.consumer.json "$app/tsconfig.json"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$ROOT/$tarball" >/dev/null)
[ ! -e "$app/node_modules/cdk-mlops/lib" ] || fail "the installed package has lib/"

step "require() (CommonJS)"
(cd "$app" && node -e "
const m = require('cdk-mlops');
for (const ns of ['aws', 'k8s', 'core', 'platform', 'runtime']) { if (typeof m[ns] !== 'object') throw new Error('no namespace ' + ns); }
if (typeof m.aws.GpuServingEndpoint !== 'function' || typeof m.platform.MlPlatform.fromFile !== 'function') throw new Error('constructs missing');
console.log('require: ok (' + Object.keys(m).join(', ') + ')');
")

step "import() and static import (ESM)"
(cd "$app" && node --input-type=module -e "
import { aws, core } from 'cdk-mlops';
const m = await import('cdk-mlops');
if (m.default.platform === undefined || typeof aws.GpuServingEndpoint !== 'function' || typeof core.Errors.problemsOf !== 'function') throw new Error('ESM import is incomplete');
console.log('import: ok');
")

# The README's TypeScript app, literally.
node -e "
const fs = require('fs');
const readme = fs.readFileSync('README.md', 'utf8');
for (const [name, lang] of [['readme-app.ts', 'ts'], ['readme-app.py', 'python'], ['readme-steps-ts.sh', 'sh'], ['readme-synth-ts.sh', 'sh'], ['readme-steps-py.sh', 'sh'], ['readme-synth-py.sh', 'sh']]) {
  const re = new RegExp('<!-- package-test: ' + name.replace('.', '\\\\.') + ' -->\\\\s*\`\`\`' + lang + '[^\\\\n]*\\\\n([\\\\s\\\\S]*?)\`\`\`');
  const m = re.exec(readme);
  if (!m) { console.error('README.md has no block marked <!-- package-test: ' + name + ' -->'); process.exit(1); }
  fs.writeFileSync(process.argv[1] + '/' + name, m[1]);
}
" "$work"
cp "$work/readme-app.ts" "$app/app.ts"

expect_template() { # folder
  [ -s "$1/FraudServing.template.json" ] || fail "no FraudServing.template.json in $1"
  grep -q '"AWS::SageMaker::Endpoint"' "$1/FraudServing.template.json" || fail "no endpoint in $1/FraudServing.template.json"
}

step "ts-node app.ts"
(cd "$app" && rm -rf cdk.out && CDK_OUTDIR=cdk.out npx ts-node app.ts && expect_template cdk.out)
step "tsc && node dist/app.js"
(cd "$app" && rm -rf cdk.out dist && npx tsc -p tsconfig.json && CDK_OUTDIR=cdk.out node dist/app.js && expect_template cdk.out)
step "tsx app.ts"
(cd "$app" && rm -rf cdk.out && CDK_OUTDIR=cdk.out npx tsx app.ts && expect_template cdk.out)
step "cdk synth (the CLI, app: ts-node)"
(cd "$app" && rm -rf cdk.out && echo '{ "app": "npx ts-node --prefer-ts-exts app.ts" }' > cdk.json \
  && npx cdk synth --quiet --no-notices --no-version-reporting > /dev/null && expect_template cdk.out)

step "the README's TypeScript recipe, literally, in an empty folder (newest peers from the registry)"
readme_recipe() { # steps file, app file, app name, synth file, folder
  (cd "$work" && mkdir -p "$5" && cd "$5" && bash -euo pipefail -c "
    $(sed -e "s#npm install cdk-mlops #npm install $ROOT/$tarball #" -e "s#pip install cdk-mlops\$#pip install --quiet $ROOT/$wheel#" "$1")
    cp '$2' '$3'
    $(cat "$4") --quiet --no-notices > /dev/null
    [ -s cdk.out/FraudServing.template.json ] && grep -q '\"AWS::SageMaker::Endpoint\"' cdk.out/FraudServing.template.json
  ") || fail "the README's recipe ($(basename "$1")) did not synthesize the endpoint"
}
readme_recipe "$work/readme-steps-ts.sh" "$work/readme-app.ts" app.ts "$work/readme-synth-ts.sh" literal-ts
echo "ok: $(cd "$work/literal-ts"/* && node -e "console.log(['aws-cdk-lib', 'cdk8s', 'constructs'].map((p) => p + ' ' + require(p + '/package.json').version).join(', '))")"

step "the TypeScript twin of the Python app (test/package/app.ts)"
cp test/package/app.ts "$app/twin.ts"
cp examples/platform.yaml "$work/platform.yaml"
# Three models of the example's shape (ModelSynthesis.STAMPED: two prototypes, one stack written from the first).
node -e "const Y = require('yaml'); const s = Y.parse(require('fs').readFileSync('examples/platform.yaml', 'utf-8'));
  s.name = 'big'; s.models = ['fraud', 'click', 'spams'].map((name) => ({ ...s.models[0], name }));
  require('fs').writeFileSync(process.argv[1], JSON.stringify(s, null, 2));" "$work/platform-3.json"
(cd "$app" && npx ts-node twin.ts "$work/platform.yaml" "$work/out-ts" "$work/platform-3.json")

# ---------------------------------------------------------------------------------------------
step "3. Python: the wheel in a venv with its dependencies from PyPI"
venv=.tools/python-app-venv
bash scripts/pinned-venv.sh "$venv" scripts/requirements-python-app.txt 3.10 package-test
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --force-reinstall --no-deps "$wheel"
"$venv/bin/pip" check --disable-pip-version-check || fail "the wheel's requirements do not accept the pinned peers"

step "the README's Python app"
(mkdir -p "$work/py" && cd "$work/py" && CDK_OUTDIR=cdk.out "$ROOT/$venv/bin/python" "$work/readme-app.py" && expect_template cdk.out)
step "cdk synth (the CLI, app: python)"
(cd "$work/py" && rm -rf cdk.out && PATH="$ROOT/$venv/bin:$PATH" "$app/node_modules/.bin/cdk" synth --app "python $work/readme-app.py" --quiet --no-notices --no-version-reporting > /dev/null && expect_template cdk.out)

step "the README's Python recipe, literally, in an empty folder (its own venv, dependencies from PyPI)"
readme_recipe "$work/readme-steps-py.sh" "$work/readme-app.py" app.py "$work/readme-synth-py.sh" literal-py
echo "ok: aws-cdk-lib $("$work"/literal-py/*/.venv/bin/python -c 'from importlib.metadata import version; print(version("aws-cdk-lib"))') from PyPI"

step "test/package/app.py"
(cd "$work" && "$ROOT/$venv/bin/python" "$ROOT/test/package/app.py" "$work/platform.yaml" "$work/out-py" "$work/platform-3.json")

step "byte-identical output from TypeScript and Python"
compared=0
for f in $(cd "$work/out-ts" && find . -type f \( -name '*.template.json' -o -name '*.yaml' -o -name 'runbook*.md' -o -path './asset.*' \) | sort); do
  cmp -s "$work/out-ts/$f" "$work/out-py/$f" || fail "$f differs between TypeScript and Python (diff $work/out-ts/$f $work/out-py/$f)"
  compared=$((compared + 1))
done
[ "$compared" -ge 5 ] || fail "only $compared files compared"
[ "$(cd "$work/out-py" && find . -type f \( -name '*.template.json' -o -name '*.yaml' \) | wc -l)" = "$(cd "$work/out-ts" && find . -type f \( -name '*.template.json' -o -name '*.yaml' \) | wc -l)" ] \
  || fail "TypeScript and Python synthesized different sets of files"
echo "$compared files identical"

step "a wrong input from Python: the library's error, with Python's property names"
node -e "
const ts = require(process.argv[1]), py = require(process.argv[2]);
const props = (ps) => ps.map((p) => p.property);
if (ts.length !== py.length || ts.length < 2) throw new Error('expected the same problems from both languages: ' + JSON.stringify({ ts, py }));
if (!props(py).includes('autoscaling.min_instances') || !props(ts).includes('autoscaling.minInstances')) throw new Error('property names: ' + JSON.stringify({ ts: props(ts), py: props(py) }));
for (const [a, b] of ts.map((p, i) => [p, py[i]])) {
  if (a.constructPath !== b.constructPath || a.received !== b.received || a.allowed !== b.allowed) throw new Error('problems differ: ' + JSON.stringify([a, b]));
}
console.log('python problems: ' + props(py).join(', '));
" "$work/out-ts/problems.json" "$work/out-py/problems.json"

echo "package-test: all checks passed"
