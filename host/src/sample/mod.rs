//! Synthetic populations for `rulehost sample`: a deterministic generator
//! of plausible rural households in Chongqing's districts, one JSON Lines
//! record each, matching the household schema.

mod circumstances;
mod people;
mod rng;

use std::io::{self, Write};
use std::ops::Range;

use rulehost_input::HouseholdDoc;
use rulehost_sdk::{Date, PovertyStatus};

use crate::districts::{DISTRICTS, District};
use circumstances::{housing, income, rigid, water};
use people::{Member, member, people, settle};
use rng::Rng;

/// Over-representation of the 14 national key districts/counties in the
/// sample, so that their rules see more households.
const KEY_WEIGHT: u32 = 3;

/// A district's sampling weight: its rural population, over-represented
/// for the national key districts.
fn weight(d: &District) -> u32 {
    d.rural_thousands * if d.national_key { KEY_WEIGHT } else { 1 }
}

/// The survey month every generated household is dated in (day 1-30).
const SURVEY_YEAR: u16 = 2024;
const SURVEY_MONTH: u8 = 6;

/// Writes `households` households for `seed`, one JSON object per line,
/// streaming (one household in memory at a time).
///
/// Household `i` is drawn from its own generator, seeded from `(seed, i)`
/// alone: the output is byte-identical for the same arguments on every
/// machine, a longer run starts with exactly a shorter one, and any slice can
/// be generated on its own ([`write_sample_range`]).
pub fn write_sample(households: u64, seed: u64, out: &mut impl Write) -> io::Result<()> {
    write_sample_range(0..households, seed, out)
}

/// Households `range` of the population of `seed`, as documents: what
/// [`write_sample_range`] writes, for writers of other layouts.
pub fn sample_docs(range: Range<u64>, seed: u64) -> impl Iterator<Item = HouseholdDoc> {
    range.map(move |index| household(seed, index).doc)
}

