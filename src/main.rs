//! The `kubevet` binary: runs the command line ([`kubevet::cli::main`]) and exits with its code.

// mimalloc: loading builds many small nodes and strings; glibc malloc/free were a quarter of all
// instructions of a full check (callgrind, README "Performance").
#[global_allocator]
static GLOBAL: kubevet::alloc::Allocator = kubevet::alloc::Allocator;

fn main() {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { kubevet::alloc::configure() };
    std::process::exit(kubevet::cli::main());
}
