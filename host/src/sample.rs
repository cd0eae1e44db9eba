//! Synthetic populations for `rulehost sample`: the table of Chongqing's 38
//! districts and counties, and a deterministic generator of plausible rural
//! households, one JSON Lines record each, matching the household schema.

use std::io::{self, Write};
use std::ops::Range;

use rulehost_sdk::Date;
use serde::Serialize;

/// Over-representation of the 14 national key districts/counties (国家乡村振兴
/// 重点帮扶区县) in [`DISTRICTS`], so that their rules see more households.
const KEY_WEIGHT: u32 = 3;

/// All 38 districts (区) and counties (县, 自治县) of Chongqing, as
/// (code, name, relative sampling weight). Weights are rough rural
/// populations in thousands (illustrative, not official), multiplied by
/// [`KEY_WEIGHT`] for the [`KEY_DISTRICTS`]; the six central urban districts
/// are small but non-zero.
pub const DISTRICTS: &[(&str, &str, u32)] = &[
    ("500101", "万州区", 700 * KEY_WEIGHT),
    ("500102", "涪陵区", 450),
    ("500103", "渝中区", 20),
    ("500104", "大渡口区", 30),
    ("500105", "江北区", 40),
    ("500106", "沙坪坝区", 40),
    ("500107", "九龙坡区", 60),
    ("500108", "南岸区", 40),
    ("500109", "北碚区", 150),
    ("500110", "綦江区", 500),
    ("500111", "大足区", 500),
    ("500112", "渝北区", 250),
    ("500113", "巴南区", 300),
    ("500114", "黔江区", 300 * KEY_WEIGHT),
    ("500115", "长寿区", 400),
    ("500116", "江津区", 650),
    ("500117", "合川区", 700),
    ("500118", "永川区", 500),
    ("500119", "南川区", 350),
    ("500120", "璧山区", 250),
    ("500151", "铜梁区", 400),
    ("500152", "潼南区", 500),
    ("500153", "荣昌区", 400),
    ("500154", "开州区", 800 * KEY_WEIGHT),
    ("500155", "梁平区", 450),
    ("500156", "武隆区", 220 * KEY_WEIGHT),
    ("500229", "城口县", 120 * KEY_WEIGHT),
    ("500230", "丰都县", 450 * KEY_WEIGHT),
    ("500231", "垫江县", 480),
    ("500233", "忠县", 500),
    ("500235", "云阳县", 650 * KEY_WEIGHT),
    ("500236", "奉节县", 550 * KEY_WEIGHT),
    ("500237", "巫山县", 350 * KEY_WEIGHT),
    ("500238", "巫溪县", 280 * KEY_WEIGHT),
    ("500240", "石柱土家族自治县", 300 * KEY_WEIGHT),
    ("500241", "秀山土家族苗族自治县", 360 * KEY_WEIGHT),
    ("500242", "酉阳土家族苗族自治县", 480 * KEY_WEIGHT),
    ("500243", "彭水苗族土家族自治县", 400 * KEY_WEIGHT),
];

/// The Chinese name of a district of Chongqing, from its code.
pub fn district_name(code: &str) -> Option<&'static str> {
    DISTRICTS.iter().find(|d| d.0 == code).map(|d| d.1)
}

/// Codes of the 14 national key districts/counties.
pub const KEY_DISTRICTS: &[&str] = &[
    "500101", "500114", "500154", "500156", "500229", "500230", "500235", "500236", "500237", "500238", "500240",
    "500241", "500242", "500243",
];

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

