//! `Lower` for `Member`, written by hand: the host puts a household's
//! members into a plugin's memory in one pass.
//!
//! The derived `Lower` writes each of a member's eighteen scalars through
//! its own lookup of the plugin's memory (`LowerContext::get`), some ninety
//! lookups for a household of five. Here the list takes one lookup and is
//! written as plain bytes, at the offsets the canonical ABI gives each field
//! (computed below from the field types' `CanonicalAbiInfo`, the same
//! constants the derived `ComponentType` declares). `ComponentType` and
//! `Lift` stay derived, so a plugin whose `member` differs from this one is
//! still refused when its functions are typed.
//!
//! The echo tests (`tests/tests/contracts.rs`) check that a plugin sees
//! every field of every member as the host holds it.
#![expect(
    unsafe_code,
    reason = "`Lower` is an unsafe trait: what it writes must be the layout `ComponentType` declares"
)]

use core::mem::MaybeUninit;

use wasmtime::Result;
use wasmtime::component::__internal::{CanonicalAbiInfo, InterfaceType, LowerContext, bad_type_info, map_maybe_uninit};
use wasmtime::component::{ComponentType, Lower};

use super::{Date, Employment, EmploymentLocation, Health, Insurance, LaborCapacity, Member, Relation, Sex};

/// The offset of the next field of a record, after `offset`, for a field
/// of layout `abi`; moves `offset` past it.
const fn next(offset: &mut u32, abi: CanonicalAbiInfo) -> usize {
    let at = align(*offset, abi.align32);
    *offset = at + abi.size32;
    at as usize
}

const fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

/// Where each scalar of a `Member` lies within its `SIZE` bytes.
struct Layout {
    relation: usize,
    year: usize,
    month: usize,
    day: usize,
    sex: usize,
    resident: usize,
    health: usize,
    /// `option<u8>`: the case (0 none, 1 some), then the grade.
    disability_case: usize,
    disability_grade: usize,
    labor_capacity: usize,
    enrolled_in_school: usize,
    home_schooled: usize,
    medical_insurance: usize,
    pension_insurance: usize,
    employment_months: usize,
    employment_location: usize,
    has_legal_supporter: usize,
}

const SIZE: usize = <Member as ComponentType>::SIZE32;

const LAYOUT: Layout = {
    let date = {
        let mut o = 0;
        [next(&mut o, u16::ABI), next(&mut o, u8::ABI), next(&mut o, u8::ABI)]
    };
    let employment = {
        let mut o = 0;
        [next(&mut o, u8::ABI), next(&mut o, EmploymentLocation::ABI)]
    };
    let grade = {
        let mut o = 1; // after the one-byte case of an option
        next(&mut o, u8::ABI)
    };
    let mut o = 0;
    let relation = next(&mut o, Relation::ABI);
    let birth_date = next(&mut o, Date::ABI);
    let sex = next(&mut o, Sex::ABI);
    let resident = next(&mut o, bool::ABI);
    let health = next(&mut o, Health::ABI);
    let disability = next(&mut o, <Option<u8>>::ABI);
    let labor_capacity = next(&mut o, LaborCapacity::ABI);
    let enrolled_in_school = next(&mut o, bool::ABI);
    let home_schooled = next(&mut o, bool::ABI);
    let medical_insurance = next(&mut o, Insurance::ABI);
    let pension_insurance = next(&mut o, Insurance::ABI);
    let employment_at = next(&mut o, Employment::ABI);
    let has_legal_supporter = next(&mut o, bool::ABI);
    assert!(align(o, <Member as ComponentType>::ALIGN32) as usize == SIZE, "the fields fill the record");
    Layout {
        relation,
        year: birth_date + date[0],
        month: birth_date + date[1],
        day: birth_date + date[2],
        sex,
        resident,
        health,
        disability_case: disability,
        disability_grade: disability + grade,
        labor_capacity,
        enrolled_in_school,
        home_schooled,
        medical_insurance,
        pension_insurance,
        employment_months: employment_at + employment[0],
        employment_location: employment_at + employment[1],
        has_legal_supporter,
    }
};

