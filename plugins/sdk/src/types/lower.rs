//! `Lower` for `Household` and `Member`, written by hand: the host puts a
//! household into a plugin's memory in a few passes, not a hundred.
//!
//! The derived `Lower` writes each scalar through its own lookup of the
//! plugin's memory (`LowerContext::get`): about 25 for the household and 18
//! for each member, some 115 lookups for a household of five. Here the
//! members list takes one lookup and the household's scalars another,
//! written as plain bytes at the offsets the canonical ABI gives each field
//! (computed below from the field types' `CanonicalAbiInfo`, the constants
//! the derived `ComponentType` declares, and checked at compile time to
//! fill each record). The lists and the optional string still go through
//! wasmtime's own lowering, which allocates in the plugin. `ComponentType`
//! and `Lift` stay derived, so a plugin whose types differ from these is
//! still refused when its functions are typed, and every struct is
//! destructured in full, so a new field does not compile until it is
//! written here.
//!
//! The echo tests (`tests/tests/contracts.rs`) check that a plugin sees
//! every field as the host holds it.
#![expect(
    unsafe_code,
    reason = "`Lower` is an unsafe trait: what it writes must be the layout `ComponentType` declares"
)]

use core::mem::MaybeUninit;

use wasmtime::Result;
use wasmtime::component::__internal::{CanonicalAbiInfo, InterfaceType, LowerContext, bad_type_info, map_maybe_uninit};
use wasmtime::component::{ComponentType, Lower};

use super::{
    Date, Employment, EmploymentLocation, Health, Household, Housing, Income, Insurance, LaborCapacity, Member,
    PovertyStatus, Relation, RigidExpenditure, SafetyGrade, Sex, Water,
};

const fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

/// The offset of each field of a record whose fields have the layouts
/// `fields`, and the record's size before its final padding.
const fn layout<const N: usize>(fields: [CanonicalAbiInfo; N]) -> ([usize; N], u32) {
    let (mut at, mut end, mut i) = ([0; N], 0, 0);
    while i < N {
        let start = align(end, fields[i].align32);
        at[i] = start as usize;
        end = start + fields[i].size32;
        i += 1;
    }
    (at, end)
}

/// The field offsets of the record type `R`, checking that the fields
/// listed fill it.
const fn record<R: ComponentType, const N: usize>(fields: [CanonicalAbiInfo; N]) -> [usize; N] {
    let (at, end) = layout(fields);
    assert!(align(end, R::ALIGN32) as usize == R::SIZE32, "the fields fill the record");
    at
}

const DATE: [usize; 3] = record::<Date, 3>([u16::ABI, u8::ABI, u8::ABI]);
const EMPLOYMENT: [usize; 2] = record::<Employment, 2>([u8::ABI, EmploymentLocation::ABI]);
const MEMBER: [usize; 13] = record::<Member, 13>([
    Relation::ABI,
    Date::ABI,
    Sex::ABI,
    bool::ABI,
    Health::ABI,
    <Option<u8>>::ABI,
    LaborCapacity::ABI,
    bool::ABI,
    bool::ABI,
    Insurance::ABI,
    Insurance::ABI,
    Employment::ABI,
    bool::ABI,
]);
const INCOME: [usize; 4] = record::<Income, 4>([f64::ABI; 4]);
const RIGID: [usize; 4] = record::<RigidExpenditure, 4>([f64::ABI; 4]);
const HOUSING: [usize; 3] = record::<Housing, 3>([SafetyGrade::ABI, bool::ABI, bool::ABI]);
const WATER: [usize; 5] = record::<Water, 5>([f64::ABI, bool::ABI, bool::ABI, f64::ABI, u16::ABI]);
const HOUSEHOLD: [usize; 12] = record::<Household, 12>([
    u32::ABI,
    Date::ABI,
    PovertyStatus::ABI,
    <Option<u16>>::ABI,
    <Vec<Member>>::ABI,
    Income::ABI,
    f64::ABI,
    RigidExpenditure::ABI,
    Housing::ABI,
    Water::ABI,
    bool::ABI,
    <Option<String>>::ABI,
]);