/// Writes households `range` of the population of `seed`: the same lines
/// as that slice of a [`write_sample`] run, so work can be split.
pub fn write_sample_range(range: Range<u64>, seed: u64, out: &mut impl Write) -> io::Result<()> {
    for index in range {
        serde_json::to_writer(&mut *out, &household(seed, index))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

// ---------------------------------------------------------------- generator

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 output function (a bijection of u64).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood, 2014) with the few draws we need.
///
/// Hand-written rather than `rand`/`rand_chacha`: the output is fixed by
/// these few lines, so it cannot change with a dependency upgrade (the
/// `rand` crates allow themselves to change how values are sampled between
/// versions), and it adds no dependency. Everything drawn from it uses only
/// integer arithmetic and exactly rounded float operations (+, -, *, /,
/// `round`, `min`, `max`), never `ln`, `exp` or `powf`, whose last bit
/// differs between platform maths libraries. SplitMix64 passes BigCrush,
/// which is plenty for test data; nothing here needs to be unpredictable.
struct Rng(u64);

impl Rng {
    /// Household `index`'s generator: seeded with output `index` of a
    /// SplitMix64 stream seeded by `mix(seed)`, reached in O(1).
    fn for_household(seed: u64, index: u64) -> Rng {
        Rng(mix(mix(seed).wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA))))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        mix(self.0)
    }

    /// Uniform in [0, 1), 53 random bits (exact conversion).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (multiply-high; bias below 2^-32 for our small n).
    fn below(&mut self, n: u32) -> u32 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u32
    }

    /// Uniform in lo..=hi.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of `table`, with probability proportional to its weight.
    fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total = table.iter().map(|&(_, w)| w).sum();
        let mut r = self.below(total);
        for &(item, w) in table {
            if r < w {
                return item;
            }
            r -= w;
        }
        table[table.len() - 1].0
    }
}

// ------------------------------------------------------------- JSON shape

/// One household, fields in the order of `schemas/household.schema.json`.
#[derive(Serialize)]
struct Household {
    schema_version: &'static str,
    household_id: String,
    district_code: &'static str,
    township: String,
    village: String,
    survey_date: Date,
    poverty_status: &'static str,
    lifted_year: Option<u16>,
    members: Vec<Member>,
    income: Income,
    previous_year_income: f64,
    rigid_expenditure: Rigid,
    housing: Housing,
    water: Water,
    food_clothing_secure: bool,
}

#[derive(Serialize)]
struct Member {
    member_id: String,
    relation: Relation,
    birth_date: Date,
    sex: Sex,
    resident: bool,
    health: Health,
    disability_grade: Option<u8>,
    labor_capacity: Labor,
    enrolled_in_school: bool,
    home_schooled: bool,
    medical_insurance: Insurance,
    pension_insurance: Insurance,
    employment: Employment,
    has_legal_supporter: bool,
    /// Full years on the survey date (not part of the contract).
    #[serde(skip)]
    age: u32,
}

#[derive(Serialize)]
struct Employment {
    months: u32,
    location: Location,
}

#[derive(Serialize)]
struct Income {
    wage: f64,
    operating_net: f64,
    property: f64,
    transfer: f64,
}

#[derive(Serialize)]
struct Rigid {
    medical_out_of_pocket: f64,
    education: f64,
    disaster_loss: f64,
    accident_loss: f64,
}

#[derive(Serialize)]
struct Housing {
    safety_grade: Grade,
    renovated: bool,
    geohazard_zone: bool,
}

