// mimalloc: loading builds many small nodes and strings; glibc malloc/free were a quarter of all
// instructions of a full check (callgrind, README "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(kubevet::cli::main());
}
