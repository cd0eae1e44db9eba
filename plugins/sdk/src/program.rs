//! The baseline's programmes as a type: a district plugin finds and changes
//! a decision by programme instead of matching its code string.

use crate::baseline::codes;
use crate::types::{Decision, Evaluation};

/// The baseline's programmes, for typed access to their decisions
/// ([`Evaluation::decision_mut`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    /// 农村低保.
    Dibao,
    /// 特困供养.
    Tekun,
    /// 医疗保障倾斜.
    MedicalTilt,
    /// 危房改造.
    HousingRenovation,
    /// 就业帮扶.
    EmploymentSupport,
    /// 城乡居民养老保险代缴: one decision per level (full, partial).
    PensionSubsidy,
}

impl Program {
    /// The stable code of the programme's decisions.
    pub fn code(self) -> &'static str {
        match self {
            Program::Dibao => codes::DIBAO,
            Program::Tekun => codes::TEKUN,
            Program::MedicalTilt => codes::MEDICAL_TILT,
            Program::HousingRenovation => codes::HOUSING_RENOVATION,
            Program::EmploymentSupport => codes::EMPLOYMENT_SUPPORT,
            Program::PensionSubsidy => codes::PENSION_SUBSIDY,
        }
    }
}

impl Evaluation {
    /// The decision on `program` (the first, for a programme with several).
    pub fn decision(&self, program: Program) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.program == program.code())
    }

    /// The decision on `program` to change (the first, for a programme with
    /// several: see [`decisions_on_mut`](Evaluation::decisions_on_mut)).
    pub fn decision_mut(&mut self, program: Program) -> Option<&mut Decision> {
        self.decisions_on_mut(program).next()
    }

    /// Every decision on `program`, to change: the pension subsidy has one
    /// per level.
    pub fn decisions_on_mut(&mut self, program: Program) -> impl Iterator<Item = &mut Decision> {
        self.decisions.iter_mut().filter(move |d| d.program == program.code())
    }
}
