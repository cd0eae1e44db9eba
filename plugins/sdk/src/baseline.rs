//! The municipal baseline rules (市级基线规则), as a library: the baseline
//! plugin exports them unchanged, a district plugin runs them through the
//! `Rules` hooks and changes only what its policy changes. Every reason
//! carries the values compared. One file, over 400 lines, because it is one
//! policy: the brief's rules in the brief's order.

use std::ops::RangeInclusive;

use crate::facts::Facts;
use crate::money::{Fen, Num, Span, Yuan, to_fen};
use crate::params::Params;
use crate::program::Program;
use crate::reason;
use crate::types::{
    Date, Decision, EvalError, Evaluation, Flag, Household, Insurance, LaborCapacity, Member, MonitoringCategory,
    PovertyStatus, SafetyGrade, Severity,
};

/// The parameters the baseline reads, in the order the host passes them.
pub const PARAMETERS: &[&str] = &[
    "monitoring_income_line",
    "dibao_line",
    "hardship_expenditure_ratio",
    "income_drop_ratio",
    "employment_min_months",
];

/// Stable codes of the guarantee flags (两不愁三保障 and drinking water).
pub mod codes {
    pub const FOOD_CLOTHING: &str = "guarantee.food_clothing";
    pub const COMPULSORY_EDUCATION: &str = "guarantee.compulsory_education";
    pub const BASIC_MEDICAL: &str = "guarantee.basic_medical";
    pub const HOUSING_SAFETY: &str = "guarantee.housing_safety";
    pub const DRINKING_WATER: &str = "guarantee.drinking_water";
    pub const DIBAO: &str = "dibao";
    pub const TEKUN: &str = "tekun";
    pub const MEDICAL_TILT: &str = "medical_tilt";
    pub const HOUSING_RENOVATION: &str = "housing_renovation";
    pub const EMPLOYMENT_SUPPORT: &str = "employment_support";
    pub const PENSION_SUBSIDY: &str = "pension_subsidy";
}

// The baseline's thresholds, named once: each condition tests the constant
// and each reason that cites the threshold prints the same constant.

/// 义务教育阶段: ages, in full years, of compulsory education.
pub const COMPULSORY_EDUCATION_AGES: RangeInclusive<i32> = 6..=15;
/// Members younger than this are minors (未满 16 周岁), a ground for tekun.
pub const ADULT_AGE: i32 = 16;
/// Members this old or older are elderly (年满 60 周岁), a ground for tekun.
pub const ELDERLY_AGE: i32 = 60;
/// 劳动年龄: from adulthood up to the elderly age (employment support,
/// pension subsidy).
pub const WORKING_AGES: RangeInclusive<i32> = ADULT_AGE..=ELDERLY_AGE - 1;
/// 重度残疾: disability grades that ground tekun and a full pension subsidy.
pub const SEVERE_DISABILITY_GRADES: RangeInclusive<u8> = 1..=2;
/// Infants younger than this many days are exempt from the medical flag.
pub const INFANT_MEDICAL_EXEMPT_DAYS: i64 = 90;
/// Drinking water: at least this many litres per person per day ...
pub const WATER_MIN_LITRES: f64 = 35.0;
/// ... or this many in a water-scarce area (缺水地区);
pub const WATER_MIN_LITRES_SCARCE: f64 = 20.0;
/// at most this many minutes to fetch water, there and back;
pub const WATER_MAX_FETCH_MINUTES: f64 = 20.0;
/// at most this many days without supply in a year.
pub const WATER_MAX_INTERRUPTION_DAYS: u16 = 36;

fn severely_disabled(m: &Member) -> bool {
    m.disability_grade.is_some_and(|g| SEVERE_DISABILITY_GRADES.contains(&g))
}

/// The baseline's parameter values in force at `as_of`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineParams {
    /// 监测收入线, yuan per person per year.
    pub monitoring_income_line: f64,
    /// 农村低保标准, yuan per person per year.
    pub dibao_line: f64,
    pub hardship_expenditure_ratio: f64,
    pub income_drop_ratio: f64,
    pub employment_min_months: u8,
}

