#!/usr/bin/env bash
# The example platform's picture: Graphviz (Debian's `graphviz`, installed once when missing) renders
# cdk.out/diagram-acme.dot (written by `npm run synth` from MlPlatform.diagram()) to SVG, and the
# result must name every model and every alarm of the DOT. README shows docs/diagram-acme.svg, rendered
# from docs/diagram-acme.dot: this check fails when that DOT is not the example's current one.
#   bash scripts/render-diagram.sh [cdk.out]            check (CI, validate)
#   bash scripts/render-diagram.sh [cdk.out] --update   also write docs/diagram-acme.{dot,svg}
#   bash scripts/render-diagram.sh --self-test          must refuse test/fixtures/broken/diagram (invalid DOT)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-cdk.out}
[ "${1:-}" = "--update" ] && out=cdk.out
if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d); cp test/fixtures/broken/diagram/*.dot "$tmp/"
  if bash "$0" "$tmp" > "$tmp/log" 2>&1; then echo "render-diagram self-test: accepted an invalid DOT" >&2; exit 1; fi
  echo "render-diagram self-test: refused test/fixtures/broken/diagram ($(grep -m1 -i 'error\|syntax' "$tmp/log" || head -1 "$tmp/log"))"
  rm -rf "$tmp"; exit 0
fi
update=""; for a in "$@"; do [ "$a" = "--update" ] && update=1; done
if ! command -v dot > /dev/null 2>&1; then
  echo "render-diagram: installing Debian package graphviz" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo_ apt-get install -y --no-install-recommends graphviz > /dev/null 2>&1 \
    || { $sudo_ apt-get update > /dev/null && $sudo_ apt-get install -y --no-install-recommends graphviz > /dev/null; }
fi
for name in acme acme-k8s; do
  src="$out/diagram-$name.dot"
  [ -s "$src" ] || { echo "render-diagram: $src missing (run npm run synth)" >&2; exit 1; }
  dot -Tsvg "$src" -o "$out/diagram-$name.svg"
  # Every node label of the DOT (models' loops, alarms and owners) is text in the SVG.
  node - "$src" "$out/diagram-$name.svg" <<'JS'
const fs = require('fs');
const [dotFile, svgFile] = process.argv.slice(2);
const dot = fs.readFileSync(dotFile, 'utf8');
const svg = fs.readFileSync(svgFile, 'utf8');
const unescape = (s) => s.replace(/\\"/g, '"').replace(/\\\\/g, '\\');
// The SVG's text elements, decoded (Graphviz writes "-" as &#45;, "<" as &lt;, ...).
const decode = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const texts = new Set([...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1])));
const labels = [...dot.matchAll(/label="((?:[^"\\]|\\.)*)"/g)].flatMap((m) => unescape(m[1]).split('\\n'));
const missing = labels.filter((l) => l && !texts.has(l));
const clusters = [...dot.matchAll(/subgraph "cluster_([^"]+)"/g)].map((m) => m[1]);
if (missing.length > 0 || clusters.length === 0) {
  console.error(`render-diagram: ${svgFile} lacks ${missing.length} label(s) of ${dotFile}: ${missing.slice(0, 5).join(' | ')}`);
  process.exit(1);
}
console.log(`${svgFile}: ${clusters.length} model(s) (${clusters.join(', ')}), ${labels.length} labels, all drawn`);
JS
done
if [ -n "$update" ]; then
  mkdir -p docs
  cp "$out/diagram-acme.dot" docs/diagram-acme.dot
  cp "$out/diagram-acme.svg" docs/diagram-acme.svg
  echo "render-diagram: docs/diagram-acme.{dot,svg} updated"
elif ! cmp -s "$out/diagram-acme.dot" docs/diagram-acme.dot; then
  echo "render-diagram: docs/diagram-acme.dot is not the example's diagram: run bash scripts/render-diagram.sh --update and commit docs/" >&2
  exit 1
fi
