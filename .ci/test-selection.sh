#!/usr/bin/env bash
# The vitest arguments that leave out, on one of .ci/run's extra unit-test runs, the test files that
# run cannot change (every file runs on Node.js 22 in `npm test` regardless):
#
#   bash .ci/test-selection.sh node24   the files of .ci/tests-not-on-node24.txt
#   bash .ci/test-selection.sh floor    the files of .ci/tests-not-at-floor.txt, and every test file
#                                       whose imports reach no peer dependency (.ci/peer-free-tests.mjs)
#   bash .ci/test-selection.sh check    both lists name existing files (exit 1 otherwise)
#
# Prints one `--exclude=<file>` a line (read it with mapfile), and on stderr what it leaves out.
# A listed file that does not exist fails, so a renamed or deleted test cannot leave a stale entry.
set -euo pipefail
cd "$(dirname "$0")/.."

listed() {  # the paths of a list (first word of each line that is not a comment or blank)
  grep -Ev '^[[:space:]]*(#|$)' "$1" | awk '{ print $1 }'
}
check() {
  local list=$1 missing=0 file
  for file in $(listed "$list"); do
    case "$file" in test/*.test.ts) ;; *) echo "$list: $file is not a test file (test/**/*.test.ts)" >&2; missing=1; continue ;; esac
    [ -f "$file" ] || { echo "$list: $file does not exist (renamed or deleted? update the list)" >&2; missing=1; }
  done
  return $missing
}

case "${1:-}" in
  node24) lists=(.ci/tests-not-on-node24.txt) ;;
  floor) lists=(.ci/tests-not-at-floor.txt) ;;
  check) check .ci/tests-not-on-node24.txt && check .ci/tests-not-at-floor.txt && echo "test-selection: both lists name existing test files" >&2; exit ;;
  *) echo "usage: $0 node24|floor|check" >&2; exit 2 ;;
esac
check "${lists[0]}"
files=$(listed "${lists[0]}")
echo "test-selection: $1 run leaves out $(echo "$files" | wc -l) listed files (${lists[0]})" >&2
if [ "$1" = floor ]; then
  peer_free=$(node .ci/peer-free-tests.mjs)
  echo "test-selection: and $(echo "$peer_free" | grep -c .) files that import no peer dependency (.ci/peer-free-tests.mjs)" >&2
  files=$(printf '%s\n%s\n' "$files" "$peer_free")
fi
echo "$files" | grep . | sort -u | sed 's/^/--exclude=/'
