//! The contract types of `schemas/wit/rules.wit`, written once for the guest,
//! the native pipeline and (with the `host` feature) the host, which maps the
//! WIT `types` interface onto this module and parses JSON straight into it.

#[cfg(feature = "host")]
use wasmtime::component::{ComponentType, Lift, Lower};

#[cfg(feature = "host")]
mod lift;
#[cfg(feature = "host")]
mod lower;

/// Declares a WIT enum once for every consumer: the plain Rust enum, its
/// component-model derive (host) and its snake_case serde form.
macro_rules! wit_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wit:literal / $json:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(enum))]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[repr(u8)]
        pub enum $name {
            $(
                #[cfg_attr(feature = "host", component(name = $wit))]
                #[cfg_attr(feature = "serde", serde(rename = $json))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in contract order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name used in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $json,)+
                }
            }
        }
    };
}

wit_enum!(PovertyStatus { Lifted = "lifted" / "lifted", General = "general" / "general" });
wit_enum!(Relation {
    Head = "head" / "head",
    Spouse = "spouse" / "spouse",
    Child = "child" / "child",
    Parent = "parent" / "parent",
    Grandchild = "grandchild" / "grandchild",
    Sibling = "sibling" / "sibling",
    Other = "other" / "other",
});
wit_enum!(Sex { Male = "male" / "male", Female = "female" / "female" });
wit_enum!(Health {
    Healthy = "healthy" / "healthy",
    ChronicIllness = "chronic-illness" / "chronic_illness",
    SeriousIllness = "serious-illness" / "serious_illness",
});
wit_enum!(LaborCapacity {
    Full = "full" / "full",
    Partial = "partial" / "partial",
    None = "none" / "none",
});
wit_enum!(Insurance {
    Resident = "resident" / "resident",
    Employee = "employee" / "employee",
    None = "none" / "none",
});
wit_enum!(EmploymentLocation {
    Local = "local" / "local",
    Outside = "outside" / "outside",
    None = "none" / "none",
});
wit_enum!(SafetyGrade { A = "a" / "A", B = "b" / "B", C = "c" / "C", D = "d" / "D" });
wit_enum!(MonitoringCategory {
    UnstableLifted = "unstable-lifted" / "unstable_lifted",
    Marginal = "marginal" / "marginal",
    SuddenHardship = "sudden-hardship" / "sudden_hardship",
});
wit_enum!(Severity {
    Info = "info" / "info",
    Warning = "warning" / "warning",
    Critical = "critical" / "critical",
});

/// A calendar date; ISO `YYYY-MM-DD` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Employment {
    /// Months employed in the year, 0-12.
    pub months: u8,
    pub location: EmploymentLocation,
}

/// A household member as plugins see it: everything but the `member_id`,
/// which stays in the host (results refer to members by index).
///
/// With the `host` feature, its `Lower` is written by hand (`types::lower`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Member {
    pub relation: Relation,
    #[cfg_attr(feature = "host", component(name = "birth-date"))]
    pub birth_date: Date,
    pub sex: Sex,
    pub resident: bool,
    pub health: Health,
    #[cfg_attr(feature = "host", component(name = "disability-grade"))]
    pub disability_grade: Option<u8>,
    #[cfg_attr(feature = "host", component(name = "labor-capacity"))]
    pub labor_capacity: LaborCapacity,
    #[cfg_attr(feature = "host", component(name = "enrolled-in-school"))]
    pub enrolled_in_school: bool,
    #[cfg_attr(feature = "host", component(name = "home-schooled"))]
    pub home_schooled: bool,
    #[cfg_attr(feature = "host", component(name = "medical-insurance"))]
    pub medical_insurance: Insurance,
    #[cfg_attr(feature = "host", component(name = "pension-insurance"))]
    pub pension_insurance: Insurance,
    pub employment: Employment,
    #[cfg_attr(feature = "host", component(name = "has-legal-supporter"))]
    pub has_legal_supporter: bool,
}

/// Yuan per year.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Income {
    pub wage: f64,
    /// May be negative.
    #[cfg_attr(feature = "host", component(name = "operating-net"))]
    pub operating_net: f64,
    pub property: f64,
    pub transfer: f64,
}

