//! The language server's message handling (`kubevet lsp`, in-process): arbitrary sequences of
//! documents opened, edited, saved and closed, files changed on disk, configurations, requests,
//! cancellations, arbitrary parameters and raw JSON-RPC frames (see `lsp_session.rs`). No panic
//! (libFuzzer aborts on any, also one the server's guard catches), no internal error, every
//! request answered, and the server still answers and exits cleanly at the end.
#![no_main]

#[path = "lsp_session.rs"]
mod lsp_session;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lsp_session::run(data);
});
