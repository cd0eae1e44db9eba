#!/usr/bin/env bash
# The main job, end to end, the way officials work: build rulehost and the
# bundled plugins (installing the wasm target when it is missing), generate
# a sample population as an Excel workbook, import it, evaluate it through
# the bundled registry, print the per-district summary, keep the run as
# round `demo` in the store target/demo/rulehost.db, and export the results
# as a workbook. Outputs land in target/demo/.
#
#   HOUSEHOLDS=1000000 bash scripts/demo.sh     # a bigger population
set -euo pipefail
cd "$(dirname "$0")/.."
households="${HOUSEHOLDS:-100000}"
profile="${PROFILE:-dev}"

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

echo "==> building rulehost ($profile profile)"
cargo build --profile "$profile" -p rulehost
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
rulehost="target/$dir/rulehost"

echo "==> building the bundled plugins"
"$rulehost" build -p rulehost-baseline -p district-chengkou -p district-youyang -p district-wuxi

mkdir -p target/demo
echo "==> generating $households households as a workbook (sheets 户信息 and 成员信息)"
"$rulehost" sample --households "$households" --seed 2024 --xlsx target/demo/households.xlsx

echo "==> importing the workbook to JSON Lines"
"$rulehost" import target/demo/households.xlsx --output target/demo/households.jsonl

echo "==> one household, in full"
head -n 1 target/demo/households.jsonl > target/demo/one.json
"$rulehost" eval --plugin target/plugins/rulehost-baseline.wasm target/demo/one.json | head -n 40
echo "    ..."

echo "==> batch evaluation through rulehost.toml"
status=0
"$rulehost" batch --registry rulehost.toml \
  --input target/demo/households.jsonl \
  --output target/demo/results.jsonl \
  --rejects target/demo/rejects.jsonl \
  --summary-json target/demo/summary.json \
  --store target/demo/rulehost.db --round demo --replace || status=$?

echo "==> the rounds kept in the store target/demo/rulehost.db (see docs/rounds.md)"
"$rulehost" rounds --store target/demo/rulehost.db

echo "==> the same results as a page with charts (open it in any browser, offline)"
"$rulehost" report target/demo/results.jsonl --html target/demo/report.html > /dev/null
echo "==> the results as a workbook for officials"
"$rulehost" export target/demo/results.jsonl --xlsx target/demo/results.xlsx
echo "==> records in target/demo/results.jsonl (and results.xlsx), summary in target/demo/summary.json, charts in target/demo/report.html"
exit "$status"
