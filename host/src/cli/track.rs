//! `rulehost track`: the monthly bulletin of one round against another.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::rounds::{Bulletin, DEFAULT_ROUNDS_FOR_ELIMINATION, Figures};

/// The monthly bulletin (月通报) of a round against the one before it, per
/// district and in total: households entered (纳入) by category, left and
/// still monitored; guarantee problems (and districts' `local.*` flags,
/// apart) found, cleared, outstanding and outstanding for more than N
/// rounds; programme eligibility gained and lost and the change in total
/// dibao; households new, gone or not evaluated, listed; plugins whose
/// version changed; and the risk-elimination candidates (风险消除) with
/// their evidence. The definitions are in `docs/rounds.md`.
///
/// Exit codes: 0 ok, 2 could not run (e.g. no such round).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQLite store written by `rulehost batch --store`.
    #[arg(long, value_name = "FILE", default_value = "rulehost.db")]
    store: PathBuf,
    /// The round to report on.
    #[arg(long, value_name = "LABEL")]
    round: String,
    /// The round to compare with; default: the round before it.
    #[arg(long, value_name = "LABEL")]
    against: Option<String>,
    /// Rounds out of every monitoring category before a household is a
    /// risk-elimination candidate; also the N of "outstanding for more than
    /// N rounds". Default: the parameter `rounds_for_elimination` in force
    /// at the round's as-of date in the parameter files its batch ran
    /// with, else 6.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=120))]
    rounds_for_elimination: Option<u64>,
    /// Also write the bulletin as JSON here (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also write the bulletin as one self-contained HTML page with charts
    /// of the month-on-month flows (no scripts, nothing fetched).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Also write the bulletin as an Excel workbook (the style of
    /// `rulehost export`): figures per district, entries and exits,
    /// problems, programmes, households listed apart, candidates, plugins.
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(&args.store)?;
    let n = match args.rounds_for_elimination {
        Some(n) => usize::try_from(n)?,
        None => store.rounds_for_elimination(&args.round)?.unwrap_or(DEFAULT_ROUNDS_FOR_ELIMINATION),
    };
    let bulletin = store.bulletin(&args.round, args.against.as_deref(), n)?;
    if let Some(path) = &args.html {
        super::write_whole(path, rulehost::report::bulletin_page(&bulletin).as_bytes())?;
    }
    if let Some(path) = &args.xlsx {
        rulehost::spreadsheet::bulletin::write_bulletin(&bulletin, path)?;
    }
    match &args.json {
        Some(path) if path.as_os_str() == "-" => {
            println!("{}", serde_json::to_string_pretty(&bulletin)?);
            return Ok(ExitCode::SUCCESS);
        }
        Some(path) => super::write_whole(path, (serde_json::to_string_pretty(&bulletin)? + "\n").as_bytes())?,
        None => {}
    }
    print!("{}", render(&bulletin));
    Ok(ExitCode::SUCCESS)
}

