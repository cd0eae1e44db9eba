//! A generated household's circumstances: income, rigid expenditure,
//! housing and drinking water, drawn to sit plausibly around the lines.

use rulehost_sdk::{
    EmploymentLocation, Health, Housing, Income, Insurance, LaborCapacity, RigidExpenditure, SafetyGrade, Water,
};

use super::people::Member;
use super::rng::Rng;

/// This year's income by source and the previous year's total. The
/// per-capita level is drawn first, from bands placed around the dibao and
/// monitoring lines, then split into sources the members can explain.
pub(super) fn income(rng: &mut Rng, members: &[Member], lifted: bool) -> (Income, f64) {
    let residents = members.iter().filter(|m| m.resident).count() as f64;
    let vulnerable = !members.iter().any(|m| m.resident && m.labor_capacity == LaborCapacity::Full)
        || members.iter().any(|m| m.health == Health::SeriousIllness || matches!(m.disability_grade, Some(1 | 2)));
    let workers = members.iter().any(|m| m.employment.months > 0);
    let outside = members.iter().any(|m| m.employment.location == EmploymentLocation::Outside);

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
pub(super) fn rigid(rng: &mut Rng, members: &mut [Member], lifted: bool, previous: f64) -> RigidExpenditure {
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
    RigidExpenditure {
        medical_out_of_pocket: yuan(medical),
        education: yuan(education),
        disaster_loss: yuan(disaster),
        accident_loss: yuan(accident),
    }
}

pub(super) fn housing(rng: &mut Rng, district: &str, key: bool, lifted: bool) -> Housing {
    let safety_grade =
        rng.weighted(&[(SafetyGrade::A, 680), (SafetyGrade::B, 280), (SafetyGrade::C, 28), (SafetyGrade::D, 12)]);
    let renovated = match safety_grade {
        SafetyGrade::C | SafetyGrade::D => rng.chance(if lifted { 0.6 } else { 0.35 }),
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

pub(super) fn water(rng: &mut Rng, key: bool) -> Water {
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
        fetch_minutes: f64::from(fetch_minutes),
        interruption_days: u16::try_from(interruption_days).unwrap_or(u16::MAX),
    }
}

/// Rounds to the fen; never negative zero.
pub(super) fn yuan(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}
