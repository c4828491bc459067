//! The allocator of the `kubevet` binary (and of the benchmarks, so that they time what it
//! runs): mimalloc, called as a C program calls it.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

unsafe extern "C" {
    /// From the mimalloc library the allocator links in (`mimalloc.h`).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_zalloc(size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
}

/// mimalloc, called the way a C program calls it. The `mimalloc` crate's allocator asks for
/// every block through `mi_malloc_aligned`, whose fast path costs about twice `mi_malloc`'s
/// (1.4M allocations of the 2,000-file check: 63M instructions); a block whose alignment is at
/// most 16 and at most its size comes aligned from `mi_malloc` itself (mimalloc's own
/// `mi_malloc_is_naturally_aligned`, as std's `System` relies on for `malloc`).
pub struct Allocator;

/// Whether `mi_malloc(size)` returns a block aligned enough for `layout`.
#[inline]
fn natural(align: usize, size: usize) -> bool {
    align <= 16 && align <= size
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free` takes any of them).
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if natural(layout.align(), layout.size()) {
            // SAFETY: a plain allocation, aligned enough (above).
            unsafe { mi_malloc(layout.size()).cast() }
        } else {
            // SAFETY: as the `mimalloc` crate does.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if natural(layout.align(), layout.size()) {
            // SAFETY: as `alloc`.
            unsafe { mi_zalloc(layout.size()).cast() }
        } else {
            // SAFETY: as the `mimalloc` crate does.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from mimalloc.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if natural(layout.align(), new_size) {
            // SAFETY: `ptr` came from mimalloc; the new block is aligned enough (as `alloc`).
            unsafe { mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            // SAFETY: as the `mimalloc` crate does.
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// `mi_option_purge_delay` of mimalloc's `mi_option_e` (`mimalloc.h`: the 16th option, in v3 as
/// in v2: between `deprecated_eager_commit_delay` = 14 and `use_numa_nodes` = 16).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Sets the allocator's options.
///
/// # Safety
///
/// Call it first thing in `main`, before any other thread exists: mimalloc's option setter
/// writes a global that its allocations read without synchronisation.
pub unsafe fn configure() {
    // Each file's tree is freed as soon as it is checked: returning those pages to the system
    // after 1 ms rather than the default 10 ms keeps the peak RSS of a 2,000-file run at 28
    // rather than 30.5 MiB, for no measurable time (README "Performance").
    // SAFETY: a plain setter of a global option; the caller runs it before any other thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 1) };
}
