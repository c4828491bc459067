//! `kubevet` with the system allocator instead of mimalloc (which valgrind's massif and heaptrack
//! cannot see into), for heap profiles of a run:
//! `valgrind --tool=massif target/release/examples/heap-profile check /tmp/corpus`.

fn main() {
    std::process::exit(kubevet::cli::main());
}