fn yuan(fen: i64) -> String {
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

fn sum(map: &std::collections::BTreeMap<String, u64>) -> u64 {
    map.values().sum()
}

fn render(b: &Bulletin) -> String {
    let mut t = match &b.against {
        Some(prev) => format!("bulletin of round {} against {}\n", b.round, prev),
        None => format!("bulletin of round {} (no earlier round: every household is new)\n", b.round),
    };
    for c in &b.plugins_changed {
        t.push_str(&format!(
            "note: plugin `{}` changed: {} -> {}; some changes are the rules', not the households'\n",
            c.name,
            c.before.as_deref().unwrap_or("absent"),
            c.after.as_deref().unwrap_or("absent")
        ));
    }
    t.push_str(&format!(
        "\n{:<20} {:>9} {:>8} {:>6} {:>6} {:>6} {:>6} {:>7} {:>9} {:>9} {:>14} {:>10}\n",
        "district",
        "monitored",
        "entered",
        "left",
        "still",
        "new",
        "gone",
        "not ev.",
        "found",
        "cleared",
        "outstanding",
        "candidates"
    ));
    let row = |name: &str, f: &Figures| {
        let problems = f.guarantee.values().chain(f.local.values());
        let (found, cleared, outstanding) =
            problems.fold((0, 0, 0), |(a, b, c), p| (a + p.found, b + p.cleared, c + p.outstanding));
        format!(
            "{:<20} {:>9} {:>8} {:>6} {:>6} {:>6} {:>6} {:>7} {:>9} {:>9} {:>14} {:>10}\n",
            name,
            f.monitored,
            sum(&f.entered),
            sum(&f.left),
            f.still_monitored,
            f.new,
            f.gone,
            f.not_evaluated,
            found,
            cleared,
            outstanding,
            f.candidates
        )
    };
    for (code, f) in &b.districts {
        let name = rulehost::districts::district_name(code).map_or(code.clone(), |n| format!("{code} {n}"));
        t.push_str(&row(&name, f));
    }
    t.push_str(&row("total", &b.total));

    let f = &b.total;
    t.push_str("\nentered by category:");
    for (c, n) in &f.entered {
        t.push_str(&format!(" {c} {n}"));
    }
    t.push_str("\nleft, by previous category:");
    for (c, n) in &f.left {
        t.push_str(&format!(" {c} {n}"));
    }
    t.push_str(&format!(
        "\n\nproblems by kind (outstanding for more than {} rounds in the last column)\n",
        b.rounds_for_elimination
    ));
    t.push_str(&format!("{:<34} {:>8} {:>8} {:>12} {:>10}\n", "kind", "found", "cleared", "outstanding", "> N rounds"));
    for (code, p) in f.guarantee.iter().chain(f.local.iter()) {
        t.push_str(&format!(
            "{:<34} {:>8} {:>8} {:>12} {:>10}\n",
            code, p.found, p.cleared, p.outstanding, p.outstanding_over_n_rounds
        ));
    }
    t.push_str("\nprogramme eligibility (households present in both rounds)\n");
    let programs: std::collections::BTreeSet<&String> = f.gained.keys().chain(f.lost.keys()).collect();
    for p in programs {
        t.push_str(&format!(
            "{:<24} gained {:>8}  lost {:>8}\n",
            p,
            f.gained.get(p).copied().unwrap_or(0),
            f.lost.get(p).copied().unwrap_or(0)
        ));
    }
    t.push_str(&format!(
        "total dibao: {} yuan, was {} yuan, change {} yuan\n",
        yuan(f.dibao_fen),
        yuan(f.dibao_fen_before),
        yuan(f.dibao_change_fen)
    ));
    for (title, list) in [("new", &b.new), ("gone", &b.gone), ("not evaluated", &b.not_evaluated)] {
        if list.is_empty() {
            continue;
        }
        t.push_str(&format!("\n{title} ({}):", list.len()));
        for l in list {
            match &l.statuses {
                Some((was, now)) => t.push_str(&format!(" {} ({was} -> {now})", l.household_id)),
                None => t.push_str(&format!(" {}", l.household_id)),
            }
        }
        t.push('\n');
    }
    if b.unidentified > 0 {
        t.push_str(&format!(
            "\n{} record(s) of this round name no household (unreadable lines, repeated ids): \
             kept in the store, matched to no earlier round\n",
            b.unidentified
        ));
    }
    t.push_str(&format!(
        "\nrisk-elimination candidates (风险消除), out of every category for the last {} rounds: {}\n",
        b.rounds_for_elimination,
        b.candidates.len()
    ));
    for c in &b.candidates {
        t.push_str(&format!("{} ({}):", c.household_id, c.district));
        for e in &c.evidence {
            let income = e.per_capita_income.map_or("-".to_owned(), |i| format!("{i:.2}"));
            t.push_str(&format!(
                " {} {} [{} {}];",
                e.round,
                income,
                e.plugin.as_deref().unwrap_or("-"),
                e.plugin_version.as_deref().unwrap_or("-")
            ));
        }
        t.push('\n');
    }
    t
}
