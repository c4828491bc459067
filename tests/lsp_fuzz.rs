//! The `lsp` fuzz target's session (fuzz/fuzz_targets/lsp_session.rs) on stable Rust: the
//! server's message handling, in-process, on every seed in `fuzz/seeds/lsp` and on random bytes
//! from a seeded generator (`KUBEVET_LSP_FUZZ_SESSIONS` sessions, default 500: several thousand
//! messages; `KUBEVET_LSP_FUZZ_SEED` for another sequence). Besides what the session asserts
//! (every request answered once, no internal error, still answering, exit code 0), no panic
//! anywhere, also none the server caught.

#[path = "../fuzz/fuzz_targets/lsp_session.rs"]
mod lsp_session;

use std::sync::atomic::{AtomicUsize, Ordering};

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default(info);
    }));
}

fn run(name: &str, data: &[u8]) -> usize {
    let sent = lsp_session::run(data);
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "{name} panicked (caught by the server; see stderr): {data:?}"
    );
    sent
}

#[test]
fn message_handling_survives_the_seeds_and_random_sessions() {
    count_panics();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/lsp");
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5, "the seeds in {}", dir.display());
    let mut messages = 0;
    for seed in &seeds {
        messages += run(&seed.display().to_string(), &std::fs::read(seed).unwrap());
    }
    let sessions: u64 = std::env::var("KUBEVET_LSP_FUZZ_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    // xorshift64*, seeded: the same sessions on every run (`KUBEVET_LSP_FUZZ_SEED` for others).
    let mut state = std::env::var("KUBEVET_LSP_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0x4C53_5046_555A_5A31, |s| {
            s.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
        });
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for i in 0..sessions {
        let len = 8 + (next() % 160) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        bytes += len;
        messages += run(&format!("random session {i}"), &data);
    }
    println!(
        "{} seeds and {sessions} random sessions ({bytes} bytes, {messages} messages) in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}
