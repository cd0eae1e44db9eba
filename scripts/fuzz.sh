#!/usr/bin/env bash
# Fuzzes the input path (bytes of a line -> strict JSON -> both schema
# validators -> typed household, and the fast path against all of them) with cargo-fuzz and libFuzzer, for
# SECONDS (default 60). Installs cargo-fuzz when it is missing. On a stable
# toolchain the sanitizer flags are allowed with RUSTC_BOOTSTRAP=1.
#
# A crash leaves its input in fuzz/artifacts/household_line/. Copy it into
# fuzz/regressions/ (named for what it found), fix the bug, and
# `cargo test -p rulehost-input` replays it from then on.
#
#   bash scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# libfuzzer-sys builds libFuzzer, which is C++.
if ! command -v g++ >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq g++ >/dev/null'
fi
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

# Seeds: the fixture households, every field at, just inside and just
# outside its bounds (fuzz/seeds, written by input/tests/bounds.rs), and
# the regressions.
corpus=fuzz/corpus/household_line
mkdir -p "$corpus"
cp tests/fixtures/households/*.json "$corpus"/
cp fuzz/seeds/* "$corpus"/
find fuzz/regressions -type f ! -name "*.md" -exec cp {} "$corpus"/ \;

# -rss_limit_mb: well above the ~500 MB the target uses, far below the machine.
cargo fuzz run household_line "$corpus" -- \
  -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1
