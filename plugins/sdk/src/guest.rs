//! The component ABI, hidden from plugin authors: `wit-bindgen` bindings of
//! `schemas/wit/rules.wit` and the conversions between them and the SDK's
//! contract types. Only compiled for wasm32.

wit_bindgen::generate!({
    path: "../../schemas/wit",
    world: "rulehost:rules/rules",
    pub_export_macro: true,
    export_macro_name: "__export_rules",
    default_bindings_module: "rulehost_sdk::guest",
});

use crate::types as sdk;
use rulehost::rules::types as wit;

/// Maps a WIT enum onto the SDK enum declared in the same order.
fn same<T: Copy>(all: &[T], index: u8) -> T {
    all[usize::from(index)]
}

fn date(d: wit::Date) -> sdk::Date {
    sdk::Date { year: d.year, month: d.month, day: d.day }
}

fn member(m: wit::Member) -> sdk::Member {
    sdk::Member {
        relation: same(sdk::Relation::ALL, m.relation as u8),
        birth_date: date(m.birth_date),
        sex: same(sdk::Sex::ALL, m.sex as u8),
        resident: m.resident,
        health: same(sdk::Health::ALL, m.health as u8),
        disability_grade: m.disability_grade,
        labor_capacity: same(sdk::LaborCapacity::ALL, m.labor_capacity as u8),
        enrolled_in_school: m.enrolled_in_school,
        home_schooled: m.home_schooled,
        medical_insurance: same(sdk::Insurance::ALL, m.medical_insurance as u8),
        pension_insurance: same(sdk::Insurance::ALL, m.pension_insurance as u8),
        employment: sdk::Employment {
            months: m.employment.months,
            location: same(sdk::EmploymentLocation::ALL, m.employment.location as u8),
        },
        has_legal_supporter: m.has_legal_supporter,
    }
}

/// WIT household to SDK household.
pub fn household(h: wit::Household) -> sdk::Household {
    let i = h.income;
    let r = h.rigid_expenditure;
    let w = h.water;
    sdk::Household {
        district_code: h.district_code,
        survey_date: date(h.survey_date),
        poverty_status: same(sdk::PovertyStatus::ALL, h.poverty_status as u8),
        lifted_year: h.lifted_year,
        members: h.members.into_iter().map(member).collect(),
        income: sdk::Income {
            wage: i.wage,
            operating_net: i.operating_net,
            property: i.property,
            transfer: i.transfer,
        },
        previous_year_income: h.previous_year_income,
        rigid_expenditure: sdk::RigidExpenditure {
            medical_out_of_pocket: r.medical_out_of_pocket,
            education: r.education,
            disaster_loss: r.disaster_loss,
            accident_loss: r.accident_loss,
        },
        housing: sdk::Housing {
            safety_grade: same(sdk::SafetyGrade::ALL, h.housing.safety_grade as u8),
            renovated: h.housing.renovated,
            geohazard_zone: h.housing.geohazard_zone,
        },
        water: sdk::Water {
            litres_per_person_day: w.litres_per_person_day,
            water_scarce_area: w.water_scarce_area,
            quality_ok: w.quality_ok,
            fetch_minutes: w.fetch_minutes,
            interruption_days: w.interruption_days,
        },
        food_clothing_secure: h.food_clothing_secure,
        extension: h.extension,
    }
}

pub fn as_of(d: wit::Date) -> sdk::Date {
    date(d)
}

/// SDK evaluation to WIT evaluation.
pub fn evaluation(e: sdk::Evaluation) -> wit::Evaluation {
    wit::Evaluation {
        monitoring: e.monitoring.map(|m| match m {
            sdk::MonitoringCategory::UnstableLifted => wit::MonitoringCategory::UnstableLifted,
            sdk::MonitoringCategory::Marginal => wit::MonitoringCategory::Marginal,
            sdk::MonitoringCategory::SuddenHardship => wit::MonitoringCategory::SuddenHardship,
        }),
        monitoring_reason: e.monitoring_reason,
        flags: e
            .flags
            .into_iter()
            .map(|f| wit::Flag {
                code: f.code,
                severity: match f.severity {
                    sdk::Severity::Info => wit::Severity::Info,
                    sdk::Severity::Warning => wit::Severity::Warning,
                    sdk::Severity::Critical => wit::Severity::Critical,
                },
                reason: f.reason,
                members: f.members,
            })
            .collect(),
        decisions: e
            .decisions
            .into_iter()
            .map(|d| wit::Decision {
                program: d.program,
                eligible: d.eligible,
                members: d.members,
                amount_fen: d.amount_fen,
                level: d.level,
                reason: d.reason,
            })
            .collect(),
        derived: wit::Derived {
            residents: e.derived.residents,
            net_income: e.derived.net_income,
            per_capita_income: e.derived.per_capita_income,
            rigid_expenditure: e.derived.rigid_expenditure,
        },
    }
}

pub fn info(i: sdk::PluginInfo) -> wit::PluginInfo {
    wit::PluginInfo {
        name: i.name,
        version: i.version,
        districts: i.districts,
        contract_version: i.contract_version,
        parameters: i.parameters,
    }
}

pub fn error(e: sdk::EvalError) -> wit::EvalError {
    match e {
        sdk::EvalError::Unsupported(m) => wit::EvalError::Unsupported(m),
        sdk::EvalError::BadParameters(m) => wit::EvalError::BadParameters(m),
    }
}