// Every enum of a member has at most 256 cases (a one-byte case number in
// the canonical ABI) and is `repr(u8)` in declaration order, which is
// contract order: `as u8` is the case number.
const _: () = {
    assert!(Relation::ABI.size32 == 1 && Sex::ABI.size32 == 1 && Health::ABI.size32 == 1);
    assert!(LaborCapacity::ABI.size32 == 1 && Insurance::ABI.size32 == 1 && EmploymentLocation::ABI.size32 == 1);
};

/// Writes `m` as the canonical ABI lays out a `member`.
fn write(m: &Member, b: &mut [u8; SIZE]) {
    let l = &LAYOUT;
    b[l.relation] = m.relation as u8;
    b[l.year..l.year + 2].copy_from_slice(&m.birth_date.year.to_le_bytes());
    b[l.month] = m.birth_date.month;
    b[l.day] = m.birth_date.day;
    b[l.sex] = m.sex as u8;
    b[l.resident] = u8::from(m.resident);
    b[l.health] = m.health as u8;
    b[l.disability_case] = u8::from(m.disability_grade.is_some());
    b[l.disability_grade] = m.disability_grade.unwrap_or(0);
    b[l.labor_capacity] = m.labor_capacity as u8;
    b[l.enrolled_in_school] = u8::from(m.enrolled_in_school);
    b[l.home_schooled] = u8::from(m.home_schooled);
    b[l.medical_insurance] = m.medical_insurance as u8;
    b[l.pension_insurance] = m.pension_insurance as u8;
    b[l.employment_months] = m.employment.months;
    b[l.employment_location] = m.employment.location as u8;
    b[l.has_legal_supporter] = u8::from(m.has_legal_supporter);
}

unsafe impl Lower for Member {
    /// As derived: field by field (a member is never passed flat by this
    /// contract, but the trait has to say how).
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> Result<()> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        self.relation.linear_lower_to_flat(cx, f[0].ty, map_maybe_uninit!(dst.relation))?;
        self.birth_date.linear_lower_to_flat(cx, f[1].ty, map_maybe_uninit!(dst.birth_date))?;
        self.sex.linear_lower_to_flat(cx, f[2].ty, map_maybe_uninit!(dst.sex))?;
        self.resident.linear_lower_to_flat(cx, f[3].ty, map_maybe_uninit!(dst.resident))?;
        self.health.linear_lower_to_flat(cx, f[4].ty, map_maybe_uninit!(dst.health))?;
        self.disability_grade.linear_lower_to_flat(cx, f[5].ty, map_maybe_uninit!(dst.disability_grade))?;
        self.labor_capacity.linear_lower_to_flat(cx, f[6].ty, map_maybe_uninit!(dst.labor_capacity))?;
        self.enrolled_in_school.linear_lower_to_flat(cx, f[7].ty, map_maybe_uninit!(dst.enrolled_in_school))?;
        self.home_schooled.linear_lower_to_flat(cx, f[8].ty, map_maybe_uninit!(dst.home_schooled))?;
        self.medical_insurance.linear_lower_to_flat(cx, f[9].ty, map_maybe_uninit!(dst.medical_insurance))?;
        self.pension_insurance.linear_lower_to_flat(cx, f[10].ty, map_maybe_uninit!(dst.pension_insurance))?;
        self.employment.linear_lower_to_flat(cx, f[11].ty, map_maybe_uninit!(dst.employment))?;
        self.has_legal_supporter.linear_lower_to_flat(cx, f[12].ty, map_maybe_uninit!(dst.has_legal_supporter))?;
        Ok(())
    }

    fn linear_lower_to_memory<T>(&self, cx: &mut LowerContext<'_, T>, ty: InterfaceType, offset: usize) -> Result<()> {
        Self::linear_store_list_to_memory(cx, ty, offset, core::slice::from_ref(self))
    }

    /// The whole list through one view of memory.
    fn linear_store_list_to_memory<T>(
        cx: &mut LowerContext<'_, T>,
        _ty: InterfaceType,
        offset: usize,
        items: &[Self],
    ) -> Result<()> {
        let Some(dst) =
            items.len().checked_mul(SIZE).and_then(|len| cx.as_slice_mut().get_mut(offset..)?.get_mut(..len))
        else {
            wasmtime::bail!("a list of members does not fit in the plugin's memory");
        };
        for (member, bytes) in items.iter().zip(dst.as_chunks_mut::<SIZE>().0) {
            write(member, bytes);
        }
        Ok(())
    }
}
