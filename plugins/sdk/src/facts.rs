//! Figures every rule needs, computed once per household: residents, ages,
//! incomes and rigid expenditure, following the brief's definitions.

use crate::types::{Date, Derived, Household, Member};

/// A household seen at a date, with its derived figures.
#[derive(Debug)]
pub struct Facts<'a> {
    pub household: &'a Household,
    pub as_of: Date,
    /// Age in full years of each member at `as_of`, by member index.
    pub ages: Vec<i32>,
    pub derived: Derived,
}

impl<'a> Facts<'a> {
    /// Derives the figures; `None` when the household has no resident (the
    /// schema forbids that, so the host never sends one).
    pub fn new(household: &'a Household, as_of: Date) -> Option<Facts<'a>> {
        let residents = household.members.iter().filter(|m| m.resident).count();
        if residents == 0 {
            return None;
        }
        let net_income = net_income(household);
        let rigid = rigid_expenditure(household);
        let residents = u32::try_from(residents).ok()?;
        Some(Facts {
            household,
            as_of,
            ages: household.members.iter().map(|m| m.birth_date.age_on(as_of)).collect(),
            derived: Derived {
                residents,
                net_income,
                per_capita_income: net_income / f64::from(residents),
                rigid_expenditure: rigid,
            },
        })
    }

    /// Residents (members living in the household), with their index.
    pub fn residents(&self) -> impl Iterator<Item = (u32, &'a Member)> + '_ {
        self.members().filter(|(_, m)| m.resident)
    }

    /// Every member with its index.
    pub fn members(&self) -> impl Iterator<Item = (u32, &'a Member)> + '_ {
        let members: &'a [Member] = &self.household.members;
        (0u32..).zip(members.iter())
    }

    /// Age in full years of member `index` at `as_of`.
    pub fn age(&self, index: u32) -> i32 {
        self.ages.get(index as usize).copied().unwrap_or_default()
    }

    /// Days lived by member `index` at `as_of`.
    pub fn days_old(&self, index: u32) -> i64 {
        self.household.members.get(index as usize).map_or(0, |m| m.birth_date.days_until(self.as_of))
    }

    pub fn residents_f64(&self) -> f64 {
        f64::from(self.derived.residents)
    }
}

/// wage + operating_net + property + transfer.
pub fn net_income(h: &Household) -> f64 {
    h.income.wage + h.income.operating_net + h.income.property + h.income.transfer
}

/// The sum of rigid expenditure.
pub fn rigid_expenditure(h: &Household) -> f64 {
    let r = &h.rigid_expenditure;
    r.medical_out_of_pocket + r.education + r.disaster_loss + r.accident_loss
}
