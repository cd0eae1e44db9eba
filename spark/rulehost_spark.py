#!/usr/bin/env python3
"""rulehost as a Spark job: households in (JSON Lines, Parquet or a table),
records out (Parquet or JSON Lines, partitioned by district), rejects next
to them, a per-district summary, and the exit codes of `rulehost batch`.

The job stays thin. Spark reads, numbers and partitions the rows; each
partition goes, as bytes, through `rulehost batch --input - --output -` on
an executor (the JVM's `RDD.pipe`, so no Python touches a household); Spark
writes the records. See docs/spark.md.

    spark-submit spark/rulehost_spark.py --rulehost target/release/rulehost \\
        --registry rulehost.toml --input households.jsonl --output results

Exit codes: 0 all records ok, 1 some rejected or failed, 2 the job could
not run (nothing is marked done).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

EXIT_OK, EXIT_SOME, EXIT_FAILED = 0, 1, 2
BUNDLE = "rulehost-bundle"
MARKER = "_RULEHOST_SUCCESS"
# monotonically_increasing_id() is the partition index shifted by 33 bits
# plus the row's index in its partition.
PARTITION_SHIFT = 33
# A sentinel for a member's null disability grade while a Parquet row is
# turned into JSON: Spark drops null fields, but the contract wants this
# one written as null.
NULL_GRADE = -999

# Runs on an executor, once per partition. The partition's first line is a
# header: the global number of its first household, then (tab-separated
# JSON strings) the household ids seen in earlier partitions.
PARTITION_SCRIPT = r"""
set -u
root=$1 bundle=$2
shift 2
[ -d "$root/$bundle" ] || root=.
dir="$root/$bundle"
cache="$root/rulehost-cache"
IFS= read -r header || exit 0
first=${header%%	*}
seen=""
case "$header" in
*"	"*)
  seen=$(mktemp "${TMPDIR:-/tmp}/rulehost-seen.XXXXXX") || exit 2
  printf '%s\n' "${header#*	}" | tr '\t' '\n' > "$seen"
  set -- --seen-ids "$seen" "$@"
  ;;
esac
mkdir -p "$cache" || exit 2
# Each executor compiles a plugin once: the first task compiles into the
# cache in the executor's work directory, the others wait for it.
if command -v flock >/dev/null 2>&1; then
  flock "$cache/.lock" "$dir/rulehost" batch --registry "$dir/rulehost.toml" --input /dev/null --output - \
    --quiet --cache-dir "$cache" > /dev/null || exit 2
fi
run() {
  "$dir/rulehost" batch --registry "$dir/rulehost.toml" --input - --output - --quiet \
    --cache-dir "$cache" --first-line "$first" "$@"
}
if [ -n "${RULEHOST_SPARK_FAIL_ONCE:-}" ] && mkdir "$RULEHOST_SPARK_FAIL_ONCE/line-$first" 2>/dev/null; then
  # Tests only: this partition's first attempt dies part of the way.
  exec 3<&0
  run "$@" <&3 &
  pid=$!
  sleep 0.5
  kill -9 "$pid" 2>/dev/null
  wait "$pid"
  exit 137
