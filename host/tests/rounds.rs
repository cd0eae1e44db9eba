//! Monitoring rounds end to end: four rounds of a sample population with
//! deliberate changes, kept in a store by `rulehost batch --store`; every
//! figure of `rulehost track` checked against a direct computation from
//! the rounds' results files; the store's guarantees (one row per
//! household and round, foreign keys, no orphans after a replace, a
//! `kill -9` during the write leaves the previous state).

#![expect(clippy::unwrap_used, reason = "test helpers: a failure is a panic with its message")]

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use harness::{sample, text, write_registry};
use serde_json::{Value, json};

fn rulehost(args: &[&str]) -> Output {
    harness::run_bin(env!("CARGO_BIN_EXE_rulehost"), args, "rulehost-rounds-test-cache")
}

fn households(n: u64, seed: u64) -> Vec<Value> {
    let bytes = sample(n, seed);
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

/// A household with no guarantee problem and a resident who can work, in a
/// baseline district; monitored (marginal) when `low`, else not.
fn clean(mut h: Value, id: &str, low: bool) -> Value {
    h["household_id"] = json!(id);
    h["district_code"] = json!("500101");
    h["poverty_status"] = json!("general");
    h["lifted_year"] = Value::Null;
    h["extensions"] = Value::Null;
    h.as_object_mut().unwrap().remove("extensions");
    for m in h["members"].as_array_mut().unwrap() {
        m["medical_insurance"] = json!("resident");
        m["enrolled_in_school"] = json!(true);
        m["resident"] = json!(true);
    }
    h["members"][0]["labor_capacity"] = json!("full");
    let residents = h["members"].as_array().unwrap().len() as f64;
    let wage = if low { 3000.0 * residents } else { 30000.0 * residents };
    h["income"] = json!({"wage": wage, "operating_net": 0, "property": 0, "transfer": 0});
    h["previous_year_income"] = json!(wage);
    h["rigid_expenditure"] =
        json!({"medical_out_of_pocket": 0, "education": 0, "disaster_loss": 0, "accident_loss": 0});
    h["housing"] = json!({"safety_grade": "A", "renovated": false, "geohazard_zone": false});
    h["water"] = json!({"litres_per_person_day": 100, "water_scarce_area": false, "quality_ok": true, "fetch_minutes": 0, "interruption_days": 0});
    h["food_clothing_secure"] = json!(true);
    h
}

struct Round {
    label: &'static str,
    as_of: &'static str,
    households: Vec<Value>,
    registry: PathBuf,
}

/// Four rounds: incomes up and down, houses renovated, children enrolled,
/// households removed and added, one line rejected, a district plugin
/// added for 城口 from round 3; `steady` leaves monitoring after round 1
/// (out for 3 rounds at round 4), `recent` after round 2 (out for 2).
fn rounds(dir: &Path) -> Vec<Round> {
    let base = households(600, 7);
    let template = base[0].clone();
    let baseline = write_registry(dir, &[("baseline", "rulehost-baseline", &[])], true);
    let both = dir.join("both");
    std::fs::create_dir_all(&both).unwrap();
    let upgraded = write_registry(&both, &[("baseline", "rulehost-baseline", &[])], true);
    let chengkou = harness::plugin("district-chengkou");
    let params = |d: &str| harness::root().join(format!("plugins/{d}/params.toml")).display().to_string();
    let entry = format!(
        "\n[plugins.chengkou]\nwasm = {:?}\nsha256 = \"{}\"\nparams = [{:?}, {:?}]\ndistricts = [\"500229\"]\n",
        chengkou.display().to_string(),
        rulehost::sha256_hex(&std::fs::read(&chengkou).unwrap()),
        params("baseline"),
        params("chengkou")
    );
    let text = std::fs::read_to_string(&upgraded).unwrap() + &entry;
    std::fs::write(&upgraded, text).unwrap();
    let mut out = Vec::new();
    for (k, (label, as_of)) in
        [("2024-06", "2024-06-30"), ("2024-07", "2024-07-31"), ("2024-08", "2024-08-31"), ("2024-09", "2024-09-30")]
            .into_iter()
            .enumerate()
    {
        let mut list = Vec::new();
        for (i, h) in base.iter().enumerate() {
            let mut h = h.clone();
            if k >= 1 && i % 7 == 0 {
                h["income"]["wage"] = json!(h["income"]["wage"].as_f64().unwrap() + 40000.0);
            }
            if k >= 1 && i % 11 == 0 {
                h["income"]["wage"] = json!(0);
                h["income"]["operating_net"] = json!(0);
            }
            if k >= 2 && i % 5 == 0 {
                h["housing"]["renovated"] = json!(true);
            }
            if k >= 2 && i % 6 == 0 {
                for m in h["members"].as_array_mut().unwrap() {
                    m["enrolled_in_school"] = json!(true);
                }
            }
            if k == 3 && i % 9 == 0 {
                h["water"]["quality_ok"] = json!(false);
            }
            let removed = (k == 1 && i % 50 == 0) || (k >= 2 && i % 45 == 1);
            if k == 1 && i == 3 {
                h["members"][0]["sex"] = json!("unknown");
            }
            if k == 1 && i == 4 {
                h["district_code"] = json!("500999");
            }
            if !removed {
                list.push(h);
            }
        }
        if k >= 1 {
            list.push(clean(template.clone(), &format!("new-{k}"), k % 2 == 1));
        }
        list.push(clean(template.clone(), "steady", k == 0));
        list.push(clean(template.clone(), "recent", k <= 1));
        let registry = if k >= 2 { upgraded.clone() } else { baseline.clone() };
        out.push(Round { label, as_of, households: list, registry });
    }
    out
}

fn write_lines(path: &Path, values: &[Value]) {
    let text: String = values.iter().map(|v| v.to_string() + "\n").collect();
    std::fs::write(path, text).unwrap();
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// What a results file says of one household.
#[derive(Debug, Clone, Default)]
struct Seen {
    district: String,
    ok: bool,
    category: Option<String>,
    flags: BTreeSet<String>,
    programs: BTreeSet<String>,
    dibao_fen: i64,
    can_work: bool,
}

fn seen(results: &[Value], input: &[Value]) -> HashMap<String, Seen> {
    let by_id: HashMap<&str, &Value> = input.iter().filter_map(|h| Some((h["household_id"].as_str()?, h))).collect();
    let mut out = HashMap::new();
    for r in results {
        let Some(id) = r["household_id"].as_str() else { continue };
        if r["error"]["kind"] == "duplicate_household_id" {
            continue;
        }
        let ok = r["status"] == "ok";
        let eligible: Vec<&Value> =
            r["decisions"].as_array().map(|d| d.iter().filter(|d| d["eligible"] == true).collect()).unwrap_or_default();
        let can_work = by_id.get(id).is_some_and(|h| {
            h["members"].as_array().unwrap().iter().any(|m| m["resident"] == true && m["labor_capacity"] != "none")
        });
        out.insert(
            id.to_owned(),
            Seen {
                district: r["district_code"].as_str().unwrap_or("").to_owned(),
                ok,
                category: r["monitoring"].as_str().filter(|_| ok).map(str::to_owned),
                flags: r["flags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| f["code"].as_str().unwrap().to_owned())
                    .collect(),
                programs: eligible.iter().map(|d| d["program"].as_str().unwrap().to_owned()).collect(),
                dibao_fen: eligible
                    .iter()
                    .filter(|d| d["program"] == "dibao")
                    .filter_map(|d| d["amount_yuan"].as_f64())
                    .map(|y| (y * 100.0).round() as i64)
                    .sum(),
                can_work,
            },
        );
    }
    out
}

fn is_problem(code: &str) -> bool {
    code.starts_with("guarantee.") || code.starts_with("local.")
}

/// The bulletin's figures computed straight from the results files, as
/// `../shared/docs/product.md` defines them.
fn expected(all: &[HashMap<String, Seen>], r: usize, n: usize) -> BTreeMap<String, Value> {
    let (cur, prev) = (&all[r], if r > 0 { all[r - 1].clone() } else { HashMap::new() });
    #[derive(Default)]
    struct F {
        monitored: u64,
        entered: BTreeMap<String, u64>,
        left: BTreeMap<String, u64>,
        still: u64,
        new: u64,
        gone: u64,
        not_evaluated: u64,
        problems: BTreeMap<String, [u64; 4]>,
        gained: BTreeMap<String, u64>,
        lost: BTreeMap<String, u64>,
        dibao: i64,
        dibao_before: i64,
        candidates: u64,
    }
    let mut figures: BTreeMap<String, F> = BTreeMap::new();
    let cands = candidates(all, r, n);
    for (id, s) in cur {
        for key in ["total".to_owned(), s.district.clone()] {
            let f = figures.entry(key).or_default();
            let old = prev.get(id);
            if s.ok {
                f.dibao += s.dibao_fen;
                f.monitored += u64::from(s.category.is_some());
                let old_flags = old.filter(|o| o.ok).map(|o| o.flags.clone()).unwrap_or_default();
                for code in s.flags.iter().filter(|c| is_problem(c)) {
                    let p = f.problems.entry(code.clone()).or_default();
                    p[2] += 1;
                    p[0] += u64::from(!old_flags.contains(code));
                    // Flagged on an ok record in each of the last n + 1 rounds.
                    let long =
                        r >= n && (r - n..=r).all(|k| all[k].get(id).is_some_and(|x| x.ok && x.flags.contains(code)));
                    p[3] += u64::from(long);
                }
                for code in old_flags.iter().filter(|c| is_problem(c) && !s.flags.contains(*c)) {
                    f.problems.entry(code.clone()).or_default()[1] += 1;
                }
            }
            match old {
                None => f.new += 1,
                Some(o) if !(o.ok && s.ok) => f.not_evaluated += 1,
                Some(o) => {
                    match (&o.category, &s.category) {
                        (None, Some(c)) => *f.entered.entry(c.clone()).or_default() += 1,
                        (Some(c), None) => *f.left.entry(c.clone()).or_default() += 1,
                        (Some(_), Some(_)) => f.still += 1,
                        (None, None) => {}
                    }
                    for p in s.programs.difference(&o.programs) {
                        *f.gained.entry(p.clone()).or_default() += 1;
                    }
                    for p in o.programs.difference(&s.programs) {
                        *f.lost.entry(p.clone()).or_default() += 1;
                    }
                }
            }
            f.candidates += u64::from(cands.contains(id));
        }
    }
    for (id, s) in &prev {
        for key in ["total".to_owned(), s.district.clone()] {
            let f = figures.entry(key).or_default();
            if s.ok {
                f.dibao_before += s.dibao_fen;
            }
            f.gone += u64::from(!cur.contains_key(id));
        }
    }
    figures
        .into_iter()
        .map(|(k, f)| {
            let problems = |local: bool| -> Value {
                f.problems
                    .iter()
                    .filter(|(c, _)| c.starts_with("local.") == local)
                    .map(|(c, p)| {
                        (c.clone(), json!({"found": p[0], "cleared": p[1], "outstanding": p[2], "outstanding_over_n_rounds": p[3]}))
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            };
            let v = json!({
                "monitored": f.monitored, "entered": f.entered, "left": f.left, "still_monitored": f.still,
                "new": f.new, "gone": f.gone, "not_evaluated": f.not_evaluated,
                "guarantee": problems(false), "local": problems(true),
                "gained": f.gained, "lost": f.lost,
                "dibao_fen": f.dibao, "dibao_fen_before": f.dibao_before, "dibao_change_fen": f.dibao - f.dibao_before,
                "candidates": f.candidates,
            });
            (k, v)
        })
        .collect()
}

/// Risk-elimination candidates at round `r` over `n` rounds, from the
/// results files and the households.
fn candidates(all: &[HashMap<String, Seen>], r: usize, n: usize) -> BTreeSet<String> {
    if r < n {
        return BTreeSet::new();
    }
    all[r]
        .iter()
        .filter(|(id, s)| {
            s.can_work
                && (r + 1 - n..=r).all(|k| {
                    all[k].get(*id).is_some_and(|x| {
                        x.ok && x.category.is_none() && !x.flags.iter().any(|c| c.starts_with("guarantee."))
                    })
                })
                && (0..r + 1 - n).any(|k| all[k].get(*id).is_some_and(|x| x.ok && x.category.is_some()))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

fn track(store: &str, round: &str, n: usize) -> Value {
    let out = rulehost(&[
        "track",
        "--store",
        store,
        "--round",
        round,
        "--rounds-for-elimination",
        &n.to_string(),
        "--json",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn four_rounds_give_the_bulletin_the_results_files_give() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("rulehost.db");
    let store_s = store.display().to_string();
    let rounds = rounds(dir.path());
    let mut all = Vec::new();
    for round in &rounds {
        let input = dir.path().join(format!("{}.jsonl", round.label));
        let output = dir.path().join(format!("{}-results.jsonl", round.label));
        write_lines(&input, &round.households);
        let out = rulehost(&[
            "batch",
            "--registry",
            &round.registry.display().to_string(),
            "--input",
            &input.display().to_string(),
            "--output",
            &output.display().to_string(),
            "--as-of",
            round.as_of,
            "--store",
            &store_s,
            "--round",
            round.label,
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(&format!("round `{}` kept", round.label)), "{}", text(&out.stderr));
        all.push(seen(&read_lines(&output), &round.households));
    }

    let listed = rulehost(&["rounds", "--store", &store_s]);
    assert_eq!(listed.status.code(), Some(0));
    let listed = text(&listed.stdout);
    assert!(listed.contains("2024-06") && listed.contains("2024-09") && listed.ends_with("4 round(s)\n"), "{listed}");

    for (r, n) in [(1, 6), (2, 1), (3, 2), (3, 3), (3, 1)] {
        let bulletin = track(&store_s, rounds[r].label, n);
        assert_eq!(bulletin["against"], rounds[r - 1].label);
        let want = expected(&all, r, n);
        let mut got: BTreeMap<String, Value> =
            bulletin["districts"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        got.insert("total".to_owned(), bulletin["total"].clone());
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "round {r}");
        for (k, v) in &want {
            assert_eq!(&got[k], v, "round {r}, N = {n}, {k}");
        }
        let cands: BTreeSet<String> = bulletin["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["household_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(cands, candidates(&all, r, n), "round {r}, N = {n}");
        // New, gone and not-evaluated households are listed, not dropped.
        let ids = |key: &str| -> BTreeSet<String> {
            bulletin[key].as_array().unwrap().iter().map(|c| c["household_id"].as_str().unwrap().to_owned()).collect()
        };
        let (cur, prev) = (&all[r], &all[r - 1]);
        assert_eq!(ids("new"), cur.keys().filter(|k| !prev.contains_key(*k)).cloned().collect());
        assert_eq!(ids("gone"), prev.keys().filter(|k| !cur.contains_key(*k)).cloned().collect());
        assert_eq!(
            ids("not_evaluated"),
            cur.iter().filter(|(k, s)| prev.get(*k).is_some_and(|p| !(p.ok && s.ok))).map(|(k, _)| k.clone()).collect()
        );
    }

    // The deliberate changes show.
    let b = track(&store_s, "2024-07", 6);
    assert!(b["total"]["gone"].as_u64().unwrap() >= 10 && b["total"]["new"] == 1, "{}", b["total"]);
    assert_eq!(b["not_evaluated"].as_array().unwrap().len(), 1, "the unknown district's household is listed");
    assert_eq!(b["unidentified"], 1, "the line that is not a household is counted");
    assert!(b["total"]["entered"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>() > 0);
    assert!(b["total"]["left"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>() > 0);
    assert!(b["total"]["dibao_change_fen"].as_i64().unwrap() != 0);
    assert_eq!(b["plugins_changed"], json!([]));
    // The page's bars carry the bulletin's numbers.
    let page = dir.path().join("bulletin.html");
    let out = rulehost(&["track", "--store", &store_s, "--round", "2024-07", "--html", &page.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    let bars = |series: &str| -> u64 {
        html.split(&format!("data-series=\"{series}\" data-value=\""))
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    let total = |key: &str| b["total"][key].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
    assert_eq!(bars("纳入 entered"), total("entered"));
    assert_eq!(bars("退出 left"), total("left"));

    let b = track(&store_s, "2024-08", 6);
    assert_eq!(b["plugins_changed"][0]["name"], "chengkou", "the plugin change is named: {}", b["plugins_changed"]);
    // The workbook carries the figures of `track --json` (N = 1, so that
    // problems outstanding for more than N rounds and candidates show).
    let xlsx = dir.path().join("bulletin.xlsx");
    let xlsx_s = xlsx.display().to_string();
    let args = ["track", "--store", &store_s, "--round", "2024-09", "--rounds-for-elimination", "1", "--xlsx", &xlsx_s];
    let out = rulehost(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    workbook_matches(&xlsx, &track(&store_s, "2024-09", 1));
    let out = rulehost(&["track", "--store", &store_s, "--round", "2024-08", "--xlsx", &xlsx_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    workbook_matches(&xlsx, &b);
    assert!(b["total"]["guarantee"]["guarantee.housing_safety"]["cleared"].as_u64().unwrap() > 0);

    // Risk elimination: `steady` is out for exactly 3 rounds at 2024-09,
    // `recent` for 2.
    let names = |b: &Value| -> Vec<String> {
        b["candidates"].as_array().unwrap().iter().map(|c| c["household_id"].as_str().unwrap().to_owned()).collect()
    };
    let at3 = track(&store_s, "2024-09", 3);
    assert!(names(&at3).contains(&"steady".to_owned()) && !names(&at3).contains(&"recent".to_owned()));
    let steady = at3["candidates"].as_array().unwrap().iter().find(|c| c["household_id"] == "steady").unwrap();
    let evidence = steady["evidence"].as_array().unwrap();
    assert_eq!(
        evidence.iter().map(|e| e["round"].as_str().unwrap()).collect::<Vec<_>>(),
        ["2024-07", "2024-08", "2024-09"]
    );
    assert!(
        evidence.iter().all(|e| e["per_capita_income"].as_f64().unwrap() >= 30000.0 && e["plugin_version"].is_string())
    );
    let at2 = track(&store_s, "2024-09", 2);
    assert!(names(&at2).contains(&"steady".to_owned()) && names(&at2).contains(&"recent".to_owned()));
    assert!(!names(&track(&store_s, "2024-09", 4)).contains(&"steady".to_owned()), "never monitored before the last 4");

    // History: one row per round, with category, income and plugin.
    let out = rulehost(&["history", "recent", "--store", &store_s, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let h: Value = serde_json::from_slice(&out.stdout).unwrap();
    let categories: Vec<&Value> = h.as_array().unwrap().iter().map(|r| &r["category"]).collect();
    assert_eq!(categories, [&json!("marginal"), &json!("marginal"), &Value::Null, &Value::Null]);
    assert_eq!(h[0]["plugin"], "baseline");
    // The audit trail: each round's full record, as the batch wrote it.
    let out = rulehost(&["history", "recent", "--store", &store_s, "--records"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want: Vec<String> = rounds
        .iter()
        .map(|r| {
            let file = std::fs::read_to_string(dir.path().join(format!("{}-results.jsonl", r.label))).unwrap();
            file.lines().find(|l| l.contains("\"household_id\":\"recent\"")).unwrap().to_owned()
        })
        .collect();
    assert_eq!(text(&out.stdout).lines().collect::<Vec<_>>(), want);
    let out = rulehost(&["history", "nobody", "--store", &store_s]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("household `nobody` is in no round"));

    // One row per line per round: a household's, or an unnamed line's.
    let rows = sqlite_count(&store, "SELECT count(*) FROM households");
    let lines: usize = rounds.iter().map(|r| r.households.len()).sum();
    assert_eq!(rows, lines as i64);
    // No household twice in a round.
    let repeated = sqlite_count(
        &store,
        "SELECT count(*) FROM (SELECT round_id, household_id FROM households WHERE household_id IS NOT NULL \
         GROUP BY round_id, household_id HAVING count(*) > 1)",
    );
    assert_eq!(repeated, 0);
}

/// A count read with the SQLite library the store uses.
fn sqlite_count(store: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_label_is_not_reused_with_another_registry_and_a_replace_leaves_no_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let rounds = rounds(dir.path());
    let store = dir.path().join("s.db");
    let store_s = store.display().to_string();
    let batch = |round: &Round, registry: &Path, extra: &[&str]| {
        let input = dir.path().join("in.jsonl");
        write_lines(&input, &round.households);
        let output = dir.path().join("out.jsonl");
        let mut args = vec![
            "batch".to_owned(),
            "--registry".to_owned(),
            registry.display().to_string(),
            "--input".to_owned(),
            input.display().to_string(),
            "--output".to_owned(),
            output.display().to_string(),
            "--store".to_owned(),
            store_s.clone(),
            "--round".to_owned(),
            "2024-06".to_owned(),
            "-q".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        rulehost(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let out = batch(&rounds[0], &rounds[0].registry, &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    let first = sqlite_count(&store, "SELECT count(*) FROM households");
    // Another registry under the same label: refused before the batch runs.
    let out = batch(&rounds[2], &rounds[2].registry, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pass `--replace`"), "{}", text(&out.stderr));
    assert_eq!(sqlite_count(&store, "SELECT count(*) FROM households"), first);
    // With --replace: the round is replaced whole, and nothing is left over.
    let out = batch(&rounds[2], &rounds[2].registry, &["--replace"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    assert_eq!(sqlite_count(&store, "SELECT count(*) FROM rounds"), 1);
    assert_eq!(sqlite_count(&store, "SELECT count(*) FROM households"), rounds[2].households.len() as i64);
    assert_eq!(
        sqlite_count(&store, "SELECT sum(lines) FROM blocks"),
        rounds[2].households.len() as i64,
        "every record is kept once"
    );
    assert_eq!(sqlite_count(&store, "SELECT count(*) FROM blocks WHERE round_id NOT IN (SELECT id FROM rounds)"), 0);
    // Foreign keys are declared and enforced by the store's connection.
    assert_eq!(sqlite_count(&store, "SELECT count(*) FROM pragma_foreign_key_list('blocks')"), 1);
    let out = rulehost(&["rounds", "--store", &store_s, "--json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["households"], rounds[2].households.len());
}

#[test]
fn kill_9_during_the_store_write_leaves_the_previous_round() {
    let dir = tempfile::tempdir().unwrap();
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let store = dir.path().join("s.db");
    let (small, big) = (dir.path().join("small.jsonl"), dir.path().join("big.jsonl"));
    std::fs::write(&small, sample(200, 3)).unwrap();
    std::fs::write(&big, sample(12_000, 4)).unwrap();
    let args = |input: &Path, output: &Path| -> Vec<String> {
        [
            "batch",
            "--registry",
            &registry.display().to_string(),
            "--input",
            &input.display().to_string(),
            "--output",
            &output.display().to_string(),
            "--store",
            &store.display().to_string(),
            "--round",
            "r1",
            "-q",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let first =
        rulehost(&args(&small, &dir.path().join("small-out.jsonl")).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(matches!(first.status.code(), Some(0 | 1)), "{}", text(&first.stderr));

    // The rerun replaces r1 with the big population; kill it a quarter of
    // the way through its results, while it writes the round beside them.
    let output = dir.path().join("big-out.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rulehost"))
        .args(args(&big, &output))
        .current_dir(harness::root())
        .env("RULEHOST_CACHE_DIR", std::env::temp_dir().join("rulehost-rounds-test-cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let partial = dir.path().join("big-out.jsonl.partial");
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 4 << 20 {
        assert!(started.elapsed() < Duration::from_secs(300), "the batch did not get going in time");
        assert!(child.try_wait().unwrap().is_none(), "the batch ended before a quarter of its results");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(child.try_wait().unwrap().is_none(), "the batch ended before the kill: use a bigger population");
    assert!(!output.exists(), "the results are not whole yet");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&store).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let households: i64 = conn.query_row("SELECT households FROM rounds WHERE label = 'r1'", [], |r| r.get(0)).unwrap();
    assert_eq!(households, 200, "the previous round stands");
    let rows: i64 = conn.query_row("SELECT count(*) FROM households", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 200);
}

#[test]
fn the_rounds_guide_runs_as_written() {
    let doc = std::fs::read_to_string(harness::root().join("docs/rounds.md")).unwrap();
    let blocks = harness::shell_blocks(&doc);
    assert!(blocks.len() >= 5, "found only {} shell blocks", blocks.len());
    let dir = tempfile::tempdir().unwrap();
    write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let bin = Path::new(env!("CARGO_BIN_EXE_rulehost")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for (n, block) in blocks.iter().enumerate() {
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("RULEHOST_CACHE_DIR", std::env::temp_dir().join("rulehost-rounds-test-cache"))
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(0),
            "block {n} of docs/rounds.md:\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        if block.contains("rulehost rounds") {
            assert!(stdout.contains("2024-07") && stdout.ends_with("2 round(s)\n"), "{stdout}");
        }
        if block.contains("rulehost track") {
            let b: Value = serde_json::from_slice(&std::fs::read(dir.path().join("bulletin.json")).unwrap()).unwrap();
            assert_eq!(b["total"]["gone"], 50, "{}", b["total"]);
            assert!(b["total"]["guarantee"]["guarantee.food_clothing"]["cleared"].as_u64().unwrap() > 0);
            assert!(stdout.contains("bulletin of round 2024-07 against 2024-06"), "{stdout}");
            assert!(dir.path().join("bulletin.html").exists());
        }
        if block.contains("rulehost history") {
            assert!(stdout.contains("2024-06") && stdout.contains("2024-07"), "{stdout}");
        }
    }
}

/// A registry in `dir`: the baseline for every district and 城口's plugin
/// (workspace package `chengkou`) for 500229, both with `params` (the
/// municipal file) and 城口's own file.
fn registry_with_chengkou(dir: &Path, chengkou: &str, params: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let registry = write_registry(dir, &[("baseline", "rulehost-baseline", &[])], true);
    let text = std::fs::read_to_string(&registry).unwrap();
    let baseline_params = harness::root().join("plugins/baseline/params.toml").display().to_string();
    let params_s = params.display().to_string();
    let text = text.replace(&format!("{baseline_params:?}"), &format!("{params_s:?}"));
    let wasm = harness::plugin(chengkou);
    let text = text
        + &format!(
            "\n[plugins.chengkou]\nwasm = {:?}\nsha256 = \"{}\"\nparams = [{:?}, {:?}]\ndistricts = [\"500229\"]\n",
            wasm.display().to_string(),
            rulehost::sha256_hex(&std::fs::read(&wasm).unwrap()),
            params_s,
            harness::root().join("plugins/chengkou/params.toml").display().to_string()
        );
    std::fs::write(&registry, text).unwrap();
    registry
}

#[test]
fn a_plugin_upgraded_between_rounds_is_pinned_per_round_and_named_in_the_bulletin() {
    let dir = tempfile::tempdir().unwrap();
    // The municipal parameters, with N = 2 from 2024-07-01 on.
    let params = dir.path().join("params.toml");
    let municipal = std::fs::read_to_string(harness::root().join("plugins/baseline/params.toml")).unwrap();
    let later = "\n[[set]]\nvalid_from = 2024-07-01\nmonitoring_income_line = 6900\ndibao_line = 6000\n\
                 hardship_expenditure_ratio = 0.5\nincome_drop_ratio = 0.5\nemployment_min_months = 6\n\
                 rounds_for_elimination = 2\n";
    std::fs::write(&params, municipal + later).unwrap();
    let v1 = registry_with_chengkou(&dir.path().join("v1"), "district-chengkou", &params);
    let v2 = registry_with_chengkou(&dir.path().join("v2"), "test-chengkou-next", &params);
    let store = dir.path().join("rulehost.db");
    let store_s = store.display().to_string();

    // A sample population, most of it moved to 城口, and four 城口
    // households between the 1.0.0 line (6900 + 500) and the 1.1.0 line
    // (6900 + 1000): not monitored by 1.0.0, monitored by 1.1.0.
    let mut list = households(300, 11);
    let template = list[0].clone();
    for h in list.iter_mut().step_by(2) {
        h["district_code"] = json!("500229");
        h.as_object_mut().unwrap().remove("extensions");
    }
    for i in 0..4 {
        let mut h = clean(template.clone(), &format!("between-{i}"), false);
        h["district_code"] = json!("500229");
        let residents = h["members"].as_array().unwrap().len() as f64;
        h["income"]["wage"] = json!(7600.0 * residents);
        h["previous_year_income"] = json!(7600.0 * residents);
        list.push(h);
    }
    // And one whose member works outside with no wage income: flagged
    // `local.migrant_no_income` by 1.0.0 only.
    let mut migrant = clean(template.clone(), "migrant", false);
    migrant["district_code"] = json!("500229");
    let residents = migrant["members"].as_array().unwrap().len() as f64;
    migrant["income"] = json!({"wage": 0, "operating_net": 30000.0 * residents, "property": 0, "transfer": 0});
    migrant["previous_year_income"] = json!(30000.0 * residents);
    migrant["members"][0]["employment"] = json!({"months": 12, "location": "outside"});
    list.push(migrant);
    let mut all = Vec::new();
    let batch = |label: &str, as_of: &str, registry: &Path, extra: &[&str]| {
        let input = dir.path().join(format!("{label}.jsonl"));
        let output = dir.path().join(format!("{label}-results.jsonl"));
        write_lines(&input, &list);
        let (registry, input_s, output_s) =
            (registry.display().to_string(), input.display().to_string(), output.display().to_string());
        let mut args = vec![
            "batch",
            "--registry",
            &registry,
            "--input",
            &input_s,
            "--output",
            &output_s,
            "--as-of",
            as_of,
            "--store",
            &store_s,
            "--round",
            label,
            "-q",
        ];
        args.extend(extra);
        (rulehost(&args), output)
    };
    for (label, as_of, registry) in [("2024-06", "2024-06-30", &v1), ("2024-07", "2024-07-31", &v2)] {
        let (out, output) = batch(label, as_of, registry, &[]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
        all.push(seen(&read_lines(&output), &list));
    }

    // The store keeps each round's pins.
    let out = rulehost(&["rounds", "--store", &store_s, "--json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pin = |round: usize| -> Value {
        let pins: Value = serde_json::from_str(listed[round]["plugins"].as_str().unwrap()).unwrap();
        pins.as_array().unwrap().iter().find(|p| p["name"] == "chengkou").unwrap().clone()
    };
    let sha = |package: &str| rulehost::sha256_hex(&std::fs::read(harness::plugin(package)).unwrap());
    assert_eq!(
        (pin(0)["version"].as_str(), pin(0)["sha256"].as_str()),
        (Some("1.0.0"), Some(sha("district-chengkou").as_str()))
    );
    assert_eq!(
        (pin(1)["version"].as_str(), pin(1)["sha256"].as_str()),
        (Some("1.1.0"), Some(sha("test-chengkou-next").as_str()))
    );
    assert_ne!(listed[0]["fingerprint"], listed[1]["fingerprint"]);

    // The bulletin names the change and its figures are the results files'.
    // N comes from the dated parameter: 2 at 2024-07-31 (6 before).
    let out = rulehost(&["track", "--store", &store_s, "--round", "2024-07", "--json", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let b: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b["rounds_for_elimination"], 2);
    assert_eq!(b["plugins_changed"].as_array().unwrap().len(), 1, "{}", b["plugins_changed"]);
    let change = &b["plugins_changed"][0];
    assert_eq!(change["name"], "chengkou");
    assert!(change["before"].as_str().unwrap().starts_with("1.0.0"), "{change}");
    assert!(change["after"].as_str().unwrap().starts_with("1.1.0"), "{change}");
    let want = expected(&all, 1, 2);
    assert_eq!(b["districts"]["500229"], want["500229"]);
    assert_eq!(b["total"], want["total"]);
    // The households between the two lines entered because the rules changed.
    assert!(b["districts"]["500229"]["entered"]["marginal"].as_u64().unwrap() >= 4, "{}", b["districts"]["500229"]);
    // 1.1.0 has no `local.migrant_no_income`: every such flag of round 1 is cleared.
    let migrant = all[0].values().filter(|s| s.flags.contains("local.migrant_no_income")).count() as u64;
    assert!(migrant > 0, "the population has a migrant without income in 城口");
    assert_eq!(b["districts"]["500229"]["local"]["local.migrant_no_income"]["cleared"], migrant);
    let out = rulehost(&["track", "--store", &store_s, "--round", "2024-06", "--json", "-"]);
    let b: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b["rounds_for_elimination"], 6);

    // History shows which version judged each round.
    let out = rulehost(&["history", "between-0", "--store", &store_s, "--json"]);
    let h: Value = serde_json::from_slice(&out.stdout).unwrap();
    let judged: Vec<(&str, &str, &Value)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["plugin"].as_str().unwrap(), r["plugin_version"].as_str().unwrap(), &r["category"]))
        .collect();
    assert_eq!(judged, [("chengkou", "1.0.0", &Value::Null), ("chengkou", "1.1.0", &json!("marginal"))]);

    // Round 2's label again with the old plugin: refused without
    // `--replace`, the round unchanged; with it, replaced and pinned anew.
    let (out, _) = batch("2024-07", "2024-07-31", &v1, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pass `--replace`"), "{}", text(&out.stderr));
    let out = rulehost(&["rounds", "--store", &store_s, "--json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again, listed);
    let (out, _) = batch("2024-07", "2024-07-31", &v1, &["--replace"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    let out = rulehost(&["rounds", "--store", &store_s, "--json"]);
    let replaced: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replaced[1]["fingerprint"], listed[0]["fingerprint"]);
    let out = rulehost(&["track", "--store", &store_s, "--round", "2024-07", "--json", "-"]);
    let b: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b["plugins_changed"], json!([]));
}

/// A sheet of a workbook as rows of cells, header row left out.
fn sheet_rows(path: &Path, name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().skip(1).map(<[calamine::Data]>::to_vec).collect()
}

fn cell_text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn cell_number(d: &calamine::Data) -> f64 {
    match d {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("not a number cell: {other:?}"),
    }
}

/// Every figure of `track --xlsx`'s workbook equals the bulletin's JSON.
fn workbook_matches(path: &Path, b: &Value) {
    let sum = |v: &Value| -> f64 { v.as_object().unwrap().values().map(|n| n.as_f64().unwrap()).sum() };
    let mut figures: BTreeMap<String, &Value> =
        b["districts"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v)).collect();
    figures.insert("合计".to_owned(), &b["total"]);

    let rows = sheet_rows(path, "通报");
    assert_eq!(rows.len(), figures.len());
    for row in &rows {
        let f = figures[&cell_text(&row[0])];
        let problems: Vec<&Value> =
            f["guarantee"].as_object().unwrap().values().chain(f["local"].as_object().unwrap().values()).collect();
        let problem_sum = |k: &str| problems.iter().map(|p| p[k].as_f64().unwrap()).sum::<f64>();
        let want = [
            f["monitored"].as_f64().unwrap(),
            sum(&f["entered"]),
            sum(&f["left"]),
            f["still_monitored"].as_f64().unwrap(),
            f["new"].as_f64().unwrap(),
            f["gone"].as_f64().unwrap(),
            f["not_evaluated"].as_f64().unwrap(),
            problem_sum("found"),
            problem_sum("cleared"),
            problem_sum("outstanding"),
            problem_sum("outstanding_over_n_rounds"),
            f["dibao_fen"].as_f64().unwrap() / 100.0,
            f["dibao_fen_before"].as_f64().unwrap() / 100.0,
            f["dibao_change_fen"].as_f64().unwrap() / 100.0,
            f["candidates"].as_f64().unwrap(),
        ];
        let got: Vec<f64> = row[2..].iter().map(cell_number).collect();
        assert_eq!(got, want, "row {}", cell_text(&row[0]));
    }

    // Entries and exits by category, problems by kind, programmes: one row
    // per district (and total) and key, with the JSON's numbers.
    let keyed = |sheet: &str, key_col: usize, cols: &[usize]| -> BTreeMap<(String, String), Vec<f64>> {
        sheet_rows(path, sheet)
            .iter()
            .map(|r| {
                let key = cell_text(&r[key_col]);
                let key = key.rsplit('(').next().unwrap().trim_end_matches(')').to_owned();
                ((cell_text(&r[0]), key), cols.iter().map(|c| cell_number(&r[*c])).collect())
            })
            .collect()
    };
    type Rows = Vec<(String, Vec<f64>)>;
    let want = |build: &dyn Fn(&Value) -> Rows| -> BTreeMap<(String, String), Vec<f64>> {
        figures.iter().flat_map(|(d, f)| build(f).into_iter().map(move |(k, v)| ((d.clone(), k), v))).collect()
    };
    let n = |v: &Value| v.as_f64().unwrap_or(0.0);
    assert_eq!(
        keyed("纳入与退出", 2, &[3, 4]),
        want(&|f| {
            let keys: BTreeSet<&String> =
                f["entered"].as_object().unwrap().keys().chain(f["left"].as_object().unwrap().keys()).collect();
            keys.into_iter().map(|c| (c.clone(), vec![n(&f["entered"][c]), n(&f["left"][c])])).collect()
        })
    );
    assert_eq!(
        keyed("问题清零", 3, &[5, 6, 7, 8]),
        want(&|f| {
            f["guarantee"]
                .as_object()
                .unwrap()
                .iter()
                .chain(f["local"].as_object().unwrap())
                .map(|(c, p)| {
                    let cols = ["found", "cleared", "outstanding", "outstanding_over_n_rounds"];
                    (c.clone(), cols.iter().map(|k| n(&p[*k])).collect())
                })
                .collect()
        })
    );
    assert_eq!(
        keyed("帮扶变化", 2, &[4, 5]),
        want(&|f| {
            let keys: BTreeSet<&String> =
                f["gained"].as_object().unwrap().keys().chain(f["lost"].as_object().unwrap().keys()).collect();
            keys.into_iter().map(|p| (p.clone(), vec![n(&f["gained"][p]), n(&f["lost"][p])])).collect()
        })
    );

    // Households listed apart, candidates with one row per round of
    // evidence, plugins changed.
    let listed: Vec<String> = sheet_rows(path, "单列户").iter().map(|r| cell_text(&r[0])).collect();
    let want_listed: Vec<String> = ["new", "gone", "not_evaluated"]
        .iter()
        .flat_map(|k| b[*k].as_array().unwrap().iter().map(|l| l["household_id"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(listed, want_listed);
    let evidence: Vec<(String, String, f64)> = sheet_rows(path, "风险消除候选")
        .iter()
        .map(|r| (cell_text(&r[0]), cell_text(&r[3]), cell_number(&r[4])))
        .collect();
    let want_evidence: Vec<(String, String, f64)> = b["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["evidence"].as_array().unwrap().iter().map(|e| {
                (
                    c["household_id"].as_str().unwrap().to_owned(),
                    e["round"].as_str().unwrap().to_owned(),
                    e["per_capita_income"].as_f64().unwrap(),
                )
            })
        })
        .collect();
    assert_eq!(evidence, want_evidence);
    let plugins: Vec<String> = sheet_rows(path, "插件变化").iter().map(|r| cell_text(&r[0])).collect();
    let want_plugins: Vec<String> =
        b["plugins_changed"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(plugins, want_plugins);
}

/// Every row and record of a store, as text: the blocks in order, each
/// with its rows' JSON and its records decompressed.
fn store_contents(store: &Path) -> Vec<(i64, i64, String, String)> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut stmt =
        conn.prepare("SELECT first_line, lines, households, records FROM blocks ORDER BY first_line").unwrap();
    stmt.query_map([], |r| {
        let records: Vec<u8> = r.get(3)?;
        let records = String::from_utf8(zstd::decode_all(records.as_slice()).unwrap()).unwrap();
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, records))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn a_round_kept_beside_the_batch_equals_one_written_from_its_results_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two district plugins, hostile lines, repeated ids and enough lines
    // for several blocks.
    let params = harness::root().join("plugins/baseline/params.toml");
    let registry = registry_with_chengkou(&dir.path().join("registry"), "district-chengkou", &params);
    let mut input = sample(700, 11);
    let first_id = households(1, 11)[0]["household_id"].as_str().unwrap().to_owned();
    let mut repeated = households(1, 11)[0].clone();
    repeated["income"]["wage"] = json!(1);
    let mut unknown = households(2, 11)[1].clone();
    unknown["district_code"] = json!("500999");
    unknown["household_id"] = json!("unknown-district");
    for line in [
        serde_json::to_string(&repeated).unwrap(),
        "not json".to_owned(),
        serde_json::to_string(&unknown).unwrap(),
        "{\"household_id\":\"bad\"}".to_owned(),
    ] {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    input.extend_from_slice(&sample(400, 12));
    let input_path = dir.path().join("in.jsonl");
    std::fs::write(&input_path, &input).unwrap();
    let (results, beside) = (dir.path().join("out.jsonl"), dir.path().join("beside.db"));
    let out = rulehost(&[
        "batch",
        "--registry",
        registry.to_str().unwrap(),
        "--input",
        input_path.to_str().unwrap(),
        "--output",
        results.to_str().unwrap(),
        "--store",
        beside.to_str().unwrap(),
        "--round",
        "r1",
        "--jobs",
        "2",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    let from_files = dir.path().join("files.db");
    let mut store = rulehost::rounds::Store::open(&from_files).unwrap();
    let round = rulehost::rounds::NewRound {
        label: "r1",
        as_of: None,
        fingerprint: "f",
        plugins: "[]".to_owned(),
        rounds_for_elimination: None,
        replace: false,
    };
    let open = |p: &Path| std::io::BufReader::new(std::fs::File::open(p).unwrap());
    let info = store.write_round_from_files(&round, open(&results), open(&input_path)).unwrap();
    assert_eq!(info.households, 1104);
    assert_eq!(info.rejected, 4, "three hostile lines and one repeated id");

    let (a, b) = (store_contents(&beside), store_contents(&from_files));
    assert_eq!(a.len(), 1104_usize.div_ceil(256));
    assert_eq!(a, b, "the batch's rows and the rows read back from its records differ");
    // The repeated id keeps its record but not the id; the first stands.
    let conn = rusqlite::Connection::open(&beside).unwrap();
    let first: (i64, String) = conn
        .query_row("SELECT line, status FROM households WHERE household_id = ?1", [&first_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(first, (1, "ok".to_owned()));
    let unnamed: i64 =
        conn.query_row("SELECT count(*) FROM households WHERE household_id IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(unnamed, 3, "the repeated id, the line that is not JSON and the household without an id");
    // Every line's record is there, once, in order.
    let records: String = a.iter().map(|(_, _, _, r)| r.as_str()).collect();
    assert_eq!(records, std::fs::read_to_string(&results).unwrap());
}
