//! `unreadable-file`: A file could not be read (permissions, a broken symlink, a symlink loop, a vanished file).

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "unreadable-file",
    severity: Severity::Error,
    summary: "A file could not be read (permissions, a broken symlink, a symlink loop, a vanished file).",
    doc: include_str!("../../rules/unreadable-file.md"),
};