/// Writes households `range` of the population of `seed`: the same lines
/// as that slice of a [`write_sample`] run, so work can be split.
pub fn write_sample_range(range: Range<u64>, seed: u64, out: &mut impl Write) -> io::Result<()> {
    for index in range {
        serde_json::to_writer(&mut *out, &household(seed, index).doc)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

// ------------------------------------------------------------- households

/// Household make-up, with weights in percent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 独居老人: one person aged 62+.
    ElderlyAlone,
    /// 老年夫妇, sometimes with an adult child registered but working away.
    ElderlyCouple,
    /// One adult of working age.
    SingleAdult,
    /// A couple without children in the household.
    Couple,
    /// Parents (or a single parent) and 1-3 children.
    Nuclear,
    /// Head, spouse, children and the head's parents.
    ThreeGenerations,
    /// 隔代: grandparents heading the household, grandchildren left behind,
    /// their parents mostly working outside.
    SkipGeneration,
}

const KINDS: &[(Kind, u32)] = &[
    (Kind::ElderlyAlone, 8),
    (Kind::ElderlyCouple, 10),
    (Kind::SingleAdult, 4),
    (Kind::Couple, 6),
    (Kind::Nuclear, 36),
    (Kind::ThreeGenerations, 20),
    (Kind::SkipGeneration, 16),
];

const LIFTED_YEARS: &[(u16, u32)] = &[(2014, 8), (2015, 14), (2016, 20), (2017, 20), (2018, 16), (2019, 14), (2020, 8)];

const MAX_MEMBERS: usize = 7;

/// A generated household: the document as written, and each member's age
/// in full years on the survey date (for the generator's own tests).
#[derive(Debug)]
struct Generated {
    doc: HouseholdDoc,
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests only"))]
    ages: Vec<u32>,
}

impl std::ops::Deref for Generated {
    type Target = HouseholdDoc;
    fn deref(&self) -> &HouseholdDoc {
        &self.doc
    }
}

fn household(seed: u64, index: u64) -> Generated {
    let mut rng = Rng::for_household(seed, index);
    let District { code: district, national_key: key, .. } = *pick_district(&mut rng);
    let lifted = rng.chance(if key { 0.40 } else { 0.24 });
    let lifted_year = if lifted { Some(rng.weighted(LIFTED_YEARS)) } else { None };
    let survey = Date { year: SURVEY_YEAR, month: SURVEY_MONTH, day: rng.between(1, 30) as u8 };
    let township = format!("乡镇{:02}", rng.between(1, 30));
    let village = format!("村{:03}", rng.between(1, 200));

    let kind = rng.weighted(KINDS);
    let (people, orphaned) = people(&mut rng, kind);
    let mut members: Vec<Member> =
        people.iter().enumerate().map(|(i, p)| member(&mut rng, i, p, lifted, survey)).collect();
    settle(&mut rng, &mut members, orphaned);

    let (income, previous_year_income) = income(&mut rng, &members, lifted);
    let rigid_expenditure = rigid(&mut rng, &mut members, lifted, previous_year_income);
    let housing = housing(&mut rng, district, key, lifted);
    let water = water(&mut rng, key);
    let food_clothing_secure = !rng.chance(0.005);

    let ages = members.iter().map(|m| m.age).collect();
    let doc = HouseholdDoc {
        schema_version: "1".to_owned(),
        household_id: format!("{district}-{seed:x}-{index:08}"),
        district_code: district.to_owned(),
        township: Some(township),
        village: Some(village),
        survey_date: survey,
        poverty_status: if lifted { PovertyStatus::Lifted } else { PovertyStatus::General },
        lifted_year,
        members: members.into_iter().map(|m| m.doc).collect(),
        income,
        previous_year_income,
        rigid_expenditure,
        housing,
        water,
        food_clothing_secure,
        extensions: None,
    };
    Generated { doc, ages }
}

/// A district code, with probability proportional to its weight.
fn pick_district(rng: &mut Rng) -> &'static District {
    let total = DISTRICTS.iter().map(weight).sum();
    let mut r = rng.below(total);
    for d in DISTRICTS {
        if r < weight(d) {
            return d;
        }
        r -= weight(d);
    }
    &DISTRICTS[DISTRICTS.len() - 1]
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use rulehost_sdk::{EmploymentLocation, LaborCapacity, Relation};

    use super::*;
    use crate::HouseholdReader;

    fn sample(households: u64, seed: u64) -> String {
        let mut out = Vec::new();
        write_sample(households, seed, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_household_matches_the_schema() {
        let reader = HouseholdReader::new().unwrap();
        let text = sample(2000, 7);
        let mut ids = HashSet::new();
        let mut lines = 0;
        for (i, line) in text.lines().enumerate() {
            let parsed = reader.read(line).unwrap_or_else(|f| panic!("household {i} is invalid: {f:?}\n{line}"));
            assert!(ids.insert(parsed.household_id.clone()), "duplicate id {}", parsed.household_id);
            assert!(!line.contains("e-") && !line.contains("e+") && !line.contains("-0.0,"), "{line}");
            lines += 1;
        }
        assert_eq!(lines, 2000);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn output_is_deterministic_and_prefix_stable() {
        let long = sample(300, 42);
        assert_eq!(long, sample(300, 42));
        let short = sample(120, 42);
        assert!(long.starts_with(&short));
        let mut tail = Vec::new();
        write_sample_range(120..300, 42, &mut tail).unwrap();
        assert_eq!(format!("{short}{}", String::from_utf8(tail).unwrap()), long);
        assert_ne!(long, sample(300, 43));
        assert_eq!(sample(0, 42), "");
    }

    /// Pins the generator: a change here changes every population ever
    /// generated from a seed, so it must be deliberate.
    #[test]
    fn output_is_pinned() {
        let text = sample(200, 2024);
        assert_eq!(
            crate::sha256_hex(text.as_bytes()),
            "f75aca486d5ed85835d35f4da859f1aca28c178449244f8930e9ae4735dc3936"
        );
    }

    #[test]
    fn every_district_appears_and_key_districts_are_over_represented() {
        assert_eq!(DISTRICTS.len(), 38);
        assert_eq!(DISTRICTS.iter().map(|d| d.code).collect::<HashSet<_>>().len(), 38);
        assert_eq!(DISTRICTS.iter().filter(|d| d.code.starts_with("5001")).count(), 26);
        let key_districts: Vec<&str> = DISTRICTS.iter().filter(|d| d.national_key).map(|d| d.code).collect();
        assert_eq!(key_districts.len(), 14);
        let n = 20_000;
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for i in 0..n {
            *counts.entry(household(1, i).doc.district_code).or_default() += 1;
        }
        for District { code, name, .. } in DISTRICTS {
            assert!(counts.get(*code).is_some_and(|&c| c > 0), "{code} {name} never drawn");
        }
        let key: u32 = key_districts.iter().map(|k| counts[*k]).sum();
        let share = f64::from(key) / n as f64;
        let by_count = key_districts.len() as f64 / DISTRICTS.len() as f64;
        assert!(share > by_count * 1.5, "key districts hold {share:.3}, by count {by_count:.3}");
    }

    #[test]
    fn shares_are_plausible() {
        let n = 10_000;
        let (mut lifted, mut below_monitoring, mut below_dibao, mut hardship, mut members) = (0, 0, 0, 0, 0);
        for i in 0..n {
            let h = household(11, i);
            let residents = h.members.iter().filter(|m| m.resident).count() as f64;
            let net = h.income.wage + h.income.operating_net + h.income.property + h.income.transfer;
            let r = &h.rigid_expenditure;
            let rigid = r.medical_out_of_pocket + r.education + r.disaster_loss + r.accident_loss;
            let prev = h.previous_year_income;
            lifted += u32::from(h.poverty_status == PovertyStatus::Lifted);
            below_monitoring += u32::from(net / residents < 6900.0);
            below_dibao += u32::from(net / residents < 6000.0);
            hardship += u32::from(
                net / residents >= 6900.0
                    && (rigid >= 0.5 * prev || net < 0.5 * prev)
                    && (net - rigid) / residents < 6900.0,
            );
            members += h.members.len();
        }
        let share = |count: u32| f64::from(count) / n as f64;
        assert!((0.30..0.40).contains(&share(lifted)), "lifted {}", share(lifted));
        assert!((0.05..0.10).contains(&share(below_monitoring)), "below 6900 {}", share(below_monitoring));
        assert!((0.02..0.04).contains(&share(below_dibao)), "below 6000 {}", share(below_dibao));
        assert!((0.01..0.06).contains(&share(hardship)), "sudden hardship {}", share(hardship));
        let size = members as f64 / n as f64;
        assert!((3.0..4.2).contains(&size), "mean size {size}");
    }

    #[test]
    fn members_are_consistent() {
        for i in 0..3000 {
            let h = household(5, i);
            assert!((1..=MAX_MEMBERS).contains(&h.members.len()));
            assert_eq!(h.members.iter().filter(|m| m.relation == Relation::Head).count(), 1);
            assert!(h.members.iter().any(|m| m.resident));
            for (m, &age) in h.members.iter().zip(&h.ages) {
                assert_eq!(m.birth_date.age_on(h.survey_date), age as i32, "{}", h.household_id);
                assert!(!(m.enrolled_in_school && m.home_schooled));
                if age < 16 {
                    assert!(m.labor_capacity == LaborCapacity::None && m.employment.months == 0);
                }
                assert_eq!(m.employment.months == 0, m.employment.location == EmploymentLocation::None);
            }
        }
    }
}