/// Where the value of an `option<T>` lies, after its one-byte case
/// (0 none, 1 some).
const fn option_payload(payload: CanonicalAbiInfo) -> usize {
    align(1, payload.align32) as usize
}

// Every enum here has at most 256 cases (a one-byte case number in the
// canonical ABI) and is `repr(u8)` in declaration order, which is contract
// order: `as u8` is the case number.
const _: () = {
    let enums = [
        Relation::ABI,
        Sex::ABI,
        Health::ABI,
        LaborCapacity::ABI,
        Insurance::ABI,
        EmploymentLocation::ABI,
        PovertyStatus::ABI,
        SafetyGrade::ABI,
    ];
    let mut i = 0;
    while i < enums.len() {
        assert!(enums[i].size32 == 1);
        i += 1;
    }
};

const MEMBER_SIZE: usize = <Member as ComponentType>::SIZE32;
const HOUSEHOLD_SIZE: usize = <Household as ComponentType>::SIZE32;

fn put<const N: usize>(b: &mut [u8], at: usize, bytes: [u8; N]) {
    b[at..at + N].copy_from_slice(&bytes);
}

fn put_date(b: &mut [u8], at: usize, d: Date) {
    let Date { year, month, day } = d;
    put(b, at + DATE[0], year.to_le_bytes());
    b[at + DATE[1]] = month;
    b[at + DATE[2]] = day;
}

/// Writes `m` as the canonical ABI lays out a `member`.
fn write_member(m: &Member, b: &mut [u8; MEMBER_SIZE]) {
    let Member {
        relation,
        birth_date,
        sex,
        resident,
        health,
        disability_grade,
        labor_capacity,
        enrolled_in_school,
        home_schooled,
        medical_insurance,
        pension_insurance,
        employment: Employment { months, location },
        has_legal_supporter,
    } = *m;
    b[MEMBER[0]] = relation as u8;
    put_date(b, MEMBER[1], birth_date);
    b[MEMBER[2]] = sex as u8;
    b[MEMBER[3]] = u8::from(resident);
    b[MEMBER[4]] = health as u8;
    b[MEMBER[5]] = u8::from(disability_grade.is_some());
    b[MEMBER[5] + option_payload(u8::ABI)] = disability_grade.unwrap_or(0);
    b[MEMBER[6]] = labor_capacity as u8;
    b[MEMBER[7]] = u8::from(enrolled_in_school);
    b[MEMBER[8]] = u8::from(home_schooled);
    b[MEMBER[9]] = medical_insurance as u8;
    b[MEMBER[10]] = pension_insurance as u8;
    b[MEMBER[11] + EMPLOYMENT[0]] = months;
    b[MEMBER[11] + EMPLOYMENT[1]] = location as u8;
    b[MEMBER[12]] = u8::from(has_legal_supporter);
}

/// Writes the scalars of `h`: everything but its members and its
/// extension, which wasmtime lowers (they are allocated in the plugin).
fn write_household(h: &Household, b: &mut [u8; HOUSEHOLD_SIZE]) {
    let Household {
        district_code,
        survey_date,
        poverty_status,
        lifted_year,
        members: _,
        income: Income { wage, operating_net, property, transfer },
        previous_year_income,
        rigid_expenditure: RigidExpenditure { medical_out_of_pocket, education, disaster_loss, accident_loss },
        housing: Housing { safety_grade, renovated, geohazard_zone },
        water: Water { litres_per_person_day, water_scarce_area, quality_ok, fetch_minutes, interruption_days },
        food_clothing_secure,
        extension: _,
    } = *h;
    let f64s = |b: &mut [u8], at: usize, offsets: &[usize], values: &[f64]| {
        for (offset, v) in offsets.iter().zip(values) {
            put(b, at + offset, v.to_bits().to_le_bytes());
        }
    };
    put(b, HOUSEHOLD[0], district_code.to_le_bytes());
    put_date(b, HOUSEHOLD[1], survey_date);
    b[HOUSEHOLD[2]] = poverty_status as u8;
    b[HOUSEHOLD[3]] = u8::from(lifted_year.is_some());
    put(b, HOUSEHOLD[3] + option_payload(u16::ABI), lifted_year.unwrap_or(0).to_le_bytes());
    f64s(b, HOUSEHOLD[5], &INCOME, &[wage, operating_net, property, transfer]);
    put(b, HOUSEHOLD[6], previous_year_income.to_bits().to_le_bytes());
    f64s(b, HOUSEHOLD[7], &RIGID, &[medical_out_of_pocket, education, disaster_loss, accident_loss]);
    b[HOUSEHOLD[8] + HOUSING[0]] = safety_grade as u8;
    b[HOUSEHOLD[8] + HOUSING[1]] = u8::from(renovated);
    b[HOUSEHOLD[8] + HOUSING[2]] = u8::from(geohazard_zone);
    put(b, HOUSEHOLD[9] + WATER[0], litres_per_person_day.to_bits().to_le_bytes());
    b[HOUSEHOLD[9] + WATER[1]] = u8::from(water_scarce_area);
    b[HOUSEHOLD[9] + WATER[2]] = u8::from(quality_ok);
    put(b, HOUSEHOLD[9] + WATER[3], fetch_minutes.to_bits().to_le_bytes());
    put(b, HOUSEHOLD[9] + WATER[4], interruption_days.to_le_bytes());
    b[HOUSEHOLD[10]] = u8::from(food_clothing_secure);
}

