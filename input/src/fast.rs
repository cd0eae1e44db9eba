//! The fast path: JSON text straight to the contract types, with every rule
//! of `schemas/household.schema.json` enforced while deserialising. No
//! `serde_json::Value` is built for a valid line (only a district's own
//! `extensions` data, which the schema leaves free-form, is kept as one).
//!
//! The schema stays the definition. [`read`] answers `None` for any line
//! that breaks a rule, and the caller then runs the schema validator, whose
//! error is the one reported. [`crate::check_line`] holds the two paths to
//! the same answer for any bytes (the fuzz target, the mutation test and the
//! regression replay call it), so a rule written here but not in the schema,
//! or the other way round, fails CI.
//!
//! Rule by rule, against the schema:
//! - objects: `additionalProperties: false` and `required` are serde's
//!   `deny_unknown_fields` and required fields; a repeated key is refused
//!   (serde's duplicate-field check; [`crate::strict_json`] in `extensions`);
//! - `const`, `enum`: exact strings ([`Name`]), never serde's `{"variant":
//!   null}` form of an enum;
//! - `minimum`/`maximum`: [`Number`] and [`Whole`] ranges;
//! - `minLength`/`maxLength`: counted in characters ([`Text`]);
//! - `pattern` and `format: date`: [`Date::parse`] (real calendar dates);
//! - nullable fields: `null` allowed only where the schema says so, and a
//!   required nullable field must still be present ([`Nullable`]);
//! - `minItems`/`maxItems`/`contains` on members, the `if`/`then`/`else` on
//!   `lifted_year`, and `propertyNames` on `extensions`: checked after the
//!   parse in [`Wire::into_parsed`].

use std::fmt;
use std::marker::PhantomData;

use rulehost_sdk::{Date, Employment, Household, Housing, Income, Member, RigidExpenditure, Water};
use rulehost_sdk::{EmploymentLocation, Health, Insurance, LaborCapacity, PovertyStatus, Relation, SafetyGrade, Sex};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::household::Parsed;

/// Reads one line of JSON text; `None` when it breaks any rule of the
/// schema (or is not JSON at all).
pub fn read(text: &str) -> Option<Parsed> {
    let mut de = serde_json::Deserializer::from_str(text);
    let wire = Wire::deserialize(&mut de).ok()?;
    de.end().ok()?;
    wire.into_parsed()
}

