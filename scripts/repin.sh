#!/usr/bin/env bash
# Rebuilds the bundled plugins and rewrites the sha256 pins in rulehost.toml
# to match. For developers after a deliberate change to the SDK or a plugin:
# review `git diff rulehost.toml` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p rulehost
target/debug/rulehost build -p rulehost-baseline -p district-chengkou -p district-youyang -p district-wuxi >/dev/null
current=""
while IFS= read -r line; do
  case "$line" in
    wasm\ =\ *) current=$(echo "$line" | cut -d '"' -f 2) ;;
    sha256\ =\ *)
      sha=$(target/debug/rulehost plugin inspect --json "$current" | grep '"sha256"' | cut -d '"' -f 4)
      line="sha256 = \"$sha\"" ;;
  esac
  printf '%s\n' "$line"
done < rulehost.toml > rulehost.toml.new
mv rulehost.toml.new rulehost.toml
git --no-pager diff --stat rulehost.toml || true
