#!/usr/bin/env bash
# The Spark job's tests (docs/spark.md), run by scripts/test.sh and so by CI.
# Installs what is missing: a headless Java 17+ (Debian's OpenJDK, with
# apt-get) and pyspark (PyPI, into the venv target/spark-venv, kept between
# runs). Builds rulehost (debug) and the bundled plugins, generates a sample
# population, and compares the job's records, in local[2] and
# local-cluster[2,1,1024], with `rulehost batch` on the same households.
#
#   SPARK_TEST_HOUSEHOLDS=3000   households in the sample (default 3000)
#   RULEHOST_SPARK_CLUSTER=0     skip the local-cluster run
set -euo pipefail
cd "$(dirname "$0")/.."
households="${SPARK_TEST_HOUSEHOLDS:-3000}"
venv="${RULEHOST_SPARK_VENV:-target/spark-venv}"
pyspark_version="4.0.*"

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
apt_install() {
  for attempt in 1 2 3; do
    if $sudo env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -qq && apt-get install -y -qq $* >/dev/null"; then
      return 0
    fi
    echo "installing $* failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep 10
  done
  return 1
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
  echo "==> installing a headless Java (openjdk-17-jre-headless)"
  apt_install openjdk-17-jre-headless || {
    echo "error: Spark 4 needs Java 17 or later, and it could not be installed" >&2
    exit 1
  }
fi

if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  echo "==> installing pyspark $pyspark_version into $venv"
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q --disable-pip-version-check "pyspark==$pyspark_version"
fi

echo "==> building rulehost and the bundled plugins"
cargo build -q -p rulehost
rulehost="$PWD/target/debug/rulehost"
"$rulehost" build -p rulehost-baseline -p district-chengkou -p district-youyang -p district-wuxi > /dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/rulehost-spark-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$rulehost" sample --households "$households" --seed 2024 --output "$work/households.jsonl"

export PYSPARK_PYTHON="$PWD/$venv/bin/python"
echo "==> the Spark job in local[2] against rulehost batch ($households households)"
"$venv/bin/python" spark/test_rulehost_spark.py "$rulehost" "$PWD/rulehost.toml" "$work/households.jsonl" "$work"
if [ "${RULEHOST_SPARK_CLUSTER:-1}" != 0 ]; then
  echo "==> the Spark job in local-cluster[2,1,1024] (separate executor JVMs)"
  "$venv/bin/python" spark/test_rulehost_spark.py "$rulehost" "$PWD/rulehost.toml" "$work/households.jsonl" "$work" local-cluster
fi