impl BaselineParams {
    /// Reads and checks the baseline's parameters.
    pub fn from_params(p: &Params<'_>) -> Result<BaselineParams, EvalError> {
        let months = p.get_in("employment_min_months", 0.0..=12.0)?;
        Ok(BaselineParams {
            monitoring_income_line: p.get_in("monitoring_income_line", 0.0..=1e7)?,
            dibao_line: p.get_in("dibao_line", 0.0..=1e7)?,
            hardship_expenditure_ratio: p.get_in("hardship_expenditure_ratio", 0.0..=10.0)?,
            income_drop_ratio: p.get_in("income_drop_ratio", 0.0..=1.0)?,
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked to be 0-12")]
            employment_min_months: months.round() as u8,
        })
    }
}

/// Evaluates every baseline rule.
pub fn evaluate(h: &Household, p: &BaselineParams, as_of: Date) -> Result<Evaluation, EvalError> {
    let facts = Facts::new(h, as_of).ok_or_else(no_resident)?;
    Ok(evaluate_facts(&facts, p))
}

/// The refusal of a household without a resident member (the schema
/// forbids one, so the host never sends it).
pub fn no_resident() -> EvalError {
    EvalError::Unsupported("the household has no resident member".into())
}

/// Evaluates every baseline rule on derived facts.
pub fn evaluate_facts(f: &Facts<'_>, p: &BaselineParams) -> Evaluation {
    let monitoring = monitoring(f, p);
    let flags = guarantee_flags(f);
    let monitored = monitoring.is_some();
    let decisions = decisions(f, p, monitored);
    let (monitoring, monitoring_reason) = match monitoring {
        Some((category, reason)) => (Some(category), Some(reason)),
        None => (None, None),
    };
    Evaluation { monitoring, monitoring_reason, flags, decisions, derived: f.derived }
}

/// The monitoring category (first match wins) and why.
pub fn monitoring(f: &Facts<'_>, p: &BaselineParams) -> Option<(MonitoringCategory, String)> {
    let h = f.household;
    let pci = f.derived.per_capita_income;
    let line = p.monitoring_income_line;
    if pci < line {
        let (category, who) = match h.poverty_status {
            PovertyStatus::Lifted => (MonitoringCategory::UnstableLifted, "脱贫户"),
            PovertyStatus::General => (MonitoringCategory::Marginal, "一般农户"),
        };
        return Some((category, reason!(who, "人均纯收入 ", Yuan(pci), " 元，低于监测收入线 ", Num(line), " 元")));
    }
    sudden_hardship(f, p).map(|reason| (MonitoringCategory::SuddenHardship, reason))
}

/// 突发严重困难: rigid spending or an income collapse, leaving the household
/// below the monitoring line once rigid spending is paid.
pub fn sudden_hardship(f: &Facts<'_>, p: &BaselineParams) -> Option<String> {
    let prev = f.household.previous_year_income;
    let net = f.derived.net_income;
    let rigid = f.derived.rigid_expenditure;
    let heavy_spending = rigid >= p.hardship_expenditure_ratio * prev;
    let income_collapse = net < (1.0 - p.income_drop_ratio) * prev;
    let after = (net - rigid) / f.residents_f64();
    if !(heavy_spending || income_collapse) || after >= p.monitoring_income_line {
        return None;
    }
    let cause = if heavy_spending {
        reason!(
            "刚性支出 ",
            Yuan(rigid),
            " 元，达到上年收入 ",
            Yuan(prev),
            " 元的 ",
            Num(p.hardship_expenditure_ratio),
            " 倍"
        )
    } else {
        reason!("纯收入 ", Yuan(net), " 元，较上年收入 ", Yuan(prev), " 元下降超过 ", Num(p.income_drop_ratio))
    };
    Some(reason!(
        cause,
        "；扣除刚性支出后人均 ",
        Yuan(after),
        " 元，低于监测收入线 ",
        Num(p.monitoring_income_line),
        " 元"
    ))
}

/// Every guarantee flag that applies.
pub fn guarantee_flags(f: &Facts<'_>) -> Vec<Flag> {
    [food_clothing(f), compulsory_education(f), basic_medical(f), housing_safety(f), drinking_water(f)]
        .into_iter()
        .flatten()
        .collect()
}

fn flag(code: &str, severity: Severity, reason: String, members: Vec<u32>) -> Flag {
    Flag { code: code.to_owned(), severity, reason, members }
}

