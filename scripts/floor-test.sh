#!/usr/bin/env bash
# Run the unit tests (vitest) with the peer dependencies at the lowest versions that package.json
# promises (the floor of each `peerDependencies` range), then restore the pinned development versions.
# A step of .ci/run; proves that the ranges users get are true. Needs `npm ci` to have run.
#
# Usage: scripts/floor-test.sh [vitest arguments]   (e.g. the files to leave out: .ci/test-selection.sh)
# FLOOR_TEST_RESTORE=0 leaves the floor versions installed (no second `npm ci`): for CI, where this is
# the last step of a throwaway clone; a developer's tree is restored (the default).
set -euo pipefail
cd "$(dirname "$0")/.."

floor=$(node -e "
const peers = require('./package.json').peerDependencies;
console.log(Object.entries(peers).map(([name, range]) => name + '@' + range.replace(/^[\\^~]/, '')).join(' '));
")
echo "floor-test: installing $floor"
restore() { echo "floor-test: restoring the pinned versions (npm ci)"; npm ci --no-audit --no-fund --loglevel=error > /dev/null; }
if [ "${FLOOR_TEST_RESTORE:-1}" = 0 ]; then
  echo "floor-test: FLOOR_TEST_RESTORE=0: node_modules keeps the floor versions afterwards (run npm ci to restore)"
else
  trap restore EXIT
fi
# --no-save: package.json and the lock file stay as they are; --legacy-peer-deps: dev tools (cdk-nag)
# may ask for a newer aws-cdk-lib than the floor, which is theirs to ask, not ours.
npm install --no-save --no-audit --no-fund --legacy-peer-deps --loglevel=error $floor > /dev/null
node -e "
for (const name of Object.keys(require('./package.json').peerDependencies)) {
  console.log('floor-test: ' + name + ' ' + require(name + '/package.json').version);
}
"
npx vitest run "$@"