#[derive(Serialize)]
struct Water {
    litres_per_person_day: f64,
    water_scarce_area: bool,
    quality_ok: bool,
    fetch_minutes: u32,
    interruption_days: u32,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Relation {
    Head,
    Spouse,
    Child,
    Parent,
    Grandchild,
    Sibling,
    Other,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Sex {
    Male,
    Female,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Health {
    Healthy,
    ChronicIllness,
    SeriousIllness,
}

/// Ordered from least to most capacity.
#[derive(Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
enum Labor {
    #[serde(rename = "none")]
    NoCapacity,
    Partial,
    Full,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Insurance {
    Resident,
    Employee,
    #[serde(rename = "none")]
    Uninsured,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Location {
    Local,
    Outside,
    #[serde(rename = "none")]
    Nowhere,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
enum Grade {
    A,
    B,
    C,
    D,
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

/// A member before attributes: who, how old, and whether they are of the
/// generation that typically works outside (外出务工).
#[derive(Clone, Copy)]
struct Person {
    relation: Relation,
    age: u32,
    male: bool,
    migrant: bool,
}

fn household(seed: u64, index: u64) -> Household {
    let mut rng = Rng::for_household(seed, index);
    let district = pick_district(&mut rng);
    let key = KEY_DISTRICTS.contains(&district);
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

    Household {
        schema_version: "1",
        household_id: format!("{district}-{seed:x}-{index:08}"),
        district_code: district,
        township,
        village,
        survey_date: survey,
        poverty_status: if lifted { "lifted" } else { "general" },
        lifted_year,
        members,
        income,
        previous_year_income,
        rigid_expenditure,
        housing,
        water,
        food_clothing_secure,
    }
}

/// A district code, with probability proportional to its weight.
fn pick_district(rng: &mut Rng) -> &'static str {
    let total = DISTRICTS.iter().map(|&(_, _, w)| w).sum();
    let mut r = rng.below(total);
    for &(code, _, w) in DISTRICTS {
        if r < w {
            return code;
        }
        r -= w;
    }
    DISTRICTS[DISTRICTS.len() - 1].0
}

/// Who lives in (or is registered with) the household; also whether the
/// children's parents are gone (skip-generation household without them).
fn people(rng: &mut Rng, kind: Kind) -> (Vec<Person>, bool) {
    let mut p = Vec::with_capacity(MAX_MEMBERS);
    let person = |relation, age, male| Person { relation, age, male, migrant: false };
    let mut orphaned = false;
    match kind {
        Kind::ElderlyAlone => {
            let age = 62 + rng.below(16) + rng.below(15);
            p.push(person(Relation::Head, age, rng.chance(0.45)));
        }
        Kind::ElderlyCouple => {
            let age = 60 + rng.below(14) + rng.below(13);
            let male = rng.chance(0.85);
            p.push(person(Relation::Head, age, male));
            p.push(person(Relation::Spouse, spouse_age(rng, age, male).max(55), !male));
            if rng.chance(0.25) {
                let child = age.saturating_sub(24 + rng.below(10)).max(20);
                p.push(Person { migrant: true, ..person(Relation::Child, child, rng.chance(0.55)) });
            }
        }
        Kind::SingleAdult => {
            let age = 25 + rng.below(20) + rng.below(20);
            p.push(person(Relation::Head, age, rng.chance(0.7)));
        }
        Kind::Couple => {
            // Young couples, and older ones whose children have left.
            let age = if rng.chance(0.4) { 23 + rng.below(12) } else { 45 + rng.below(20) };
            let male = rng.chance(0.85);
            p.push(person(Relation::Head, age, male));
            p.push(person(Relation::Spouse, spouse_age(rng, age, male).max(20), !male));
        }
        Kind::Nuclear | Kind::ThreeGenerations => {
            let age = if kind == Kind::Nuclear {
                26 + rng.below(19) + rng.below(18)
            } else {
                28 + rng.below(18) + rng.below(17)
            };
            let male = rng.chance(0.88);
            p.push(person(Relation::Head, age, male));
            if rng.chance(0.92) {
                p.push(person(Relation::Spouse, spouse_age(rng, age, male).max(20), !male));
            }
            if kind == Kind::ThreeGenerations {
                let father = (age + 24 + rng.below(9)).min(96);
                let mother = father.saturating_sub(rng.below(5)).max(age + 20);
                // Both parents, the father only or the mother only.
                let which = rng.weighted(&[(0u8, 45), (1, 20), (2, 35)]);
                if which != 2 {
                    p.push(person(Relation::Parent, father, true));
                }
                if which != 1 {
                    p.push(person(Relation::Parent, mother, false));
                }
            }
            let count = rng.weighted(&[(1u32, 40), (2, 45), (3, 15)]);
            let eldest = match age.checked_sub(21 + rng.below(10)) {
                Some(eldest) => eldest.min(32),
                None => rng.below(4),
            };
            children(rng, &mut p, Relation::Child, eldest, count);
        }
        Kind::SkipGeneration => {
            let age = 55 + rng.below(14) + rng.below(13);
            let male = rng.chance(0.8);
            p.push(person(Relation::Head, age, male));
            if rng.chance(0.8) {
                p.push(person(Relation::Spouse, spouse_age(rng, age, male).max(50), !male));
            }
            orphaned = rng.chance(0.05);
            let mut youngest_parent = 40;
            if !orphaned {
                for _ in 0..rng.weighted(&[(1u32, 65), (2, 35)]) {
                    let child = age.saturating_sub(22 + rng.below(10)).max(20);
                    youngest_parent = youngest_parent.min(child);
                    p.push(Person { migrant: true, ..person(Relation::Child, child, rng.chance(0.55)) });
                }
                if rng.chance(0.4) {
                    // 儿媳 / 女婿, also mostly working outside.
                    let age = youngest_parent + rng.below(5);
                    p.push(Person { migrant: true, ..person(Relation::Other, age.saturating_sub(2), rng.chance(0.3)) });
                }
            }
            let count = rng.weighted(&[(1u32, 45), (2, 40), (3, 15)]);
            let eldest = 1 + rng.below(youngest_parent.saturating_sub(19).clamp(1, 17));
            children(rng, &mut p, Relation::Grandchild, eldest, count);
        }
    }
    if kind != Kind::ElderlyAlone && rng.chance(0.02) {
        // An unmarried (often disabled) brother or sister of the head.
        let age = (p[0].age + rng.below(17)).saturating_sub(8).max(16);
        p.push(person(Relation::Sibling, age, rng.chance(0.6)));
    }
    p.truncate(MAX_MEMBERS);
    (p, orphaned)
}

/// A spouse's age: usually a few years younger than a male head, older than
/// a female one.
fn spouse_age(rng: &mut Rng, head: u32, head_male: bool) -> u32 {
    let gap = rng.below(7);
    if head_male { (head + 2).saturating_sub(gap) } else { head + gap.saturating_sub(2) }
}

/// Adds `count` children, the eldest `eldest` years old, 1-6 years apart.
fn children(rng: &mut Rng, p: &mut Vec<Person>, relation: Relation, eldest: u32, count: u32) {
    let mut age = Some(eldest);
    for _ in 0..count {
        let Some(a) = age else { break };
        p.push(Person { relation, age: a, male: rng.chance(0.52), migrant: a >= 18 });
        age = a.checked_sub(1 + rng.below(6));
    }
}

/// One member's attributes, consistent with age, health and disability.
fn member(rng: &mut Rng, index: usize, p: &Person, lifted: bool, survey: Date) -> Member {
    let a = p.age;
    let birth_date = birth_date(rng, survey, a);
    let boost = if lifted { 1.3 } else { 1.0 };
    let (chronic, serious) = match a {
        0..=39 => (0.03, 0.004),
        40..=59 => (0.12, 0.015),
        60..=69 => (0.25, 0.03),
        _ => (0.38, 0.045),
    };
    let roll = rng.unit();
    let health = if roll < serious * boost {
        Health::SeriousIllness
    } else if roll < (serious + chronic) * boost {
        Health::ChronicIllness
    } else {
        Health::Healthy
    };
    let disabled = match a {
        0..=15 => 0.008,
        16..=59 => 0.013,
        _ => 0.03,
    } * if lifted { 1.5 } else { 1.0 }
        * if p.relation == Relation::Sibling { 10.0 } else { 1.0 };
    let disability_grade =
        if rng.chance(disabled) { Some(rng.weighted(&[(1u8, 15), (2, 25), (3, 30), (4, 30)])) } else { None };
    let severe = matches!(disability_grade, Some(1 | 2));

    let (enrolled_in_school, home_schooled) = match a {
        6..=15 if severe => match rng.weighted(&[(0u8, 55), (1, 40), (2, 5)]) {
            0 => (false, true), // 送教上门
            1 => (true, false), // special school
            _ => (false, false),
        },
        6..=15 => (!rng.chance(if a >= 13 { 0.012 } else { 0.004 }), false),
        16..=18 => (rng.chance(if severe { 0.2 } else { 0.82 }), false),
        19..=22 => (rng.chance(0.35), false),
        _ => (false, false),
    };

    // Pupils and students count as without labour capacity, as in the
    // registration system, so that they are not offered employment support.
    let by_age = match a {
        _ if a < 16 || enrolled_in_school => Labor::NoCapacity,
        16..=59 => Labor::Full,
        60..=64 => rng.weighted(&[(Labor::Full, 35), (Labor::Partial, 50), (Labor::NoCapacity, 15)]),
        65..=74 => rng.weighted(&[(Labor::Full, 10), (Labor::Partial, 50), (Labor::NoCapacity, 40)]),
        _ => rng.weighted(&[(Labor::Partial, 20), (Labor::NoCapacity, 80)]),
    };
    let limit = match (health, disability_grade) {
        (_, Some(1 | 2)) => Labor::NoCapacity,
        (Health::SeriousIllness, _) if rng.chance(0.5) => Labor::NoCapacity,
        (Health::SeriousIllness | Health::ChronicIllness, _) | (_, Some(3)) => Labor::Partial,
        (_, Some(4)) if rng.chance(0.5) => Labor::Partial,
        _ => Labor::Full,
    };
    let labor_capacity = by_age.min(limit);

    let (months, location) = match labor_capacity {
        Labor::NoCapacity => (0, Location::Nowhere),
        Labor::Full if a < 60 => {
            if rng.chance(if p.migrant { 0.96 } else { 0.94 }) {
                let outside = if p.migrant {
                    0.9
                } else if a < 45 {
                    0.55
                } else {
                    0.3
                };
                if rng.chance(outside) {
                    (if rng.chance(0.92) { rng.between(8, 12) } else { rng.between(2, 7) }, Location::Outside)
                } else {
                    (if rng.chance(0.9) { rng.between(6, 12) } else { rng.between(1, 5) }, Location::Local)
                }
            } else {
                (0, Location::Nowhere)
            }
        }
        Labor::Partial if a < 60 => {
            if rng.chance(0.6) {
                (rng.between(3, 10), Location::Local)
            } else {
                (0, Location::Nowhere)
            }
        }
        _ => {
            if rng.chance(0.2) {
                (rng.between(2, 10), Location::Local)
            } else {
                (0, Location::Nowhere)
            }
        }
    };
    // Most who work outside for half the year or more no longer live here.
    let resident = !(location == Location::Outside
        && months >= 6
        && rng.chance(if p.relation == Relation::Head { 0.4 } else { 0.8 }));

    let days_old = birth_date.days_until(survey);
    let medical_insurance = if (days_old < 90 && rng.chance(0.6)) || rng.chance(if lifted { 0.002 } else { 0.006 }) {
        Insurance::Uninsured
    } else if months >= 10 && rng.chance(if location == Location::Outside { 0.15 } else { 0.08 }) {
        Insurance::Employee
    } else {
        Insurance::Resident
    };
    let pension_insurance = match a {
        _ if a < 16 || enrolled_in_school => Insurance::Uninsured,
        16..=59 if medical_insurance == Insurance::Employee && rng.chance(0.85) => Insurance::Employee,
        16..=59 => rng.weighted(&[(Insurance::Resident, 78), (Insurance::Uninsured, 22)]),
        _ => {
            if rng.chance(0.92) {
                Insurance::Resident
            } else {
                Insurance::Uninsured
            }
        }
    };

    Member {
        member_id: format!("m{}", index + 1),
        relation: p.relation,
        birth_date,
        sex: if p.male { Sex::Male } else { Sex::Female },
        resident,
        health,
        disability_grade,
        labor_capacity,
        enrolled_in_school,
        home_schooled,
        medical_insurance,
        pension_insurance,
        employment: Employment { months, location },
        has_legal_supporter: true,
        age: a,
    }
}

/// Household-level consistency: someone lives here, and who has a legal
/// supporter (法定赡养、抚养、扶养人).
fn settle(rng: &mut Rng, members: &mut [Member], orphaned: bool) {
    if !members.iter().any(|m| m.resident) {
        // The head stays, working locally.
        let head = &mut members[0];
        head.resident = true;
        if head.employment.location == Location::Outside {
            head.employment.location = Location::Local;
        }
    }
    let adult_child = members.iter().any(|m| m.relation == Relation::Child && m.age >= 18);
    let alone = members.len() == 1;
    for m in members.iter_mut() {
        m.has_legal_supporter = match (m.age, m.relation) {
            (0..=17, _) => !(orphaned && rng.chance(0.3)),
            (60.., Relation::Parent) => true,
            (60.., Relation::Head | Relation::Spouse) => adult_child || rng.chance(if alone { 0.75 } else { 0.85 }),
            (60.., _) => rng.chance(0.8),
            _ if alone => rng.chance(0.7),
            _ => true,
        };
    }
}

/// This year's income by source and the previous year's total. The
/// per-capita level is drawn first, from bands placed around the dibao and
/// monitoring lines, then split into sources the members can explain.
fn income(rng: &mut Rng, members: &[Member], lifted: bool) -> (Income, f64) {
    let residents = members.iter().filter(|m| m.resident).count() as f64;
    let vulnerable = !members.iter().any(|m| m.resident && m.labor_capacity == Labor::Full)
        || members.iter().any(|m| m.health == Health::SeriousIllness || matches!(m.disability_grade, Some(1 | 2)));
    let workers = members.iter().any(|m| m.employment.months > 0);
    let outside = members.iter().any(|m| m.employment.location == Location::Outside);

    // Probabilities of the bands below the dibao line, between the dibao and
    // monitoring lines, and just above the monitoring line.
    let tilt = if vulnerable { 2.0 } else { 0.75 };
    let (deep, near, above) = if lifted { (0.03, 0.05, 0.10) } else { (0.02, 0.03, 0.07) };
    let u = rng.unit();
    let per_capita = if u < deep * tilt {
        rng.uniform(2400.0, 6000.0)
    } else if u < (deep + near) * tilt {
        rng.uniform(6000.0, 6900.0)
    } else if u < (deep + near) * tilt + above {
        rng.uniform(6900.0, 9500.0)
    } else {
        let t = (rng.unit() + rng.unit() + rng.unit()) / 3.0;
        let spread = if lifted { 15_000.0 } else { 25_000.0 };
        let level = 9500.0 + spread * t * (0.6 + 0.8 * rng.unit());
        if vulnerable { level * 0.75 } else { level }
    };
    let total = per_capita * residents;

    let mut transfer = rng.uniform(150.0, 600.0); // farming and ecological subsidies
    if lifted {
        transfer += rng.uniform(300.0, 1500.0); // industry and employment subsidies
    }
    for m in members.iter().filter(|m| m.resident) {
        if m.age >= 60 && m.pension_insurance == Insurance::Resident {
            transfer += rng.uniform(1800.0, 2600.0); // basic resident pension
        }
        if m.disability_grade.is_some() {
            transfer += rng.uniform(600.0, 1200.0); // disability allowances
        }
    }
    let transfer = transfer.min(total);
    let mut rest = total - transfer;
    let property = if rng.chance(0.12) { rng.uniform(200.0, 3000.0).min(rest * 0.3) } else { 0.0 };
    rest -= property;
    // No wage without workers (farming and sidelines only), nor from a
    // migrant who sent nothing home.
    let (wage, operating_net) = if !workers || (outside && rng.chance(0.02)) {
        (0.0, rest)
    } else if rng.chance(0.06) {
        let loss = rng.uniform(300.0, 4000.0); // a bad year for the farm or shop
        (rest + loss, -loss)
    } else {
        let wage = rest * rng.uniform(0.6, 0.95);
        (wage, rest - wage)
    };
    let income = Income {
        wage: yuan(wage),
        operating_net: yuan(operating_net),
        property: yuan(property),
        transfer: yuan(transfer),
    };

    // Usually close to this year; sometimes this year's income collapsed.
    let previous = if rng.chance(0.025) { total * rng.uniform(2.1, 3.6) } else { total * rng.uniform(0.88, 1.12) };
    (income, yuan(previous))
}

/// Rigid expenditure: small for most, a few large medical, disaster or
/// accident costs (sudden hardship). A medical shock makes someone seriously ill.
fn rigid(rng: &mut Rng, members: &mut [Member], lifted: bool, previous: f64) -> Rigid {
    let mut medical = 0.0;
    let mut education = 0.0;
    for m in members.iter() {
        medical += match m.health {
            Health::SeriousIllness => rng.uniform(3000.0, 20_000.0),
            Health::ChronicIllness if rng.chance(0.7) => rng.uniform(300.0, 3000.0),
            Health::Healthy if rng.chance(0.2) => rng.uniform(50.0, 800.0),
            _ => 0.0,
        };
        if m.enrolled_in_school {
            education += match m.age {
                0..=15 if rng.chance(0.4) => rng.uniform(100.0, 800.0),
                0..=15 => 0.0,
                16..=18 => rng.uniform(1000.0, 4000.0),
                _ => rng.uniform(3000.0, 9000.0),
            };
        }
    }
    let mut disaster = if rng.chance(0.02) { rng.uniform(500.0, 6000.0) } else { 0.0 };
    let mut accident = if rng.chance(0.008) { rng.uniform(300.0, 5000.0) } else { 0.0 };
    if rng.chance(if lifted { 0.03 } else { 0.022 }) {
        let cost = previous.max(5000.0) * rng.uniform(0.5, 1.3);
        match rng.weighted(&[(0u8, 6), (1, 3), (2, 1)]) {
            0 => {
                let who = rng.below(members.len() as u32) as usize;
                members[who].health = Health::SeriousIllness;
                medical += cost;
            }
            1 => disaster += cost,
            _ => accident += cost,
        }
    }
    Rigid {
        medical_out_of_pocket: yuan(medical),
        education: yuan(education),
        disaster_loss: yuan(disaster),
        accident_loss: yuan(accident),
    }
}

fn housing(rng: &mut Rng, district: &str, key: bool, lifted: bool) -> Housing {
    let safety_grade = rng.weighted(&[(Grade::A, 680), (Grade::B, 280), (Grade::C, 28), (Grade::D, 12)]);
    let renovated = match safety_grade {
        Grade::C | Grade::D => rng.chance(if lifted { 0.6 } else { 0.35 }),
        _ => rng.chance(if lifted { 0.3 } else { 0.06 }),
    };
    let hazard = if district == "500238" {
        0.08
    } else if key {
        0.05
    } else {
        0.02
    };
    Housing { safety_grade, renovated, geohazard_zone: rng.chance(hazard) }
}

fn water(rng: &mut Rng, key: bool) -> Water {
    let water_scarce_area = rng.chance(if key { 0.09 } else { 0.05 });
    let litres = if water_scarce_area {
        if rng.chance(0.06) { rng.uniform(10.0, 20.0) } else { rng.uniform(20.0, 80.0) }
    } else if rng.chance(0.02) {
        rng.uniform(12.0, 35.0)
    } else {
        rng.uniform(50.0, 150.0)
    };
    let fetch_minutes = if rng.chance(0.8) {
        0
    } else if rng.chance(0.95) {
        rng.between(1, 15)
    } else {
        rng.between(21, 60)
    };
    let interruption_days = if rng.chance(0.85) {
        0
    } else if rng.chance(0.96) {
        rng.between(1, 20)
    } else {
        rng.between(37, 90)
    };
    Water {
        litres_per_person_day: (litres * 10.0).round() / 10.0,
        water_scarce_area,
        quality_ok: !rng.chance(0.01),
        fetch_minutes,
        interruption_days,
    }
}

/// Rounds to the fen; never negative zero.
fn yuan(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// A birth date giving exactly `age` full years on `survey` (a June date,
/// so the same day exists in every year).
fn birth_date(rng: &mut Rng, survey: Date, age: u32) -> Date {
    let year = survey.year - age as u16;
    let latest = Date { year, ..survey }.days_since_epoch();
    let earliest = Date { year: year - 1, ..survey }.days_since_epoch() + 1;
    date_from_days(earliest + i64::from(rng.below((latest - earliest + 1) as u32)))
}

/// Inverse of `Date::days_since_epoch` (Howard Hinnant's civil_from_days).
fn date_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year: year as u16, month: month as u8, day: day as u8 }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

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
        assert_eq!(DISTRICTS.iter().map(|d| d.0).collect::<HashSet<_>>().len(), 38);
        assert_eq!(DISTRICTS.iter().filter(|d| d.0.starts_with("5001")).count(), 26);
        assert!(KEY_DISTRICTS.iter().all(|k| DISTRICTS.iter().any(|d| d.0 == *k)));
        let n = 20_000;
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for i in 0..n {
            *counts.entry(household(1, i).district_code).or_default() += 1;
        }
        for (code, name, _) in DISTRICTS {
            assert!(counts.get(code).is_some_and(|&c| c > 0), "{code} {name} never drawn");
        }
        let key: u32 = KEY_DISTRICTS.iter().map(|k| counts[k]).sum();
        let share = f64::from(key) / n as f64;
        let by_count = KEY_DISTRICTS.len() as f64 / DISTRICTS.len() as f64;
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
            lifted += u32::from(h.poverty_status == "lifted");
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
            for m in &h.members {
                assert_eq!(m.birth_date.age_on(h.survey_date), m.age as i32, "{}", h.household_id);
                assert!(!(m.enrolled_in_school && m.home_schooled));
                if m.age < 16 {
                    assert!(m.labor_capacity == Labor::NoCapacity && m.employment.months == 0);
                }
                assert_eq!(m.employment.months == 0, m.employment.location == Location::Nowhere);
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        for days in -40_000..25_000 {
            assert_eq!(date_from_days(days).days_since_epoch(), days);
        }
    }
}