/// A household as the schema allows it, field for field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "schema_version")]
    _schema_version: SchemaVersion,
    household_id: Text<1, 64>,
    district_code: DistrictCode,
    #[serde(default, rename = "township", deserialize_with = "present")]
    _township: Option<Checked<0, 100>>,
    #[serde(default, rename = "village", deserialize_with = "present")]
    _village: Option<Checked<0, 100>>,
    survey_date: Date,
    poverty_status: Name<PovertyStatus>,
    #[serde(default)]
    lifted_year: Option<Whole<2013, 2100>>,
    members: Vec<WireMember>,
    income: WireIncome,
    previous_year_income: Amount,
    rigid_expenditure: WireRigid,
    housing: WireHousing,
    water: WireWater,
    food_clothing_secure: bool,
    #[serde(default, deserialize_with = "present")]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMember {
    member_id: Text<1, 64>,
    relation: Name<Relation>,
    birth_date: Date,
    sex: Name<Sex>,
    resident: bool,
    health: Name<Health>,
    disability_grade: Nullable<Whole<1, 4>>,
    labor_capacity: Name<LaborCapacity>,
    enrolled_in_school: bool,
    home_schooled: bool,
    medical_insurance: Name<Insurance>,
    pension_insurance: Name<Insurance>,
    employment: WireEmployment,
    has_legal_supporter: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEmployment {
    months: Whole<0, 12>,
    location: Name<EmploymentLocation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIncome {
    wage: Amount,
    operating_net: Signed,
    property: Amount,
    transfer: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRigid {
    medical_out_of_pocket: Amount,
    education: Amount,
    disaster_loss: Amount,
    accident_loss: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHousing {
    safety_grade: Name<SafetyGrade>,
    renovated: bool,
    geohazard_zone: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireWater {
    litres_per_person_day: Litres,
    water_scarce_area: bool,
    quality_ok: bool,
    fetch_minutes: Minutes,
    interruption_days: Whole<0, 366>,
}

/// `members`: `minItems`, `maxItems`.
const MEMBERS: std::ops::RangeInclusive<usize> = 1..=50;

impl Wire {
    /// The rules that span fields, then the contract types.
    fn into_parsed(self) -> Option<Parsed> {
        let lifted = self.poverty_status.0 == PovertyStatus::Lifted;
        if lifted != self.lifted_year.is_some() {
            return None;
        }
        if !MEMBERS.contains(&self.members.len()) || !self.members.iter().any(|m| m.resident) {
            return None;
        }
        let mut member_ids: Vec<String> = Vec::with_capacity(self.members.len());
        let mut members = Vec::with_capacity(self.members.len());
        for m in self.members {
            if member_ids.contains(&m.member_id.0) {
                return None;
            }
            member_ids.push(m.member_id.0);
            members.push(Member {
                relation: m.relation.0,
                birth_date: m.birth_date,
                sex: m.sex.0,
                resident: m.resident,
                health: m.health.0,
                disability_grade: m.disability_grade.0.map(|g| g.0 as u8),
                labor_capacity: m.labor_capacity.0,
                enrolled_in_school: m.enrolled_in_school,
                home_schooled: m.home_schooled,
                medical_insurance: m.medical_insurance.0,
                pension_insurance: m.pension_insurance.0,
                employment: Employment { months: m.employment.months.0 as u8, location: m.employment.location.0 },
                has_legal_supporter: m.has_legal_supporter,
            });
        }
        let DistrictCode(district_text, district_code) = self.district_code;
        let extension = self.extensions.and_then(|e| e.0.get(&district_text).map(Value::to_string));
        let (income, rigid, water) = (self.income, self.rigid_expenditure, self.water);
        Some(Parsed {
            household_id: self.household_id.0,
            district_code: district_text,
            member_ids,
            household: Household {
                district_code,
                survey_date: self.survey_date,
                poverty_status: self.poverty_status.0,
                lifted_year: self.lifted_year.map(|y| y.0 as u16),
                members,
                income: Income {
                    wage: income.wage.0,
                    operating_net: income.operating_net.0,
                    property: income.property.0,
                    transfer: income.transfer.0,
                },
                previous_year_income: self.previous_year_income.0,
                rigid_expenditure: RigidExpenditure {
                    medical_out_of_pocket: rigid.medical_out_of_pocket.0,
                    education: rigid.education.0,
                    disaster_loss: rigid.disaster_loss.0,
                    accident_loss: rigid.accident_loss.0,
                },
                housing: Housing {
                    safety_grade: self.housing.safety_grade.0,
                    renovated: self.housing.renovated,
                    geohazard_zone: self.housing.geohazard_zone,
                },
                water: Water {
                    litres_per_person_day: water.litres_per_person_day.0,
                    water_scarce_area: water.water_scarce_area,
                    quality_ok: water.quality_ok,
                    fetch_minutes: water.fetch_minutes.0,
                    interruption_days: water.interruption_days.0 as u16,
                },
                food_clothing_secure: self.food_clothing_secure,
                extension,
            },
        })
    }
}

/// An optional field that, when present, may not be `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A JSON string of `MIN..=MAX` characters, kept.
struct Text<const MIN: usize, const MAX: usize>(String);

impl<'de, const MIN: usize, const MAX: usize> Deserialize<'de> for Text<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if within::<MIN, MAX>(&s) { Ok(Text(s)) } else { Err(de::Error::custom("string length")) }
    }
}

/// A JSON string of `MIN..=MAX` characters, checked and dropped.
struct Checked<const MIN: usize, const MAX: usize>;

impl<'de, const MIN: usize, const MAX: usize> Deserialize<'de> for Checked<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const MIN: usize, const MAX: usize>;
        impl<const MIN: usize, const MAX: usize> Visitor<'_> for V<MIN, MAX> {
            type Value = Checked<MIN, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a string of {MIN} to {MAX} characters")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if within::<MIN, MAX>(s) { Ok(Checked) } else { Err(E::custom("string length")) }
            }
        }
        d.deserialize_str(V::<MIN, MAX>)
    }
}

