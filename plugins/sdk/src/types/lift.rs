//! `Lift` for `Flag` and `Decision`, written by hand: their text is checked
//! for UTF-8 with `simdutf8`.
//!
//! A household's evaluation carries fifteen or so strings, most of them
//! reasons in Chinese, where the standard library's UTF-8 check goes byte
//! by byte: that check was a sixth of the host's work per plugin call. The
//! bounds check, the hostcall fuel and the refusal of invalid UTF-8 are
//! those of wasmtime's own `String` lift (an invalid string is checked
//! again by the standard library, so the error reads the same); a plugin
//! built with another string encoding is lifted by wasmtime's code.
//! Everything but the strings is lifted as derived, field by field.
#![expect(unsafe_code, reason = "`Lift` is an unsafe trait: what it reads must be the layout `ComponentType` declares")]

use wasmtime::Result;
use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
use wasmtime::component::__internal::{InterfaceType, LiftContext, bad_type_info};
use wasmtime::component::{ComponentType, Lift};

use super::{Decision, Flag, Severity};

/// A `string` field at `bytes` (its pointer and length).
fn text(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> Result<String> {
    if cx.options().string_encoding != StringEncoding::Utf8 {
        return String::linear_lift_from_memory(cx, ty, bytes);
    }
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .and_then(|w| usize::try_from(w).ok())
    };
    let (Some(ptr), Some(len)) = (word(0), word(4)) else { bad_type_info() };
    let memory = cx.memory();
    let Some(raw) = memory.get(ptr..).and_then(|m| m.get(..len)) else {
        wasmtime::bail!("string pointer/length out of bounds of memory");
    };
    cx.consume_fuel(len)?;
    match simdutf8::basic::from_utf8(raw) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(std::str::from_utf8(raw)
            .err()
            .map_or_else(|| wasmtime::format_err!("invalid utf-8"), wasmtime::Error::from)),
    }
}

/// The record type `ty` stands for, and the bytes of each of its fields in
/// turn.
struct Fields<'b> {
    bytes: &'b [u8],
    offset: usize,
}

impl<'b> Fields<'b> {
    fn next<F: ComponentType>(&mut self) -> &'b [u8] {
        let at = F::ABI.next_field32_size(&mut self.offset);
        &self.bytes[at..][..F::SIZE32]
    }
}

unsafe impl Lift for Flag {
    fn linear_lift_from_flat(cx: &mut LiftContext<'_>, ty: InterfaceType, src: &Self::Lower) -> Result<Self> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        Ok(Flag {
            code: String::linear_lift_from_flat(cx, f[0].ty, &src.code)?,
            severity: Severity::linear_lift_from_flat(cx, f[1].ty, &src.severity)?,
            reason: String::linear_lift_from_flat(cx, f[2].ty, &src.reason)?,
            members: Vec::linear_lift_from_flat(cx, f[3].ty, &src.members)?,
        })
    }

    fn linear_lift_from_memory(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> Result<Self> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        let mut at = Fields { bytes, offset: 0 };
        Ok(Flag {
            code: text(cx, f[0].ty, at.next::<String>())?,
            severity: Severity::linear_lift_from_memory(cx, f[1].ty, at.next::<Severity>())?,
            reason: text(cx, f[2].ty, at.next::<String>())?,
            members: Vec::linear_lift_from_memory(cx, f[3].ty, at.next::<Vec<u32>>())?,
        })
    }
}

unsafe impl Lift for Decision {
    fn linear_lift_from_flat(cx: &mut LiftContext<'_>, ty: InterfaceType, src: &Self::Lower) -> Result<Self> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        Ok(Decision {
            program: String::linear_lift_from_flat(cx, f[0].ty, &src.program)?,
            eligible: bool::linear_lift_from_flat(cx, f[1].ty, &src.eligible)?,
            members: Vec::linear_lift_from_flat(cx, f[2].ty, &src.members)?,
            amount_fen: Option::linear_lift_from_flat(cx, f[3].ty, &src.amount_fen)?,
            level: Option::linear_lift_from_flat(cx, f[4].ty, &src.level)?,
            reason: String::linear_lift_from_flat(cx, f[5].ty, &src.reason)?,
        })
    }

    fn linear_lift_from_memory(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> Result<Self> {
        let InterfaceType::Record(i) = ty else { bad_type_info() };
        let f = &cx.types[i].fields;
        let mut at = Fields { bytes, offset: 0 };
        Ok(Decision {
            program: text(cx, f[0].ty, at.next::<String>())?,
            eligible: bool::linear_lift_from_memory(cx, f[1].ty, at.next::<bool>())?,
            members: Vec::linear_lift_from_memory(cx, f[2].ty, at.next::<Vec<u32>>())?,
            amount_fen: Option::linear_lift_from_memory(cx, f[3].ty, at.next::<Option<i64>>())?,
            level: Option::linear_lift_from_memory(cx, f[4].ty, at.next::<Option<String>>())?,
            reason: text(cx, f[5].ty, at.next::<String>())?,
        })
    }
}