fi
run "$@"
rc=$?
[ -z "$seen" ] || rm -f "$seen"
# Exit 1 (some households rejected or failed) is a result; 2 and deaths fail the task.
[ "$rc" -le 1 ] && exit 0
exit "$rc"
"""

KEY_SCHEMA = (
    "line BIGINT, household_id STRING, district_code STRING, status STRING, monitoring STRING, "
    "decisions ARRAY<STRUCT<program: STRING, eligible: BOOLEAN>>, error STRUCT<kind: STRING>"
)
RECORD_SCHEMA = (
    "line BIGINT, household_id STRING, district_code STRING, as_of STRING, "
    "plugin STRUCT<name: STRING, version: STRING, sha256: STRING>, status STRING, monitoring STRING, "
    "monitoring_reason STRING, "
    "flags ARRAY<STRUCT<code: STRING, severity: STRING, reason: STRING, members: ARRAY<STRING>>>, "
    "decisions ARRAY<STRUCT<program: STRING, eligible: BOOLEAN, members: ARRAY<STRING>, amount_yuan: DOUBLE, "
    "level: STRING, reason: STRING>>, "
    "derived STRUCT<residents: BIGINT, net_income: DOUBLE, per_capita_income: DOUBLE, rigid_expenditure: DOUBLE>, "
    "error STRUCT<kind: STRING, message: STRING, pointer: STRING>"
)


class JobError(Exception):
    """The job cannot run or cannot vouch for its output (exit 2)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rulehost", help="the rulehost binary to ship (Linux, built for the executors)")
    p.add_argument("--registry", help="the registry (rulehost.toml); its plugin and parameter files are shipped")
    p.add_argument("--bundle", help="an archive made by --make-bundle, instead of --rulehost and --registry")
    p.add_argument("--shipped", action="store_true",
                   help=f"the bundle was shipped by spark-submit --archives FILE#{BUNDLE}")
    p.add_argument("--make-bundle", metavar="FILE", help="only write the bundle archive (for --archives) and exit")
    p.add_argument("--input", help="households: a JSON Lines file or directory, a Parquet path, or a table name")
    p.add_argument("--input-format", choices=["jsonl", "parquet", "table"], default="jsonl")
    p.add_argument("--output", help="output directory: records/, rejects/, summary.json, " + MARKER)
    p.add_argument("--format", choices=["parquet", "jsonl"], default="parquet", help="how the records are written")
    p.add_argument("--partitions", type=int, help="split a JSON Lines input into this many partitions")
    p.add_argument("--jobs", type=int, help="rulehost --jobs per task (default: spark.task.cpus)")
    p.add_argument("--as-of", help="evaluate as of this date (YYYY-MM-DD)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    p.add_argument("--master", help="Spark master when not run by spark-submit (e.g. local[2,4])")
    args = p.parse_args(argv)
    if args.make_bundle:
        if not (args.rulehost and args.registry):
            p.error("--make-bundle needs --rulehost and --registry")
        return args
    if not (args.input and args.output):
        p.error("--input and --output are required")
    if not (args.shipped or args.bundle or (args.rulehost and args.registry)):
        p.error("give --rulehost and --registry, or --bundle, or --shipped")
    if args.partitions is not None and args.partitions < 1:
        p.error("--partitions must be at least 1")
    return args


def make_bundle(rulehost: str, registry: str, out: str) -> str:
    """An archive of the binary, the registry and every file it names, laid
    out as the registry expects (paths relative to it)."""
    reg = Path(registry)
    try:
        doc = tomllib.loads(reg.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise JobError(f"reading the registry `{registry}`: {e}") from e
    files = []
    for name, plugin in doc.get("plugins", {}).items():
        for key in ("wasm", "params"):
            value = plugin.get(key) if isinstance(plugin, dict) else None
            for item in value if isinstance(value, list) else [] if value is None else [value]:
                rel = Path(str(item))
                if rel.is_absolute() or ".." in rel.parts:
                    raise JobError(
                        f"the registry's `plugins.{name}.{key}` names `{item}`: to ship it, every path in the "
                        "registry must be relative to the registry and inside its directory"
                    )
                files.append(rel)
    if not os.access(rulehost, os.X_OK):
        raise JobError(f"`{rulehost}` is not an executable rulehost binary")
    # Gzip's fastest level: at the default level, compressing a 250 MB binary
    # took 39 s of the job's time (3 s at level 1, for a 14% larger archive).
    # Not a plain tar: Spark unpacks those without the executable bit.
    with tarfile.open(out, "w:gz", compresslevel=1) as tar:
        tar.add(rulehost, arcname="rulehost")
        tar.add(reg, arcname="rulehost.toml")
        for rel in files:
            path = reg.parent / rel
            if not path.is_file():
                raise JobError(f"the registry names `{rel}`, which is not a file next to `{registry}`")
            tar.add(path, arcname=str(rel))
    return out


def ship(spark, args) -> str:
    """Ships the bundle to every executor (unless spark-submit did) and
    returns where the partition script finds it."""
    from pyspark import SparkFiles

    if not args.shipped:
        bundle = args.bundle
        if bundle is None:
            staging = tempfile.mkdtemp(prefix="rulehost-spark-")
            bundle = make_bundle(args.rulehost, args.registry, os.path.join(staging, f"{BUNDLE}.tar.gz"))
        spark.sparkContext.addArchive(f"{os.path.abspath(bundle)}#{BUNDLE}")
    # Executors in the driver's JVM (local mode) unpack into the driver's
    # file root; others into their working directory (the script's `.`).
    return SparkFiles.getRootDirectory()


def read_households(spark, args):
    """One column `text`: each household as the bytes rulehost reads, one
    char per byte (ISO-8859-1), so that invalid UTF-8 reaches rulehost as it
    is in the file."""
    from pyspark.sql import functions as F

    if args.input_format == "jsonl":
        if args.partitions:
            size = path_size(spark, args.input)
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(max(1, -(-size // args.partitions))))
            spark.conf.set("spark.sql.files.openCostInBytes", "0")
            spark.conf.set("spark.sql.files.minPartitionNum", "1")
        df = spark.read.option("lineSep", "\n").text(args.input)
        return df.select(F.decode(F.col("value").cast("binary"), "ISO-8859-1").alias("text"))
    df = spark.read.parquet(args.input) if args.input_format == "parquet" else spark.table(args.input)
    if "members" in df.columns:
        grade = lambda m: m.withField("disability_grade", F.coalesce(m["disability_grade"], F.lit(NULL_GRADE)))
        df = df.withColumn("members", F.transform("members", grade))
    text = F.regexp_replace(
        F.to_json(F.struct(*[F.col(c) for c in df.columns])),
        f'"disability_grade":{NULL_GRADE}',
        '"disability_grade":null',
    )
    return df.select(F.decode(F.encode(text, "UTF-8"), "ISO-8859-1").alias("text"))


def path_size(spark, path: str) -> int:
    jvm = spark._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(spark._jsc.hadoopConfiguration())
    return int(fs.getContentSummary(p).getLength())


def number_rows(spark, households):
    """Gives every row its global number (1-based, in input order) without a
    shuffle: count the rows of each partition, then add the offsets."""
    from pyspark.sql import functions as F

    counts = {r["pid"]: r["count"] for r in households.select(F.spark_partition_id().alias("pid")).groupBy("pid").count().collect()}
    partitions = households._jdf.rdd().getNumPartitions()
    offsets, start = [], 0
    for p in range(partitions):
        offsets.append(start)
        start += counts.get(p, 0)
    pid = F.spark_partition_id()
    index = F.monotonically_increasing_id() - F.shiftleft(pid.cast("long"), PARTITION_SHIFT)
    offset = F.element_at(F.array(*[F.lit(o) for o in offsets] or [F.lit(0)]), pid + 1)
    numbered = households.select(
        pid.alias("pid"), (offset + index + 1).alias("line"), (index == 0).alias("first"), "text"
    )
    bounds = [(offsets[p] + 1, offsets[p] + counts.get(p, 0)) for p in range(partitions)]
    return numbered, bounds, start


def pipe(spark, numbered, root: str, jobs: int, as_of: str | None, seen: dict[int, list[str]] | None = None):
    """Each partition through rulehost; returns one column `record` (the
    records as UTF-8 JSON text). With `seen`, only those partitions, each
    told the household ids of earlier partitions."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    header_extra = F.lit("")
    if seen is not None:
        numbered = numbered.where(F.col("pid").isin(list(seen)))
        pairs = []
        for p, ids in seen.items():
            pairs += [F.lit(p), F.lit("".join("\t" + json.dumps(i, ensure_ascii=True) for i in ids))]
        header_extra = F.element_at(F.create_map(*pairs), F.col("pid"))
    header = F.concat(F.col("line").cast("string"), header_extra, F.lit("\n"), F.col("text"))
    piped = numbered.select(F.when(F.col("first"), header).otherwise(F.col("text")).alias("piped"))
    jvm = spark._jvm
    strings = jvm.org.apache.spark.sql.Encoders.STRING()
    command = ["sh", "-c", PARTITION_SCRIPT, "rulehost-partition", root, BUNDLE, "--jobs", str(jobs)]
    if as_of:
        command += ["--as-of", as_of]
    env = {}
    if os.environ.get("RULEHOST_SPARK_FAIL_ONCE"):
        env["RULEHOST_SPARK_FAIL_ONCE"] = os.environ["RULEHOST_SPARK_FAIL_ONCE"]
    rdd = getattr(piped._jdf, "as")(strings).javaRDD().pipe(command, env, False, 1 << 16, "ISO-8859-1")
    out = DataFrame(spark._jsparkSession.createDataset(rdd.rdd(), strings).toDF(), spark)
    return out.select(F.decode(F.encode(F.col("value"), "ISO-8859-1"), "UTF-8").alias("record"))


def write_records(records, path: str, fmt: str) -> None:
    from pyspark.sql import functions as F

    if fmt == "jsonl":
        district = F.get_json_object("record", "$.district_code")
        records.select("record", district.alias("district_code")).write.partitionBy("district_code").text(path)
    else:
        parsed = records.select(F.from_json("record", RECORD_SCHEMA).alias("r")).select("r.*")
        parsed.write.partitionBy("district_code").parquet(path)


def read_records(spark, path: str, fmt: str):
    """The written records: the key columns, and `record` as JSON text."""
    from pyspark.sql import functions as F

    if fmt == "jsonl":
        raw = spark.read.text(path).select(F.col("value").alias("record"))
        return raw.select("record", F.from_json("record", KEY_SCHEMA).alias("k")).select("record", "k.*")
    # With the schema given, the district directories read back as text, not numbers.
    df = spark.read.schema(RECORD_SCHEMA).parquet(path)
    cols = [c for c in df.columns]
    record = F.to_json(F.struct(*[F.col(c) for c in cols]))
    return df.select(record.alias("record"), "line", "household_id", "district_code", "status", "monitoring",
                     "decisions", "error")


def key_columns(spark, path: str, fmt: str):
    """What the checks and the summary need of each record, read once."""
    from pyspark.sql import functions as F

    dibao = F.exists("decisions", lambda d: (d["program"] == "dibao") & d["eligible"])
    return read_records(spark, path, fmt).select(
        "line", "household_id", "district_code", "status", "monitoring",
        F.coalesce(dibao, F.lit(False)).alias("dibao"), F.col("error.kind").alias("kind"))


def misplaced_duplicates(records, bounds):
    """Households repeated across partitions: each partition's rulehost saw
    only its own lines, so the first occurrence in a later partition was
    kept. Returns {partition: [ids seen before it]}."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with_id = records.where(F.col("household_id").isNotNull()).select("line", "household_id", "kind")
    first = F.min("line").over(Window.partitionBy("household_id"))
    wrong = (
        with_id.withColumn("first", first)
        .where((F.col("line") > F.col("first")) & ~F.coalesce(F.col("kind") == "duplicate_household_id", F.lit(False)))
        .select("line", "household_id")
        .collect()
    )
    starts = [b[0] for b in bounds]
    seen: dict[int, list[str]] = {}
    for row in wrong:
        p = partition_of(starts, bounds, row["line"])
        seen.setdefault(p, []).append(row["household_id"])
    return seen


def partition_of(starts, bounds, line: int) -> int:
    import bisect

    p = bisect.bisect_right(starts, line) - 1
    while p > 0 and bounds[p][0] > bounds[p][1]:
        p -= 1  # empty partitions share their start with the next one
    while bounds[p][1] < line:
        p += 1
    return p


def check_counts(records, total: int) -> dict:
    from pyspark.sql import functions as F

    row = records.agg(
        F.count(F.lit(1)).alias("records"),
        F.countDistinct("line").alias("lines"),
        F.min("line").alias("min"),
        F.max("line").alias("max"),
        F.sum((F.col("status") == "ok").cast("long")).alias("ok"),
        F.sum((F.col("status") == "rejected").cast("long")).alias("rejected"),
        F.sum((F.col("status") == "plugin_error").cast("long")).alias("plugin_errors"),
    ).collect()[0]
    counts = {k: int(row[k] or 0) for k in ["records", "lines", "ok", "rejected", "plugin_errors"]}
    if total and (row["records"] != total or row["lines"] != total or row["min"] != 1 or row["max"] != total):
        raise JobError(
            f"{total} input rows gave {row['records']} records for {row['lines']} distinct lines "
            f"({row['min']} to {row['max']}): not one record per row; the output is not marked done"
        )
    if not total and row["records"]:
        raise JobError(f"an empty input gave {row['records']} records")
    counts["input_rows"] = total
    return counts


def district_summary(records):
    """Per district: households, ok, rejected, plugin errors, monitored and
    dibao-eligible, aggregated in Spark from the records."""
    from pyspark.sql import functions as F

    rows = (
        records.groupBy(F.coalesce("district_code", F.lit("(none)")).alias("district"))
        .agg(
            F.count(F.lit(1)).alias("households"),
            F.sum((F.col("status") == "ok").cast("long")).alias("ok"),
            F.sum((F.col("status") == "rejected").cast("long")).alias("rejected"),
            F.sum((F.col("status") == "plugin_error").cast("long")).alias("plugin_errors"),
            F.sum(F.col("monitoring").isNotNull().cast("long")).alias("monitored"),
            F.sum(F.col("dibao").cast("long")).alias("dibao_eligible"),
        )
        .orderBy("district")
        .collect()
    )
    return [r.asDict() for r in rows]


def render(summary: list[dict]) -> str:
    cols = ["households", "ok", "rejected", "plugin_errors", "monitored", "dibao_eligible"]
    lines = ["district " + " ".join(f"{c:>14}" for c in cols)]
    for r in summary:
        lines.append(f"{r['district']:<8} " + " ".join(f"{int(r[c] or 0):>14}" for c in cols))
    total = {c: sum(int(r[c] or 0) for r in summary) for c in cols}
    lines.append("total    " + " ".join(f"{total[c]:>14}" for c in cols))
    return "\n".join(lines) + "\n"


class Fs:
    """The output directory through Hadoop's FileSystem (local, HDFS, S3A)."""

    def __init__(self, spark, path: str):
        self.jvm = spark._jvm
        self.root = self.jvm.org.apache.hadoop.fs.Path(path)
        self.fs = self.root.getFileSystem(spark._jsc.hadoopConfiguration())

    def path(self, *parts: str):
        return self.jvm.org.apache.hadoop.fs.Path(self.root, "/".join(parts)) if parts else self.root

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def delete(self, *parts: str) -> None:
        self.fs.delete(self.path(*parts), True)

    def rename(self, src: str, dst: str) -> None:
        if not self.fs.rename(self.path(src), self.path(dst)):
            raise JobError(f"could not rename `{src}` to `{dst}` in the output directory")

    def write(self, name: str, text: str) -> None:
        out = self.fs.create(self.path(name), True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()


def run(spark, args) -> int:
    """The job in an existing session; returns the exit code."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    started = time.monotonic()
    fs = Fs(spark, args.output)
    if fs.exists():
        if not args.overwrite:
            raise JobError(f"`{args.output}` exists; give --overwrite to replace it")
        fs.delete()
    root = ship(spark, args)
    jobs = args.jobs or int(spark.conf.get("spark.task.cpus", "1"))
    households = read_households(spark, args)
    numbered, bounds, total = number_rows(spark, households)
    print(f"rulehost-spark: {total} rows in {len(bounds)} partitions", file=sys.stderr)

    records_path = fs.path("records").toString()
    write_records(pipe(spark, numbered, root, jobs, args.as_of), records_path, args.format)
    keys = key_columns(spark, records_path, args.format).persist(StorageLevel.MEMORY_AND_DISK)
    seen = misplaced_duplicates(keys, bounds)
    if seen:
        # Partitions that kept a household already seen in an earlier one run
        # again, told those ids, so that the first occurrence stands as in one batch.
        print(f"rulehost-spark: {sum(map(len, seen.values()))} households repeated across partitions; "
              f"{len(seen)} partition(s) evaluated again", file=sys.stderr)
        redone = fs.path("_staging", "redone").toString()
        write_records(pipe(spark, numbered, root, jobs, args.as_of, seen), redone, args.format)
        keep = F.lit(True)
        for p in seen:
            keep = keep & ~F.col("line").between(*bounds[p])
        merged = read_records(spark, records_path, args.format).where(keep).select("record").unionByName(
            read_records(spark, redone, args.format).select("record"))
        write_records(merged, fs.path("_staging", "merged").toString(), args.format)
        keys.unpersist()
        fs.delete("records")
        fs.rename("_staging/merged", "records")
        fs.delete("_staging")
        keys = key_columns(spark, records_path, args.format).persist(StorageLevel.MEMORY_AND_DISK)
        if misplaced_duplicates(keys, bounds):
            raise JobError("a household id repeated across partitions is still kept twice; the output is not marked done")
    counts = check_counts(keys, total)
    records = read_records(spark, records_path, args.format)
    records.where(F.col("status") != "ok").select("record").coalesce(1).write.text(fs.path("rejects").toString())
    summary = district_summary(keys)
    keys.unpersist()
    elapsed = time.monotonic() - started
    report = dict(counts, partitions=len(bounds), elapsed_seconds=elapsed, districts=summary)
    fs.write("summary.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    fs.write(MARKER, json.dumps(counts) + "\n")
    print(render(summary), end="")
    print(
        f"{counts['records']} lines: {counts['ok']} ok, {counts['rejected']} rejected, "
        f"{counts['plugin_errors']} plugin errors in {elapsed:.2f} s ({counts['records'] / max(elapsed, 1e-9):.0f} households/s)"
    )
    return EXIT_OK if counts["ok"] == counts["records"] else EXIT_SOME


def session(master: str | None):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("rulehost")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.make_bundle:
            print(make_bundle(args.rulehost, args.registry, args.make_bundle))
            return EXIT_OK
        spark = session(args.master)
        try:
            return run(spark, args)
        finally:
            spark.stop()
    except JobError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # a Spark job that failed after its retries
        print(f"error: the Spark job failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
