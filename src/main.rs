fn main() {
    std::process::exit(kubevet::cli::main());
}
