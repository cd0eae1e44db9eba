//! Reading one household: JSON text to a schema-checked value (the
//! `jsonschema` validator of `schemas/household.schema.json`), then to the
//! contract types a plugin receives, with the identifiers kept aside.

use rulehost_sdk::{Date, Employment, Health, Household, Housing, Income, Insurance, LaborCapacity, Member};
use rulehost_sdk::{PovertyStatus, Relation, RigidExpenditure, Sex, Water};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::outcome::{Failure, FailureKind};

/// The household contract, embedded: one source of truth with `schemas/`.
pub const HOUSEHOLD_SCHEMA: &str = include_str!("../../schemas/household.schema.json");
/// The evaluation record contract.
pub const EVALUATION_SCHEMA: &str = include_str!("../../schemas/evaluation.schema.json");

/// A household read from JSON: what the plugin sees, plus the identifiers
/// the host keeps to write the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub household_id: String,
    pub district_code: String,
    /// `member_id` of each member, by index.
    pub member_ids: Vec<String>,
    pub household: Household,
}

/// `schemas/household.schema.json` compiled into Rust at build time: the
/// fast check every household passes through. (The runtime validator below
/// is compiled from the same file and explains failures.)
#[jsonschema::validator(path = "../schemas/household.schema.json", draft = Draft202012, validate_formats = true, methods = { is_valid = true, validate = false, iter_errors = false })]
struct HouseholdSchema;

/// A line without its trailing `\r` and leading byte-order mark.
pub(crate) fn trim_line(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The fast (compile-time) schema check alone.
pub fn matches_schema(value: &Value) -> bool {
    HouseholdSchema::is_valid(value)
}

/// Checks households against the schema; compiled once, shared by threads.
pub struct HouseholdReader {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for HouseholdReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HouseholdReader")
    }
}

impl HouseholdReader {
    pub fn new() -> Result<HouseholdReader, SchemaError> {
        Ok(HouseholdReader { validator: compile_schema("household", HOUSEHOLD_SCHEMA)? })
    }

    /// Reads one line of a JSON Lines file, as bytes without its `\n`: a
    /// trailing `\r` and a leading byte-order mark are allowed; an empty
    /// line or one that is not UTF-8 is refused.
    pub fn read_line(&self, bytes: &[u8]) -> Result<Parsed, Failure> {
        let trimmed = trim_line(bytes);
        if trimmed.iter().all(u8::is_ascii_whitespace) {
            return Err(Failure::new(FailureKind::NotJson, "empty line: expected one household as JSON"));
        }
        // Columns count from the start of the line as written, mark included.
        let mark = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let text = std::str::from_utf8(trimmed).map_err(|e| {
            let column = mark + e.valid_up_to() + 1;
            Failure::new(FailureKind::NotUtf8, format!("not valid UTF-8 (invalid byte at column {column})"))
        })?;
        self.read(text)
    }

    /// Parses and checks one line of JSON text: the fast path
    /// ([`crate::fast`]) for a valid household, and the schema validator to
    /// say why for any other.
    pub fn read(&self, text: &str) -> Result<Parsed, Failure> {
        match crate::fast::read(text) {
            Some(parsed) => Ok(parsed),
            None => self.read_by_schema(text),
        }
    }

    /// The full path alone: JSON text to a value, the schema validator,
    /// then the typed household. [`read`](HouseholdReader::read) takes it
    /// only for lines the fast path refuses; the differential checks
    /// compare the two.
    pub fn read_by_schema(&self, text: &str) -> Result<Parsed, Failure> {
        let value: Value = crate::strict_json::parse(text)
            .map_err(|e| Failure::new(FailureKind::NotJson, format!("not valid JSON: {e}")))?;
        self.read_value(&value)
    }

    /// Checks an already parsed value.
    pub fn read_value(&self, value: &Value) -> Result<Parsed, Failure> {
        if !matches_schema(value) {
            return Err(self.schema_failure(value));
        }
        let doc = HouseholdDoc::deserialize(value)
            .map_err(|e| Failure::new(FailureKind::InvalidHousehold, format!("invalid household: {e}")))?;
        doc.into_parsed()
    }

    /// Every reason `bytes` is refused, empty exactly when [`read_line`]
    /// accepts it: the same strict reading (BOM, CR, UTF-8, duplicate keys,
    /// schema, member ids), listing every schema violation, not the first.
    ///
    /// [`read_line`]: HouseholdReader::read_line
    pub fn refusals(&self, bytes: &[u8]) -> Vec<Failure> {
        match self.read_line(bytes) {
            Ok(_) => Vec::new(),
            Err(first) if first.kind == FailureKind::Schema => {
                let value = std::str::from_utf8(trim_line(bytes)).ok().and_then(|t| crate::strict_json::parse(t).ok());
                let all = value.map(|v| self.violations(&v)).unwrap_or_default();
                if all.is_empty() { vec![first] } else { all }
            }
            Err(other) => vec![other],
        }
    }

