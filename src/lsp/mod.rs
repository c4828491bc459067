//! `kubevet lsp`: a Language Server Protocol server over stdio (on rust-analyzer's `lsp-server`
//! scaffold). It runs the checks of `kubevet check` on each workspace folder and keeps the
//! results per file ([`engine`]): an edited buffer is checked again with the whole repository in
//! view, and every open file whose findings change is published again ([`server`]). Hover
//! ([`hover`]) and quick fixes ([`actions`]) work from the same findings.

pub mod actions;
pub mod complete;
mod documents;
pub mod engine;
pub mod hover;
pub mod scope;
mod server;
pub mod state;
pub mod text;

/// Serves on stdin/stdout until the client says `exit`; returns the exit code.
pub fn run() -> i32 {
    server::run()
}

/// Serves on an in-process connection (`lsp_server::Connection::memory()`: the `lsp` fuzz target
/// and tests/lsp_fuzz.rs) from `initialize` until `exit`, or until the client's end is
/// dropped; returns the exit code.
pub fn serve(connection: &lsp_server::Connection) -> i32 {
    server::serve(connection).unwrap_or_else(|e| {
        eprintln!("kubevet lsp: {e}");
        crate::model::EXIT_USAGE
    })
}
