#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, then the whole test suite
# (Rust, then the Python SDK's own tests).
# Installs the wasm target when it is missing (the test harness builds the
# plugins with it), and Debian's chromium for the browser test. Then the
# Spark job's tests (scripts/spark-test.sh: Java and pyspark installed when
# missing); RULEHOST_SKIP_SPARK=1 skips them outside CI.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v rustup >/dev/null; then
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  installed="$(rustup component list --installed 2>/dev/null || true)"
  grep -q '^rustfmt' <<<"$installed" || rustup component add rustfmt
  grep -q '^clippy' <<<"$installed" || rustup component add clippy
fi

# The browser test opens the HTML pages in Chromium (any of the names the
# test looks for will do); RULEHOST_SKIP_BROWSER=1 skips it.
have_browser() {
  [ -n "${RULEHOST_CHROMIUM:-}" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
    command -v google-chrome >/dev/null
}
if [ "${CI:-}" = true ] && [ "${RULEHOST_SKIP_BROWSER:-}" = 1 ]; then
  echo "error: RULEHOST_SKIP_BROWSER=1 is for other machines; in CI the browser test must run" >&2
  exit 1
fi
if [ "${RULEHOST_SKIP_BROWSER:-}" != 1 ] && ! have_browser; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  for attempt in 1 2 3; do
    if $sudo env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'; then
      break
    fi
    echo "installing chromium failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep 10
  done
  if ! have_browser; then
    echo "error: the browser test needs Debian's chromium, and it could not be installed;" >&2
    echo "install it, point RULEHOST_CHROMIUM at a Chromium, or set RULEHOST_SKIP_BROWSER=1" >&2
    exit 1
  fi
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The Python plugin tests install componentize-py (pinned) into
# target/componentize-py/venv when it is missing, from PyPI.
cargo test --workspace

# The Python SDK in CPython: formatting of money and numbers, dates, the
# baseline's edge cases (bindings from that componentize-py).
python3 plugins/sdk-python/tests/run.py

if [ "${CI:-}" = true ] && [ "${RULEHOST_SKIP_SPARK:-}" = 1 ]; then
  echo "error: RULEHOST_SKIP_SPARK=1 is for other machines; in CI the Spark tests must run" >&2
  exit 1
fi
if [ "${RULEHOST_SKIP_SPARK:-}" != 1 ]; then
  bash scripts/spark-test.sh
fi
