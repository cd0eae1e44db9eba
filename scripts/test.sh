#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, then the whole test suite.
# Installs the wasm target when it is missing (the test harness builds the
# plugins with it), and Debian's chromium for the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy

# The browser test opens the HTML pages in Debian's Chromium.
if [ "${RULEHOST_SKIP_BROWSER:-}" != 1 ] && ! command -v chromium >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  for attempt in 1 2 3; do
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; then
      break
    fi
    echo "installing chromium failed (attempt $attempt)" >&2
    sleep 10
  done
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