/// Compliant out-of-pocket rigid expenditure (刚性支出), yuan per year.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RigidExpenditure {
    #[cfg_attr(feature = "host", component(name = "medical-out-of-pocket"))]
    pub medical_out_of_pocket: f64,
    pub education: f64,
    #[cfg_attr(feature = "host", component(name = "disaster-loss"))]
    pub disaster_loss: f64,
    #[cfg_attr(feature = "host", component(name = "accident-loss"))]
    pub accident_loss: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Housing {
    #[cfg_attr(feature = "host", component(name = "safety-grade"))]
    pub safety_grade: SafetyGrade,
    pub renovated: bool,
    #[cfg_attr(feature = "host", component(name = "geohazard-zone"))]
    pub geohazard_zone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Water {
    #[cfg_attr(feature = "host", component(name = "litres-per-person-day"))]
    pub litres_per_person_day: f64,
    #[cfg_attr(feature = "host", component(name = "water-scarce-area"))]
    pub water_scarce_area: bool,
    #[cfg_attr(feature = "host", component(name = "quality-ok"))]
    pub quality_ok: bool,
    #[cfg_attr(feature = "host", component(name = "fetch-minutes"))]
    #[cfg_attr(feature = "serde", serde(serialize_with = "whole_as_integer"))]
    pub fetch_minutes: f64,
    #[cfg_attr(feature = "host", component(name = "interruption-days"))]
    pub interruption_days: u16,
}

/// Writes a whole number of minutes as officials write it (`20`, not
/// `20.0`); any other value as it is.
#[cfg(feature = "serde")]
fn whole_as_integer<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    match as_whole(*v) {
        Some(i) => s.serialize_i64(i),
        None => s.serialize_f64(*v),
    }
}

/// `v` as an integer when it is a whole number that `f64` holds exactly
/// (below 2^53): how `Water::fetch_minutes` is written as JSON.
pub fn as_whole(v: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    #[expect(clippy::cast_possible_truncation, reason = "a whole number below 2^53")]
    (v.fract() == 0.0 && v.abs() < EXACT).then_some(v as i64)
}

/// A household as plugins see it (identifiers stay in the host).
///
/// With the `host` feature, its `Lower` is written by hand (`types::lower`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Household {
    /// Six-digit district code, e.g. 500229.
    #[cfg_attr(feature = "host", component(name = "district-code"))]
    pub district_code: u32,
    #[cfg_attr(feature = "host", component(name = "survey-date"))]
    pub survey_date: Date,
    #[cfg_attr(feature = "host", component(name = "poverty-status"))]
    pub poverty_status: PovertyStatus,
    #[cfg_attr(feature = "host", component(name = "lifted-year"))]
    pub lifted_year: Option<u16>,
    pub members: Vec<Member>,
    pub income: Income,
    #[cfg_attr(feature = "host", component(name = "previous-year-income"))]
    pub previous_year_income: f64,
    #[cfg_attr(feature = "host", component(name = "rigid-expenditure"))]
    pub rigid_expenditure: RigidExpenditure,
    pub housing: Housing,
    pub water: Water,
    #[cfg_attr(feature = "host", component(name = "food-clothing-secure"))]
    pub food_clothing_secure: bool,
    /// This district's `extensions` entry as JSON text.
    pub extension: Option<String>,
}

/// With the `host` feature, its `Lift` is written by hand (`types::lift`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Flag {
    /// Stable ASCII code, e.g. `guarantee.housing_safety`.
    pub code: String,
    pub severity: Severity,
    /// For officials: Chinese text carrying the values compared.
    pub reason: String,
    /// Indices into `Household::members`.
    pub members: Vec<u32>,
}

/// With the `host` feature, its `Lift` is written by hand (`types::lift`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Decision {
    pub program: String,
    pub eligible: bool,
    /// Indices into `Household::members`.
    pub members: Vec<u32>,
    /// Amount in fen (0.01 yuan): money stays exact.
    #[cfg_attr(feature = "host", component(name = "amount-fen"))]
    pub amount_fen: Option<i64>,
    /// A level within the programme, e.g. `full` or `partial`.
    pub level: Option<String>,
    pub reason: String,
}

/// The derived figures the rules used.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Derived {
    pub residents: u32,
    #[cfg_attr(feature = "host", component(name = "net-income"))]
    pub net_income: f64,
    #[cfg_attr(feature = "host", component(name = "per-capita-income"))]
    pub per_capita_income: f64,
    #[cfg_attr(feature = "host", component(name = "rigid-expenditure"))]
    pub rigid_expenditure: f64,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Evaluation {
    pub monitoring: Option<MonitoringCategory>,
    /// Why the household is monitored, with the values compared.
    #[cfg_attr(feature = "host", component(name = "monitoring-reason"))]
    pub monitoring_reason: Option<String>,
    pub flags: Vec<Flag>,
    pub decisions: Vec<Decision>,
    pub derived: Derived,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(record))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// District codes the plugin is written for; empty means any.
    pub districts: Vec<String>,
    /// The contract version the plugin was built against.
    #[cfg_attr(feature = "host", component(name = "contract-version"))]
    pub contract_version: String,
    /// Parameter names, in the order `evaluate` receives their values.
    pub parameters: Vec<String>,
}

/// Why a plugin declined to evaluate a household.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "host", derive(ComponentType, Lift, Lower), component(variant))]
pub enum EvalError {
    /// The household is outside what these rules can judge.
    #[cfg_attr(feature = "host", component(name = "unsupported"))]
    Unsupported(String),
    /// The parameters given do not make sense to the rules.
    #[cfg_attr(feature = "host", component(name = "bad-parameters"))]
    BadParameters(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Unsupported(m) => write!(f, "household not supported: {m}"),
            EvalError::BadParameters(m) => write!(f, "bad parameters: {m}"),
        }
    }
}