    /// Every schema violation of `value` (empty when it is valid).
    pub fn violations(&self, value: &Value) -> Vec<Failure> {
        self.validator
            .iter_errors(value)
            .map(|e| Failure::at(FailureKind::Schema, describe(&e), e.instance_path().as_str().to_owned()))
            .collect()
    }

    // Off the hot path: only built for invalid households.
    fn schema_failure(&self, value: &Value) -> Failure {
        let mut all = self.violations(value);
        let more = all.len().saturating_sub(1);
        let mut first = if all.is_empty() {
            Failure::new(FailureKind::Schema, "does not match the household schema")
        } else {
            all.swap_remove(0)
        };
        if more > 0 {
            first.message.push_str(&format!(" (and {more} more schema error{})", if more == 1 { "" } else { "s" }));
        }
        first
    }
}

/// "`/members/0/sex` must be one of ...: got `"m"`" style message.
fn describe(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path().as_str();
    let at = if at.is_empty() { "the household" } else { at };
    format!("`{at}` breaks schema rule `{}`: {e}", e.kind().keyword())
}

/// An embedded schema that does not compile (a build defect, not bad input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub name: &'static str,
    pub reason: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the schema `{}` does not compile: {}", self.name, self.reason)
    }
}

impl std::error::Error for SchemaError {}

/// Compiles an embedded JSON Schema (draft 2020-12, formats checked).
pub fn compile_schema(name: &'static str, text: &str) -> Result<jsonschema::Validator, SchemaError> {
    let schema: Value = serde_json::from_str(text).map_err(|e| SchemaError { name, reason: e.to_string() })?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| SchemaError { name, reason: e.to_string() })
}

/// A household as JSON holds it (`schemas/household.schema.json`, field
/// for field and in its order): what the reader deserialises, and what the
/// sample generator serialises, so that the two cannot drift apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdDoc {
    pub schema_version: String,
    pub household_id: String,
    pub district_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    pub survey_date: Date,
    pub poverty_status: PovertyStatus,
    #[serde(default)]
    pub lifted_year: Option<u16>,
    pub members: Vec<MemberDoc>,
    pub income: Income,
    pub previous_year_income: f64,
    pub rigid_expenditure: RigidExpenditure,
    pub housing: Housing,
    pub water: Water,
    pub food_clothing_secure: bool,
    /// Data of a district's own, keyed by district code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Map<String, Value>>,
}

/// A member as JSON holds it, `member_id` included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDoc {
    pub member_id: String,
    pub relation: Relation,
    pub birth_date: Date,
    pub sex: Sex,
    pub resident: bool,
    pub health: Health,
    pub disability_grade: Option<u8>,
    pub labor_capacity: LaborCapacity,
    pub enrolled_in_school: bool,
    pub home_schooled: bool,
    pub medical_insurance: Insurance,
    pub pension_insurance: Insurance,
    pub employment: Employment,
    pub has_legal_supporter: bool,
}

impl HouseholdDoc {
    fn into_parsed(self) -> Result<Parsed, Failure> {
        let district_code: u32 = self.district_code.parse().map_err(|_| {
            Failure::at(FailureKind::InvalidHousehold, "district code is not six digits", "/district_code")
        })?;
        let mut member_ids = Vec::with_capacity(self.members.len());
        let mut members = Vec::with_capacity(self.members.len());
        for (i, m) in self.members.into_iter().enumerate() {
            if member_ids.contains(&m.member_id) {
                return Err(Failure::at(
                    FailureKind::InvalidHousehold,
                    format!("member id `{}` appears twice in the household", m.member_id),
                    format!("/members/{i}/member_id"),
                ));
            }
            member_ids.push(m.member_id);
            members.push(Member {
                relation: m.relation,
                birth_date: m.birth_date,
                sex: m.sex,
                resident: m.resident,
                health: m.health,
                disability_grade: m.disability_grade,
                labor_capacity: m.labor_capacity,
                enrolled_in_school: m.enrolled_in_school,
                home_schooled: m.home_schooled,
                medical_insurance: m.medical_insurance,
                pension_insurance: m.pension_insurance,
                employment: m.employment,
                has_legal_supporter: m.has_legal_supporter,
            });
        }
        // A plugin sees only its own district's extension data.
        let extension = self.extensions.as_ref().and_then(|e| e.get(&self.district_code)).map(Value::to_string);
        Ok(Parsed {
            household_id: self.household_id,
            district_code: self.district_code,
            member_ids,
            household: Household {
                district_code,
                survey_date: self.survey_date,
                poverty_status: self.poverty_status,
                lifted_year: self.lifted_year,
                members,
                income: self.income,
                previous_year_income: self.previous_year_income,
                rigid_expenditure: self.rigid_expenditure,
                housing: self.housing,
                water: self.water,
                food_clothing_secure: self.food_clothing_secure,
                extension,
            },
        })
    }
}
