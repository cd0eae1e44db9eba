#!/usr/bin/env bash
# The Spark job's benchmark (not in CI; docs/spark.md): one run each of
# plain `rulehost batch --jobs 2` and the Spark job in local[2] over the same
# file of 1,000,000 households (release build), records as Parquet and as
# JSON Lines. Prints the times and the throughput ratio (goal: >= 0.6x).
# Run scripts/spark-test.sh once first: it installs Java and pyspark.
#
#   HOUSEHOLDS=200000 bash scripts/spark-bench.sh    # a quicker, smaller run
#   PROFILE=dev bash scripts/spark-bench.sh          # the debug build (dependencies optimised)
set -euo pipefail
cd "$(dirname "$0")/.."
households="${HOUSEHOLDS:-1000000}"
venv="${RULEHOST_SPARK_VENV:-target/spark-venv}"
dir=target/spark-bench
mkdir -p "$dir"

profile="${PROFILE:-release}"
cargo build -q --profile "$profile" -p rulehost
rulehost="$PWD/target/$([ "$profile" = dev ] && echo debug || echo "$profile")/rulehost"
"$rulehost" build -p rulehost-baseline -p district-chengkou -p district-youyang -p district-wuxi > /dev/null
input="$dir/households-$households.jsonl"
[ -s "$input" ] || "$rulehost" sample --households "$households" --seed 2024 --output "$input"
# Warm the compile cache so that neither run pays for compiling plugins.
"$rulehost" batch --registry rulehost.toml --input /dev/null --output - --quiet > /dev/null

seconds() { date +%s.%N; }
calc() { python3 -c "print(round($1, 2))"; }
start=$(seconds)
"$rulehost" batch --jobs 2 --registry rulehost.toml --input "$input" --output "$dir/batch.jsonl" --quiet || [ $? = 1 ]
batch=$(calc "$(seconds) - $start")

export PYSPARK_PYTHON="$PWD/$venv/bin/python"
results="batch --jobs 2: $batch s"
for format in parquet jsonl; do
  rm -rf "$dir/spark-$format"
  start=$(seconds)
  "$venv/bin/python" spark/rulehost_spark.py --master 'local[2]' --rulehost "$rulehost" --registry rulehost.toml \
    --input "$input" --output "$dir/spark-$format" --format "$format" > "$dir/spark-$format.log" || [ $? = 1 ]
  spark=$(calc "$(seconds) - $start")
  ratio=$(calc "$batch / $spark")
  results="$results
spark local[2], $format records: $spark s, throughput ${ratio}x batch"
done
echo "$households households"
echo "$results"