/// `len` bytes of the plugin's memory from `offset`, which wasmtime has
/// bounds-checked already (the allocation or the parameter area).
fn memory<'m, T>(cx: &'m mut LowerContext<'_, T>, offset: usize, len: usize) -> Result<&'m mut [u8]> {
    match cx.as_slice_mut().get_mut(offset..).and_then(|m| m.get_mut(..len)) {
        Some(dst) => Ok(dst),
        None => wasmtime::bail!("a household does not fit in the plugin's memory"),
    }
}

/// Lowers the named fields of a record flat, in order, as the derived
/// `Lower` does.
macro_rules! lower_flat {
    ($self:ident, $cx:ident, $ty:ident, $dst:ident: $($field:ident),+ $(,)?) => {{
        let InterfaceType::Record(i) = $ty else { bad_type_info() };
        let types = $cx.types;
        let mut fields = types[i].fields.iter().map(|f| f.ty);
        $(
            let ty = fields.next().unwrap_or_else(|| bad_type_info());
            $self.$field.linear_lower_to_flat($cx, ty, map_maybe_uninit!($dst.$field))?;
        )+
        Ok(())
    }};
}

unsafe impl Lower for Member {
    /// As derived (a member is never passed flat by this contract, but
    /// the trait has to say how).
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> Result<()> {
        lower_flat!(self, cx, ty, dst: relation, birth_date, sex, resident, health, disability_grade, labor_capacity,
            enrolled_in_school, home_schooled, medical_insurance, pension_insurance, employment, has_legal_supporter)
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
        let Some(len) = items.len().checked_mul(MEMBER_SIZE) else {
            wasmtime::bail!("size overflow copying a list");
        };
        let dst = memory(cx, offset, len)?;
        for (member, bytes) in items.iter().zip(dst.as_chunks_mut::<MEMBER_SIZE>().0) {
            write_member(member, bytes);
        }
        Ok(())
    }
}

unsafe impl Lower for Household {
    /// As derived (too many values to be passed flat, but the trait has
    /// to say how).
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> Result<()> {
        lower_flat!(self, cx, ty, dst: district_code, survey_date, poverty_status, lifted_year, members, income,
            previous_year_income, rigid_expenditure, housing, water, food_clothing_secure, extension)
    }

    /// The members and the extension first (allocating in the plugin may
    /// move its memory), then every scalar through one view of memory.
    fn linear_lower_to_memory<T>(&self, cx: &mut LowerContext<'_, T>, ty: InterfaceType, offset: usize) -> Result<()> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        self.members.linear_lower_to_memory(cx, f[4].ty, offset + HOUSEHOLD[4])?;
        self.extension.linear_lower_to_memory(cx, f[11].ty, offset + HOUSEHOLD[11])?;
        let dst = memory(cx, offset, HOUSEHOLD_SIZE)?;
        if let Some(bytes) = dst.first_chunk_mut::<HOUSEHOLD_SIZE>() {
            write_household(self, bytes);
        }
        Ok(())
    }
}
