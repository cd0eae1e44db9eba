//! The plugin's allocator: a bump arena for the short-lived allocations of
//! one evaluation, in front of the standard allocator.
//!
//! Everything a household's evaluation allocates (the lifted household,
//! the facts, reasons, flags, decisions) is freed by the time the host has
//! read the result back. So the arena only moves a pointer forward, and
//! when the last of its allocations is freed it starts again from the
//! bottom. That costs a few instructions where the standard allocator's
//! bookkeeping costs about a hundred, and fuel counts instructions.
//!
//! Nothing depends on that pattern for correctness, only for speed:
//! - an allocation that does not fit goes to the standard allocator;
//! - a plugin that keeps allocations across households (a cache in a
//!   static) keeps the arena from restarting; once it is full, everything
//!   else goes to the standard allocator, as without the arena;
//! - the most recent allocation can grow and shrink in place, and freeing
//!   it gives its room back at once, so loops of temporary strings reuse it.
//!
//! Wasm plugins have one thread: the arena has no locks.

#![expect(unsafe_code, reason = "an allocator hands out raw memory: `GlobalAlloc` is an unsafe trait")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Bytes the arena takes from the standard allocator on first use; one
/// evaluation of the baseline allocates a few KiB.
const SIZE: usize = 256 << 10;

pub struct Arena {
    state: UnsafeCell<State>,
}

struct State {
    /// Start of the arena, null until the first allocation.
    base: usize,
    /// Next free byte.
    top: usize,
    /// Start of the most recent allocation still live, if it is at the top.
    last: usize,
    /// Allocations from the arena not yet freed.
    live: usize,
}

// SAFETY: wasm32 plugins run on one thread; nothing shares the arena.
unsafe impl Sync for Arena {}

impl Arena {
    pub const fn new() -> Arena {
        Arena { state: UnsafeCell::new(State { base: 0, top: 0, last: 0, live: 0 }) }
    }
}

impl Default for Arena {
    fn default() -> Arena {
        Arena::new()
    }
}

impl State {
    fn owns(&self, ptr: *mut u8) -> bool {
        let at = ptr as usize;
        self.base != 0 && at >= self.base && at < self.base + SIZE
    }

    /// Room for `layout` at the top, or `None`.
    fn bump(&mut self, layout: Layout) -> Option<*mut u8> {
        if self.base == 0 {
            // SAFETY: a non-zero size and a valid alignment.
            let base = unsafe { System.alloc(Layout::from_size_align(SIZE, 16).ok()?) };
            if base.is_null() {
                return None;
            }
            (self.base, self.top) = (base as usize, base as usize);
        }
        let start = self.top.checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let end = start.checked_add(layout.size())?;
        if end > self.base + SIZE {
            return None;
        }
        (self.top, self.last) = (end, start);
        self.live += 1;
        Some(start as *mut u8)
    }

    fn free(&mut self, ptr: *mut u8) {
        self.live -= 1;
        if self.live == 0 {
            (self.top, self.last) = (self.base, self.base);
        } else if ptr as usize == self.last {
            // The most recent allocation: its room is free again.
            self.top = self.last;
        }
    }
}

// SAFETY: every block handed out is either a fresh, aligned, unshared range
// of the arena or comes from `System`; each is given back to its owner.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: one thread; no reference to the state outlives this call.
        let state = unsafe { &mut *self.state.get() };
        // SAFETY: `layout` is the caller's valid layout.
        state.bump(layout).unwrap_or_else(|| unsafe { System.alloc(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`.
        let state = unsafe { &mut *self.state.get() };
        if state.owns(ptr) {
            state.free(ptr);
        } else {
            // SAFETY: not the arena's, so `System` handed it out.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let state = unsafe { &mut *self.state.get() };
        if state.owns(ptr) && ptr as usize == state.last {
            // The top allocation grows or shrinks where it is, if it fits.
            if let Some(end) = state.last.checked_add(new_size)
                && end <= state.base + SIZE
            {
                state.top = end;
                return ptr;
            }
        }
        // SAFETY: the caller's contract for `realloc`, passed on.
        unsafe {
            let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                return std::ptr::null_mut();
            };
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn the_arena_restarts_when_its_last_allocation_is_freed() {
        let arena = Arena::new();
        unsafe {
            let a = arena.alloc(layout(10, 1));
            let b = arena.alloc(layout(8, 8));
            assert_eq!(b as usize % 8, 0, "aligned");
            assert!(b as usize >= a as usize + 10, "no overlap");
            arena.dealloc(a, layout(10, 1));
            arena.dealloc(b, layout(8, 8));
            let c = arena.alloc(layout(4, 4));
            assert_eq!(c, a, "the arena starts again from the bottom");
            arena.dealloc(c, layout(4, 4));
        }
    }

    #[test]
    fn the_top_allocation_grows_in_place_and_gives_its_room_back() {
        let arena = Arena::new();
        unsafe {
            let keep = arena.alloc(layout(16, 8));
            let s = arena.alloc(layout(4, 1));
            s.write_bytes(7, 4);
            let grown = arena.realloc(s, layout(4, 1), 100);
            assert_eq!(grown, s, "grown in place");
            assert_eq!(std::slice::from_raw_parts(grown, 4), &[7; 4]);
            arena.dealloc(grown, layout(100, 1));
            let next = arena.alloc(layout(1, 1));
            assert_eq!(next, s, "the freed top is reused while `keep` lives");
            // Not the top any more: growing `keep` moves it, contents kept.
            keep.write_bytes(3, 16);
            let moved = arena.realloc(keep, layout(16, 8), 64);
            assert_ne!(moved, keep);
            assert_eq!(std::slice::from_raw_parts(moved, 16), &[3; 16]);
            arena.dealloc(next, layout(1, 1));
            arena.dealloc(moved, layout(64, 8));
        }
    }

    #[test]
    fn what_does_not_fit_goes_to_the_standard_allocator() {
        let arena = Arena::new();
        unsafe {
            let small = arena.alloc(layout(8, 8));
            let big = arena.alloc(layout(SIZE, 8));
            assert!(!big.is_null());
            let state = &*arena.state.get();
            assert!(state.owns(small) && !state.owns(big));
            big.write_bytes(1, SIZE);
            arena.dealloc(big, layout(SIZE, 8));
            assert_eq!(state.live, 1, "only the arena's own allocations are counted");
            arena.dealloc(small, layout(8, 8));
            assert_eq!(state.live, 0);
        }
    }
}
