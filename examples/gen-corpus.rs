//! Writes a deterministic benchmark corpus of realistic manifests (see tests/common/corpus.rs).
//!
//! `cargo run --release --example gen-corpus -- DIR [--files N]` (default 2000 files). The same
//! arguments always produce the same bytes.

#[path = "../tests/common/corpus.rs"]
mod corpus;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut files = 2000usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--files" => files = args.next().and_then(|n| n.parse().ok()).expect("--files N"),
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            other => panic!("unexpected argument {other}"),
        }
    }
    let dir = dir.expect("usage: gen-corpus DIR [--files N]");
    let bytes = corpus::write(&dir, files);
    eprintln!(
        "wrote {} files ({:.1} MB) to {}",
        files + 1,
        bytes as f64 / 1e6,
        dir.display()
    );
}
