//! `rulehost explain`: why one household got its outcome, laid out for
//! officials: the plugin, the parameter set in force, the derived figures,
//! the monitoring category, every flag and every programme decision.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use rulehost::Pipeline;
use rulehost::record::RecordView;
use rulehost::sdk::Date;

/// Explain one household's evaluation: every flag and decision with its
/// reason and the values compared, the derived figures, and the parameter
/// set in force.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    household: super::rule_source::OneHousehold,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (registry, reader, input) = args.household.load()?;
    let mut out = Vec::new();
    let status = Pipeline::new(&registry, &reader, args.household.as_of).process(1, &input, &mut out).status;
    let record = RecordView::parse(&out).context("re-reading the record")?;
    let mut text = String::new();
    let dash = |v: Option<&str>| v.unwrap_or("-").to_owned();
    let district = dash(record.district_code.as_deref());
    let name = rulehost::districts::district_name(&district).unwrap_or("");
    let _ = writeln!(text, "户 household   {}", dash(record.household_id.as_deref()));
    let _ = writeln!(text, "区县 district   {district} {name}");
    let _ = writeln!(text, "评估日期 as of  {}", dash(record.as_of.as_deref()));
    let p = record.plugin.as_ref();
    let _ = writeln!(
        text,
        "规则插件 plugin {} {} (sha256 {})",
        dash(p.map(|p| p.name.as_ref())),
        dash(p.map(|p| p.version.as_ref())),
        dash(p.map(|p| p.sha256.as_ref()))
    );
    if let Some(error) = &record.error {
        let _ = writeln!(text, "\n未能评估 not evaluated: {} — {}", error.kind, error.message);
        print!("{text}");
        return Ok(super::exit(false));
    }

    // The parameter set in force, as the plugin received it.
    let deployment = registry.route(&district).and_then(|i| registry.deployments().get(i));
    let as_of = record.as_of.as_deref().and_then(Date::parse);
    if let Some((d, set)) = deployment.zip(as_of).and_then(|(d, a)| d.params.at(a).map(|set| (d, set))) {
        let _ = writeln!(text, "\n参数 parameters in force: set valid from {} ({})", set.valid_from, d.params.label());
        for (name, value) in set.names.iter().zip(&set.values) {
            let _ = writeln!(text, "  {name} = {value}");
        }
    }
    let _ = writeln!(text, "\n测算 derived figures");
    let d = record.derived;
    let yuan = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |y| format!("{y:.2} 元"));
    let _ = writeln!(
        text,
        "  常住成员 residents           {}",
        d.map_or_else(|| "null".to_owned(), |d| d.residents.to_string())
    );
    let _ = writeln!(text, "  家庭纯收入 net income         {}", yuan(d.map(|d| d.net_income)));
    let _ = writeln!(text, "  人均纯收入 per-capita income  {}", yuan(d.map(|d| d.per_capita_income)));
    let _ = writeln!(text, "  刚性支出 rigid expenditure    {}", yuan(d.map(|d| d.rigid_expenditure)));
    let _ = writeln!(text, "\n监测类别 monitoring");
    match &record.monitoring {
        Some(m) => {
            let _ = writeln!(text, "  {m}: {}", dash(record.monitoring_reason.as_deref()));
        }
        None => {
            let _ = writeln!(text, "  none: no monitoring rule fired");
        }
    }
    let _ = writeln!(text, "\n风险标识 flags");
    if record.flags.is_empty() {
        let _ = writeln!(text, "  none fired");
    }
    for f in &record.flags {
        let _ = writeln!(text, "  [{}] {}: {} {}", f.severity, f.code, f.reason, ids(&f.members));
    }
    let _ = writeln!(text, "\n帮扶措施 programme decisions");
    for d in &record.decisions {
        let mark = if d.eligible { "✔ eligible    " } else { "✘ not eligible" };
        let amount = d.amount_yuan.map(|a| format!(" {a:.2} yuan")).unwrap_or_default();
        let level = d.level.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
        let _ = writeln!(text, "  {mark} {}{level}{amount}: {} {}", d.program, d.reason, ids(&d.members));
    }
    print!("{text}");
    Ok(super::exit(status == rulehost::Status::Ok))
}

/// Member ids as the record writes them: a JSON list.
fn ids(members: &[std::borrow::Cow<'_, str>]) -> String {
    serde_json::to_string(members).unwrap_or_default()
}
