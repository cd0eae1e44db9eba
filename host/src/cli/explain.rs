//! `rulehost explain`: why one household got its outcome, laid out for
//! officials: the plugin, the parameter set in force, the derived figures,
//! the monitoring category, every flag and every programme decision.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::Worker;
use rulehost::sdk::Date;
use serde_json::Value;

/// Explain one household's evaluation: every flag and decision with its
/// reason and the values compared, the derived figures, and the parameter
/// set in force.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    household: super::rules::OneHousehold,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (registry, reader, input) = args.household.load()?;
    let mut out = Vec::new();
    let status = Worker::new(&registry, &reader, args.household.as_of).process(1, &input, &mut out).status;
    let record: Value = serde_json::from_slice(&out).context("re-reading the record")?;
    let mut text = String::new();
    let s = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    let district = s(&record["district_code"]);
    let name = rulehost::sample::district_name(&district).unwrap_or("");
    let _ = writeln!(text, "户 household   {}", s(&record["household_id"]));
    let _ = writeln!(text, "区县 district   {district} {name}");
    let _ = writeln!(text, "评估日期 as of  {}", s(&record["as_of"]));
    let p = &record["plugin"];
    let _ = writeln!(text, "规则插件 plugin {} {} (sha256 {})", s(&p["name"]), s(&p["version"]), s(&p["sha256"]));
    if let Some(error) = record["error"].as_object() {
        let _ = writeln!(text, "\n未能评估 not evaluated: {} — {}", s(&error["kind"]), s(&error["message"]));
        print!("{text}");
        return Ok(super::exit(false));
    }

    // The parameter set in force, as the plugin received it.
    let deployment = registry.route(&district).and_then(|i| registry.deployments().get(i));
    let as_of = Date::parse(&s(&record["as_of"]));
    if let Some((d, set)) = deployment.zip(as_of).and_then(|(d, a)| d.params.at(a).map(|set| (d, set))) {
        let _ = writeln!(text, "\n参数 parameters in force: set valid from {} ({})", set.valid_from, d.params.label());
        for (name, value) in set.names.iter().zip(&set.values) {
            let _ = writeln!(text, "  {name} = {value}");
        }
    }
    let d = &record["derived"];
    let _ = writeln!(text, "\n测算 derived figures");
    let _ = writeln!(text, "  常住成员 residents           {}", d["residents"]);
    let yuan = |v: &Value| v.as_f64().map_or_else(|| "-".to_owned(), |y| format!("{y:.2} 元"));
    let _ = writeln!(text, "  家庭纯收入 net income         {}", yuan(&d["net_income"]));
    let _ = writeln!(text, "  人均纯收入 per-capita income  {}", yuan(&d["per_capita_income"]));
    let _ = writeln!(text, "  刚性支出 rigid expenditure    {}", yuan(&d["rigid_expenditure"]));
    let _ = writeln!(text, "\n监测类别 monitoring");
    match record["monitoring"].as_str() {
        Some(m) => {
            let _ = writeln!(text, "  {m}: {}", s(&record["monitoring_reason"]));
        }
        None => {
            let _ = writeln!(text, "  none: no monitoring rule fired");
        }
    }
    let _ = writeln!(text, "\n风险标识 flags");
    let flags = record["flags"].as_array().cloned().unwrap_or_default();
    if flags.is_empty() {
        let _ = writeln!(text, "  none fired");
    }
    for f in &flags {
        let _ = writeln!(text, "  [{}] {}: {} {}", s(&f["severity"]), s(&f["code"]), s(&f["reason"]), f["members"]);
    }
    let _ = writeln!(text, "\n帮扶措施 programme decisions");
    for d in record["decisions"].as_array().into_iter().flatten() {
        let mark = if d["eligible"] == true { "✔ eligible    " } else { "✘ not eligible" };
        let amount = d["amount_yuan"].as_f64().map(|a| format!(" {a:.2} yuan")).unwrap_or_default();
        let level = d["level"].as_str().map(|l| format!(" ({l})")).unwrap_or_default();
        let _ = writeln!(text, "  {mark} {}{level}{amount}: {} {}", s(&d["program"]), s(&d["reason"]), d["members"]);
    }
    print!("{text}");
    Ok(super::exit(status == rulehost::Status::Ok))
}