/// `minLength`/`maxLength` count characters (code points), not bytes.
fn within<const MIN: usize, const MAX: usize>(s: &str) -> bool {
    // Bytes bound characters from above: most strings need no count.
    if s.len() < MIN {
        return false;
    }
    s.len() <= MAX || (MIN..=MAX).contains(&s.chars().count())
}

/// `schema_version`: the string `"1"`.
struct SchemaVersion;

impl<'de> Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SchemaVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the string \"1\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<SchemaVersion, E> {
                if s == "1" { Ok(SchemaVersion) } else { Err(E::custom("schema version")) }
            }
        }
        d.deserialize_str(V)
    }
}

/// A six-digit district code: its text and its number.
struct DistrictCode(String, u32);

impl<'de> Deserialize<'de> for DistrictCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let number = district_number(&s).ok_or_else(|| de::Error::custom("district code"))?;
        Ok(DistrictCode(s, number))
    }
}

/// `^[0-9]{6}$`, as a number.
fn district_number(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    (b.len() == 6 && b.iter().all(u8::is_ascii_digit))
        .then(|| b.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')))
}

/// An enum of the contract, by its exact JSON name.
struct Name<T>(T);

/// The contract enums, by their JSON names.
trait Named: Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
}

macro_rules! named {
    ($($t:ty),+) => {$(
        impl Named for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    )+};
}

named!(PovertyStatus, Relation, Sex, Health, LaborCapacity, Insurance, EmploymentLocation, SafetyGrade);

impl<'de, T: Named> Deserialize<'de> for Name<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: Named> Visitor<'_> for V<T> {
            type Value = Name<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("one of the contract's names")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                T::ALL.iter().find(|v| v.name() == s).map(|&v| Name(v)).ok_or_else(|| E::custom("not in the enum"))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A JSON integer in `MIN..=MAX` (a float such as `3.0` is refused here:
/// the typed household cannot hold it, so the full path refuses it too).
struct Whole<const MIN: u64, const MAX: u64>(u64);

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Whole<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        if (MIN..=MAX).contains(&n) { Ok(Whole(n)) } else { Err(de::Error::custom("out of range")) }
    }
}

/// A required field that may be `null` (but not absent).
struct Nullable<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Nullable<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Nullable(None))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                T::deserialize(de::value::U64Deserializer::<E>::new(n)).map(|v| Nullable(Some(v)))
            }
        }
        // `deserialize_any`, not `deserialize_option`: a missing field is
        // an error, not `None`.
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON number within the schema's bounds, as `f64`.
macro_rules! number {
    ($($(#[$meta:meta])* $name:ident: $min:expr, $max:expr;)+) => {$(
        $(#[$meta])*
        struct $name(f64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = f64::deserialize(d)?;
                if ($min..=$max).contains(&n) { Ok($name(n)) } else { Err(de::Error::custom("out of range")) }
            }
        }
    )+};
}

number! {
    /// `#/$defs/amount`: yuan, non-negative.
    Amount: 0.0, 1e9;
    /// `income.operating_net`: may be negative.
    Signed: -1e9, 1e9;
    /// `water.litres_per_person_day`.
    Litres: 0.0, 1e4;
    /// `water.fetch_minutes`.
    Minutes: 0.0, 1440.0;
}

/// `extensions`: keys are district codes, values any JSON (no repeated key
/// at any depth).
struct Extensions(Map<String, Value>);

impl<'de> Deserialize<'de> for Extensions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Extensions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by district code")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extensions, A::Error> {
                let mut entries = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if district_number(&key).is_none() || entries.contains_key(&key) {
                        // Drain nothing more: the line is refused anyway.
                        return Err(de::Error::custom("extension key"));
                    }
                    let value = map.next_value_seed(crate::strict_json::Strict)?;
                    entries.insert(key, value);
                }
                Ok(Extensions(entries))
            }
        }
        d.deserialize_map(V)
    }
}
