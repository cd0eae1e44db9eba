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
    let Some((ptr, len)) = bytes.first_chunk::<8>().map(|b| {
        let [p0, p1, p2, p3, l0, l1, l2, l3] = *b;
        (u32::from_le_bytes([p0, p1, p2, p3]) as usize, u32::from_le_bytes([l0, l1, l2, l3]) as usize)
    }) else {
        bad_type_info()
    };
    let Some(raw) = cx.memory().get(ptr..).and_then(|m| m.get(..len)) else {
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

/// A field lifted from memory as wasmtime lifts it.
fn derived<F: Lift>(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> Result<F> {
    F::linear_lift_from_memory(cx, ty, bytes)
}

/// The bytes of the field of type `F` after `offset` in a record's
/// `bytes`; moves `offset` past it.
fn field<'b, F: ComponentType>(bytes: &'b [u8], offset: &mut usize) -> &'b [u8] {
    let at = F::ABI.next_field32_size(offset);
    &bytes[at..][..F::SIZE32]
}

/// `Lift` for a record whose fields are named with their types, in order,
/// each lifted from memory by `text` or `derived`; flat, every field is
/// lifted as derived.
macro_rules! lift_record {
    ($name:ident { $($field:ident: $fty:ty => $how:ident),+ $(,)? }) => {
        unsafe impl Lift for $name {
            fn linear_lift_from_flat(cx: &mut LiftContext<'_>, ty: InterfaceType, src: &Self::Lower) -> Result<Self> {
                let InterfaceType::Record(i) = ty else { bad_type_info() };
                let types = cx.types;
                let mut fields = types[i].fields.iter().map(|f| f.ty);
                Ok($name {
                    $($field: <$fty>::linear_lift_from_flat(
                        cx,
                        fields.next().unwrap_or_else(|| bad_type_info()),
                        &src.$field,
                    )?,)+
                })
            }

            fn linear_lift_from_memory(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> Result<Self> {
                let InterfaceType::Record(i) = ty else { bad_type_info() };
                let types = cx.types;
                let mut fields = types[i].fields.iter().map(|f| f.ty);
                let mut offset = 0;
                Ok($name {
                    $($field: $how(
                        cx,
                        fields.next().unwrap_or_else(|| bad_type_info()),
                        field::<$fty>(bytes, &mut offset),
                    )?,)+
                })
            }
        }
    };
}

lift_record!(Flag {
    code: String => text,
    severity: Severity => derived,
    reason: String => text,
    members: Vec<u32> => derived,
});

lift_record!(Decision {
    program: String => text,
    eligible: bool => derived,
    members: Vec<u32> => derived,
    amount_fen: Option<i64> => derived,
    level: Option<String> => derived,
    reason: String => text,
});
