#!/usr/bin/env python3
"""Tests of the Spark job against `rulehost batch` on the same households,
in one SparkSession (a JVM starts once). Run by scripts/spark-test.sh:

    test_rulehost_spark.py RULEHOST REGISTRY HOUSEHOLDS.jsonl WORKDIR [local-cluster]

Each case prints `ok: ...` or raises; any failure exits non-zero.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rulehost_spark as job  # noqa: E402


def hostile_population(clean: list[bytes]) -> list[bytes]:
    """The sample with hostile lines, an unknown district and repeated ids
    (within a partition and across partitions) spread through it."""
    lines = list(clean)
    n = len(lines)
    unknown = json.loads(lines[3])
    unknown["district_code"] = "510101"
    unknown["household_id"] = "from-elsewhere"
    inserts = [
        (n // 10, b'{"not": "a household"}'),
        (n // 5, b"\xff\xfe not utf-8"),
        (n // 3, b""),
        (n // 2, json.dumps(unknown, ensure_ascii=False).encode()),
        (n // 2 + 7, lines[n // 2 + 5]),  # repeated within a partition
        (n - 20, lines[10]),  # repeated across partitions
        (n - 5, lines[n // 3 + 1]),  # across partitions
        (n // 4, b"{" * 300),
    ]
    for at, line in sorted(inserts, key=lambda x: -x[0]):
        lines.insert(at, line)
    return lines


def batch(rulehost: str, registry: str, input_path: str, out: str) -> tuple[int, list[bytes]]:
    run = subprocess.run(
        [rulehost, "batch", "--registry", registry, "--input", input_path, "--output", out, "--quiet"],
        capture_output=True,
    )
    if run.returncode not in (0, 1):
        raise AssertionError(f"rulehost batch failed: {run.stderr.decode(errors='replace')}")
    with open(out, "rb") as f:
        return run.returncode, f.read().splitlines()


def jsonl_records(output: str) -> list[bytes]:
    records = []
    for path in sorted(glob.glob(os.path.join(output, "records", "**", "part-*"), recursive=True)):
        with open(path, "rb") as f:
            records += f.read().splitlines()
    return records


def by_household(records: list[bytes]) -> list[bytes]:
    def key(r: bytes):
        v = json.loads(r)
        return (v.get("household_id") or "", v["line"])

    return sorted(records, key=key)


def check_same(name: str, got: list[bytes], expected: list[bytes]) -> None:
    if len(got) != len(expected):
        raise AssertionError(f"{name}: {len(got)} records, batch wrote {len(expected)}")
    got, expected = by_household(got), by_household(expected)
    for g, e in zip(got, expected):
        if g != e:
            raise AssertionError(f"{name}: records differ:\n spark: {g[:300]!r}\n batch: {e[:300]!r}")


def run_job(spark, argv: list[str]) -> int:
    return job.run(spark, job.parse_args(argv))


def marker(output: str) -> dict:
    with open(os.path.join(output, job.MARKER), encoding="utf-8") as f:
        return json.load(f)


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def main() -> int:
    rulehost, registry, households, work = sys.argv[1:5]
    cluster = len(sys.argv) > 5 and sys.argv[5] == "local-cluster"
    with open(households, "rb") as f:
        clean = f.read().splitlines()
    hostile = os.path.join(work, "hostile.jsonl")
    with open(hostile, "wb") as f:
        f.write(b"\n".join(hostile_population(clean)) + b"\n")
    code, expected = batch(rulehost, registry, hostile, os.path.join(work, "batch.jsonl"))
    assert code == 1, "batch rejects the hostile lines"
    kinds = {(json.loads(r).get("error") or {}).get("kind") for r in expected}
    assert {"duplicate_household_id", "unknown_district", "not_utf8", "not_json"} <= kinds, kinds
    common = ["--rulehost", rulehost, "--registry", registry]

    from pyspark.sql import SparkSession

    master = "local-cluster[2,1,1024]" if cluster else "local[2,4]"
    spark = (
        SparkSession.builder.master(master)
        .appName("rulehost-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.task.maxFailures", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        if cluster:
            out = os.path.join(work, "cluster")
            code = run_job(spark, common + ["--input", hostile, "--output", out, "--format", "jsonl", "--partitions", "4"])
            assert code == 1, code
            check_same("local-cluster, 4 partitions", jsonl_records(out), expected)
            print(f"ok: {master}: the records of `rulehost batch`, sorted by household id")
            return 0

        for partitions in ["1", "4", "16"]:
            out = os.path.join(work, f"jsonl-{partitions}")
            argv = common + ["--input", hostile, "--output", out, "--format", "jsonl", "--partitions", partitions]
            code = run_job(spark, argv)
            assert code == 1, f"exit {code} with rejected lines"
            check_same(f"{partitions} partitions", jsonl_records(out), expected)
            counts = marker(out)
            assert counts["records"] == len(expected) == counts["input_rows"], counts
            with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
                summary = json.load(f)
            assert summary["partitions"] == int(partitions), (summary["partitions"], partitions)
            rejects = sum(1 for r in expected if b'"status":"ok"' not in r)
            got_rejects = sum(len(open(p, "rb").read().splitlines()) for p in glob.glob(os.path.join(out, "rejects", "part-*")))
            assert got_rejects == rejects == counts["rejected"] + counts["plugin_errors"], (got_rejects, rejects)
            print(f"ok: {partitions} partition(s): the records of `rulehost batch`, rejects and counts")

        # A task whose rulehost dies is retried; nothing lost, nothing twice.
        failures = tempfile.mkdtemp(prefix="rulehost-fail-once-", dir=work)
        os.environ["RULEHOST_SPARK_FAIL_ONCE"] = failures
        try:
            out = os.path.join(work, "killed")
            code = run_job(spark, common + ["--input", hostile, "--output", out, "--format", "jsonl", "--partitions", "4"])
        finally:
            del os.environ["RULEHOST_SPARK_FAIL_ONCE"]
        killed = os.listdir(failures)
        assert len(killed) >= 4, f"every partition's first attempt was killed: {killed}"
        assert code == 1
        check_same("tasks killed once and retried", jsonl_records(out), expected)
        print(f"ok: {len(killed)} task attempts killed and retried: the records of `rulehost batch`")

        # Parquet out: the same values as batch's records.
        out = os.path.join(work, "parquet")
        assert run_job(spark, common + ["--input", hostile, "--output", out, "--partitions", "4"]) == 1
        rows = spark.read.schema(job.RECORD_SCHEMA).parquet(os.path.join(out, "records")).collect()
        got = {r["line"]: drop_nulls(r.asDict(recursive=True)) for r in rows}
        want = {v["line"]: drop_nulls(v) for v in map(json.loads, expected)}
        assert got == want, f"{len(got)} parquet rows, {len(want)} batch records; first differing line: " + str(
            next((k for k in want if got.get(k) != want[k]), None))
        print("ok: Parquet records partitioned by district hold batch's values")

        # Parquet in: the households as columns, nested fields as structs.
        clean_path = os.path.join(work, "clean.jsonl")
        with open(clean_path, "wb") as f:
            f.write(b"\n".join(clean) + b"\n")
        code, clean_expected = batch(rulehost, registry, clean_path, os.path.join(work, "clean-batch.jsonl"))
        table = os.path.join(work, "households.parquet")
        spark.read.json(clean_path).coalesce(1).write.parquet(table)
        out = os.path.join(work, "from-parquet")
        got_code = run_job(spark, common + ["--input", table, "--input-format", "parquet", "--output", out, "--format", "jsonl"])
        assert got_code == code, (got_code, code)
        check_same("Parquet in", jsonl_records(out), clean_expected)
        print("ok: households read from Parquet give batch's records")

        # Could not run: exit 2 and no success marker.
        out = os.path.join(work, "refused")
        try:
            run_job(spark, ["--bundle", os.path.join(work, "no-such.tar.gz"), "--input", hostile, "--output", out])
        except Exception as e:  # noqa: BLE001 - any refusal will do; the marker must be absent
            print(f"ok: a missing bundle is refused ({type(e).__name__})")
        else:
            raise AssertionError("a missing bundle was accepted")
        assert not os.path.exists(os.path.join(out, job.MARKER))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