/// 第2位成员（9 周岁）
fn who(f: &Facts<'_>, index: u32) -> String {
    reason!("第", index + 1, "位成员（", f.age(index), " 周岁）")
}

fn list_members(f: &Facts<'_>, members: &[u32]) -> String {
    members.iter().map(|&i| who(f, i)).collect::<Vec<_>>().join("、")
}

pub fn food_clothing(f: &Facts<'_>) -> Option<Flag> {
    (!f.household.food_clothing_secure)
        .then(|| flag(codes::FOOD_CLOTHING, Severity::Critical, "吃穿不愁未保障".into(), Vec::new()))
}

/// Members of compulsory-education age, neither enrolled nor home-schooled.
pub fn compulsory_education(f: &Facts<'_>) -> Option<Flag> {
    let out: Vec<u32> = f
        .members()
        .filter(|&(i, m)| COMPULSORY_EDUCATION_AGES.contains(&f.age(i)) && !m.enrolled_in_school && !m.home_schooled)
        .map(|(i, _)| i)
        .collect();
    (!out.is_empty()).then(|| {
        let reason = reason!(
            "义务教育阶段（",
            Span(&COMPULSORY_EDUCATION_AGES),
            " 周岁）未入学且未送教上门：",
            list_members(f, &out)
        );
        flag(codes::COMPULSORY_EDUCATION, Severity::Warning, reason, out)
    })
}

/// Residents without medical insurance, except young infants.
pub fn basic_medical(f: &Facts<'_>) -> Option<Flag> {
    let out: Vec<u32> = f
        .residents()
        .filter(|&(i, m)| m.medical_insurance == Insurance::None && f.days_old(i) >= INFANT_MEDICAL_EXEMPT_DAYS)
        .map(|(i, _)| i)
        .collect();
    (!out.is_empty()).then(|| {
        let reason = reason!(
            "常住成员未参加基本医疗保险（出生未满 ",
            INFANT_MEDICAL_EXEMPT_DAYS,
            " 天的婴儿除外）：",
            list_members(f, &out)
        );
        flag(codes::BASIC_MEDICAL, Severity::Warning, reason, out)
    })
}

/// Housing appraised C (partly dangerous) or D (wholly dangerous), not renovated.
pub fn housing_safety(f: &Facts<'_>) -> Option<Flag> {
    let housing = &f.household.housing;
    let (severity, what) = match housing.safety_grade {
        SafetyGrade::C => (Severity::Warning, "C 级（局部危房）"),
        SafetyGrade::D => (Severity::Critical, "D 级（整栋危房）"),
        SafetyGrade::A | SafetyGrade::B => return None,
    };
    (!housing.renovated)
        .then(|| flag(codes::HOUSING_SAFETY, severity, reason!("住房安全鉴定为 ", what, "，尚未改造"), Vec::new()))
}

/// Drinking water below standard in quantity, quality, convenience or supply.
pub fn drinking_water(f: &Facts<'_>) -> Option<Flag> {
    let w = &f.household.water;
    let min_litres = if w.water_scarce_area { WATER_MIN_LITRES_SCARCE } else { WATER_MIN_LITRES };
    let mut problems = Vec::new();
    if w.litres_per_person_day < min_litres {
        let area = if w.water_scarce_area { "（缺水地区）" } else { "" };
        problems.push(reason!("人均日供水 ", w.litres_per_person_day, " 升，低于 ", min_litres, " 升", area));
    }
    if !w.quality_ok {
        problems.push("水质不达标".to_owned());
    }
    if w.fetch_minutes > WATER_MAX_FETCH_MINUTES {
        problems.push(reason!("取水往返 ", w.fetch_minutes, " 分钟，超过 ", WATER_MAX_FETCH_MINUTES, " 分钟"));
    }
    if w.interruption_days > WATER_MAX_INTERRUPTION_DAYS {
        problems.push(reason!("年停水 ", w.interruption_days, " 天，超过 ", WATER_MAX_INTERRUPTION_DAYS, " 天"));
    }
    (!problems.is_empty()).then(|| {
        flag(codes::DRINKING_WATER, Severity::Warning, reason!("饮水安全未达标：", problems.join("；")), Vec::new())
    })
}

