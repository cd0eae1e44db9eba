//! Who lives in a generated household, and each member's age, health,
//! schooling, insurance and work.

use rulehost_input::MemberDoc;
use rulehost_sdk::{Date, Employment, EmploymentLocation, Health, Insurance, LaborCapacity, Relation, Sex};

use super::rng::Rng;

/// A generated member: the document as written, and the member's age in
/// full years on the survey date, which the rest of the generator reads.
#[derive(Debug)]
pub(super) struct Member {
    pub(super) doc: MemberDoc,
    pub(super) age: u32,
}

impl std::ops::Deref for Member {
    type Target = MemberDoc;
    fn deref(&self) -> &MemberDoc {
        &self.doc
    }
}

impl std::ops::DerefMut for Member {
    fn deref_mut(&mut self) -> &mut MemberDoc {
        &mut self.doc
    }
}
use super::{Kind, MAX_MEMBERS};

/// A member before attributes: who, how old, and whether they are of the
/// generation that typically works outside (外出务工).
#[derive(Clone, Copy)]
pub(super) struct Person {
    relation: Relation,
    age: u32,
    male: bool,
    migrant: bool,
}

/// Who lives in (or is registered with) the household; also whether the
/// children's parents are gone (skip-generation household without them).
pub(super) fn people(rng: &mut Rng, kind: Kind) -> (Vec<Person>, bool) {
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
pub(super) fn spouse_age(rng: &mut Rng, head: u32, head_male: bool) -> u32 {
    let gap = rng.below(7);
    if head_male { (head + 2).saturating_sub(gap) } else { head + gap.saturating_sub(2) }
}

/// Adds `count` children, the eldest `eldest` years old, 1-6 years apart.
pub(super) fn children(rng: &mut Rng, p: &mut Vec<Person>, relation: Relation, eldest: u32, count: u32) {
    let mut age = Some(eldest);
    for _ in 0..count {
        let Some(a) = age else { break };
        p.push(Person { relation, age: a, male: rng.chance(0.52), migrant: a >= 18 });
        age = a.checked_sub(1 + rng.below(6));
    }
}

/// One member's attributes, consistent with age, health and disability.
pub(super) fn member(rng: &mut Rng, index: usize, p: &Person, lifted: bool, survey: Date) -> Member {
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
        _ if a < 16 || enrolled_in_school => LaborCapacity::None,
        16..=59 => LaborCapacity::Full,
        60..=64 => rng.weighted(&[(LaborCapacity::Full, 35), (LaborCapacity::Partial, 50), (LaborCapacity::None, 15)]),
        65..=74 => rng.weighted(&[(LaborCapacity::Full, 10), (LaborCapacity::Partial, 50), (LaborCapacity::None, 40)]),
        _ => rng.weighted(&[(LaborCapacity::Partial, 20), (LaborCapacity::None, 80)]),
    };
    let limit = match (health, disability_grade) {
        (_, Some(1 | 2)) => LaborCapacity::None,
        (Health::SeriousIllness, _) if rng.chance(0.5) => LaborCapacity::None,
        (Health::SeriousIllness | Health::ChronicIllness, _) | (_, Some(3)) => LaborCapacity::Partial,
        (_, Some(4)) if rng.chance(0.5) => LaborCapacity::Partial,
        _ => LaborCapacity::Full,
    };
    // `LaborCapacity` is ordered from most to least capacity: the lower of
    // the two is the greater.
    let labor_capacity = by_age.max(limit);

    let (months, location) = match labor_capacity {
        LaborCapacity::None => (0, EmploymentLocation::None),
        LaborCapacity::Full if a < 60 => {
            if rng.chance(if p.migrant { 0.96 } else { 0.94 }) {
                let outside = if p.migrant {
                    0.9
                } else if a < 45 {
                    0.55
                } else {
                    0.3
                };
                if rng.chance(outside) {
                    (if rng.chance(0.92) { rng.between(8, 12) } else { rng.between(2, 7) }, EmploymentLocation::Outside)
                } else {
                    (if rng.chance(0.9) { rng.between(6, 12) } else { rng.between(1, 5) }, EmploymentLocation::Local)
                }
            } else {
                (0, EmploymentLocation::None)
            }
        }
        LaborCapacity::Partial if a < 60 => {
            if rng.chance(0.6) {
                (rng.between(3, 10), EmploymentLocation::Local)
            } else {
                (0, EmploymentLocation::None)
            }
        }
        _ => {
            if rng.chance(0.2) {
                (rng.between(2, 10), EmploymentLocation::Local)
            } else {
                (0, EmploymentLocation::None)
            }
        }
    };
    // Most who work outside for half the year or more no longer live here.
    let resident = !(location == EmploymentLocation::Outside
        && months >= 6
        && rng.chance(if p.relation == Relation::Head { 0.4 } else { 0.8 }));

    let days_old = birth_date.days_until(survey);
    let medical_insurance = if (days_old < 90 && rng.chance(0.6)) || rng.chance(if lifted { 0.002 } else { 0.006 }) {
        Insurance::None
    } else if months >= 10 && rng.chance(if location == EmploymentLocation::Outside { 0.15 } else { 0.08 }) {
        Insurance::Employee
    } else {
        Insurance::Resident
    };
    let pension_insurance = match a {
        _ if a < 16 || enrolled_in_school => Insurance::None,
        16..=59 if medical_insurance == Insurance::Employee && rng.chance(0.85) => Insurance::Employee,
        16..=59 => rng.weighted(&[(Insurance::Resident, 78), (Insurance::None, 22)]),
        _ => {
            if rng.chance(0.92) {
                Insurance::Resident
            } else {
                Insurance::None
            }
        }
    };

    let doc = MemberDoc {
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
        employment: Employment { months: u8::try_from(months).unwrap_or(12), location },
        has_legal_supporter: true,
    };
    Member { doc, age: a }
}

/// Household-level consistency: someone lives here, and who has a legal
/// supporter (法定赡养、抚养、扶养人).
pub(super) fn settle(rng: &mut Rng, members: &mut [Member], orphaned: bool) {
    if !members.iter().any(|m| m.resident) {
        // The head stays, working locally.
        let head = &mut members[0];
        head.resident = true;
        if head.employment.location == EmploymentLocation::Outside {
            head.employment.location = EmploymentLocation::Local;
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

/// A birth date giving exactly `age` full years on `survey` (a June date,
/// so the same day exists in every year).
pub(super) fn birth_date(rng: &mut Rng, survey: Date, age: u32) -> Date {
    let year = survey.year - age as u16;
    let latest = Date { year, ..survey }.days_since_epoch();
    let earliest = Date { year: year - 1, ..survey }.days_since_epoch() + 1;
    Date::from_days_since_epoch(earliest + i64::from(rng.below((latest - earliest + 1) as u32)))
}