/// Every programme decision, eligible or not, each with its reason.
pub fn decisions(f: &Facts<'_>, p: &BaselineParams, monitored: bool) -> Vec<Decision> {
    let dibao = dibao(f, p);
    let tekun = tekun(f);
    let vulnerable = dibao.eligible || tekun.eligible || monitored;
    let mut out = vec![dibao, tekun, medical_tilt(f, monitored), housing_renovation(f), employment_support(f, p)];
    out.extend(pension_subsidy(f, vulnerable));
    out
}

fn decision(program: Program, eligible: bool, members: Vec<u32>, reason: String) -> Decision {
    Decision { program: program.code().to_owned(), eligible, members, amount_fen: None, level: None, reason }
}

/// 农村低保: tops per-capita income up to the dibao line for every resident.
pub fn dibao(f: &Facts<'_>, p: &BaselineParams) -> Decision {
    let pci = f.derived.per_capita_income;
    let line = p.dibao_line;
    if pci < line {
        let residents: Vec<u32> = f.residents().map(|(i, _)| i).collect();
        let fen = to_fen(line * f.residents_f64() - f.derived.net_income);
        let reason = reason!(
            "人均纯收入 ",
            Yuan(pci),
            " 元，低于低保标准 ",
            Num(line),
            " 元；按 ",
            f.derived.residents,
            " 名常住成员补差，每年 ",
            Fen(fen),
            " 元"
        );
        Decision { amount_fen: Some(fen), ..decision(Program::Dibao, true, residents, reason) }
    } else {
        decision(
            Program::Dibao,
            false,
            Vec::new(),
            reason!("人均纯收入 ", Yuan(pci), " 元，不低于低保标准 ", Num(line), " 元"),
        )
    }
}

/// 特困供养: no work capacity, no legal supporter, and old, young or
/// severely disabled.
pub fn tekun(f: &Facts<'_>) -> Decision {
    let mut members = Vec::new();
    let mut why = Vec::new();
    for (i, m) in f.members() {
        if m.labor_capacity != LaborCapacity::None || m.has_legal_supporter {
            continue;
        }
        let age = f.age(i);
        let ground = if age >= ELDERLY_AGE {
            reason!("年满 ", ELDERLY_AGE, " 周岁")
        } else if age < ADULT_AGE {
            reason!("未满 ", ADULT_AGE, " 周岁")
        } else if let Some(grade) = m.disability_grade.filter(|g| SEVERE_DISABILITY_GRADES.contains(g)) {
            reason!("残疾等级 ", grade, " 级")
        } else {
            continue;
        };
        members.push(i);
        why.push(reason!(who(f, i), "无劳动能力、无法定赡养抚养扶养人、", ground));
    }
    if members.is_empty() {
        let reason = reason!(
            "无成员同时满足无劳动能力、无法定赡养抚养扶养人且年满 ",
            ELDERLY_AGE,
            " 周岁、未满 ",
            ADULT_AGE,
            " 周岁或残疾等级 ",
            Span(&SEVERE_DISABILITY_GRADES),
            " 级"
        );
        decision(Program::Tekun, false, members, reason)
    } else {
        decision(Program::Tekun, true, members, why.join("；"))
    }
}

/// 医疗保障倾斜 for lifted-out or monitored households.
pub fn medical_tilt(f: &Facts<'_>, monitored: bool) -> Decision {
    let lifted = f.household.poverty_status == PovertyStatus::Lifted;
    if lifted || monitored {
        let who = match (lifted, monitored) {
            (true, true) => "脱贫户且为监测对象",
            (true, false) => "脱贫户",
            _ => "监测对象",
        };
        let reason = reason!(
            who,
            "，医疗保障倾斜：住院报销比例提高 10 个百分点，起付线降低 50%，大病保险起付线降低 50%、报销比例提高 5 个百分点，不设封顶线"
        );
        decision(Program::MedicalTilt, true, f.residents().map(|(i, _)| i).collect(), reason)
    } else {
        decision(Program::MedicalTilt, false, Vec::new(), "非脱贫户且非监测对象".into())
    }
}

/// 危房改造 for grade C or D housing not yet renovated.
pub fn housing_renovation(f: &Facts<'_>) -> Decision {
    let h = &f.household.housing;
    let grade = h.safety_grade.as_str();
    let dangerous = matches!(h.safety_grade, SafetyGrade::C | SafetyGrade::D);
    match (dangerous, h.renovated) {
        (true, false) => {
            decision(Program::HousingRenovation, true, Vec::new(), reason!("住房安全等级 ", grade, " 级，尚未改造"))
        }
        (true, true) => {
            decision(Program::HousingRenovation, false, Vec::new(), reason!("住房安全等级 ", grade, " 级，已改造"))
        }
        _ => decision(Program::HousingRenovation, false, Vec::new(), reason!("住房安全等级 ", grade, " 级，无需改造")),
    }
}

/// 就业帮扶 for working-age residents able to work but employed fewer than
/// `employment_min_months` months.
pub fn employment_support(f: &Facts<'_>, p: &BaselineParams) -> Decision {
    let min = p.employment_min_months;
    let ages = Span(&WORKING_AGES);
    let members: Vec<u32> = f
        .residents()
        .filter(|&(i, m)| {
            WORKING_AGES.contains(&f.age(i))
                && matches!(m.labor_capacity, LaborCapacity::Full | LaborCapacity::Partial)
                && m.employment.months < min
        })
        .map(|(i, _)| i)
        .collect();
    if members.is_empty() {
        let reason = reason!("无 ", ages, " 周岁有劳动能力且务工不足 ", min, " 个月的常住成员");
        decision(Program::EmploymentSupport, false, members, reason)
    } else {
        let who: Vec<String> = members
            .iter()
            .filter_map(|&i| {
                Some(reason!(who(f, i), "务工 ", f.household.members.get(i as usize)?.employment.months, " 个月"))
            })
            .collect();
        let reason = reason!(ages, " 周岁有劳动能力、务工不足 ", min, " 个月：", who.join("、"));
        decision(Program::EmploymentSupport, true, members, reason)
    }
}

/// 城乡居民养老保险代缴: working-age residents in the resident pension;
/// in full for a severe disability, in part for a vulnerable household.
pub fn pension_subsidy(f: &Facts<'_>, vulnerable: bool) -> Vec<Decision> {
    let mut full = Vec::new();
    let mut partial = Vec::new();
    for (i, m) in f.residents() {
        if !WORKING_AGES.contains(&f.age(i)) || m.pension_insurance != Insurance::Resident {
            continue;
        }
        if severely_disabled(m) {
            full.push(i);
        } else if vulnerable {
            partial.push(i);
        }
    }
    let grades = Span(&SEVERE_DISABILITY_GRADES);
    let mut out = Vec::new();
    if !full.is_empty() {
        let reason =
            reason!("参加城乡居民养老保险的重度残疾人（残疾等级 ", grades, " 级），全额代缴：", list_members(f, &full));
        out.push(Decision { level: Some("full".into()), ..decision(Program::PensionSubsidy, true, full, reason) });
    }
    if !partial.is_empty() {
        let reason = reason!("低保、特困或监测对象家庭参加城乡居民养老保险，部分代缴：", list_members(f, &partial));
        out.push(Decision {
            level: Some("partial".into()),
            ..decision(Program::PensionSubsidy, true, partial, reason)
        });
    }
    if out.is_empty() {
        let reason = reason!(
            "无符合代缴条件的 ",
            Span(&WORKING_AGES),
            " 周岁城乡居民养老保险参保人（需残疾等级 ",
            grades,
            " 级，或家庭为低保、特困或监测对象）"
        );
        out.push(decision(Program::PensionSubsidy, false, Vec::new(), reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_print_in_reasons_as_the_policy_writes_them() {
        assert_eq!(reason!(Span(&COMPULSORY_EDUCATION_AGES)), "6-15");
        assert_eq!(reason!(Span(&WORKING_AGES)), "16-59");
        assert_eq!(reason!(Span(&SEVERE_DISABILITY_GRADES)), "1-2");
        let water = format!(
            "{WATER_MIN_LITRES} {WATER_MIN_LITRES_SCARCE} {WATER_MAX_FETCH_MINUTES} {WATER_MAX_INTERRUPTION_DAYS}"
        );
        assert_eq!(water, "35 20 20 36");
        assert_eq!(format!("{ADULT_AGE} {ELDERLY_AGE} {INFANT_MEDICAL_EXEMPT_DAYS}"), "16 60 90");
    }
}
