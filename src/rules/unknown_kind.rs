//! `unknown-kind`: an apiVersion of a Kubernetes API group with a kind that release does not
//! serve (kubectl: `no matches for kind`). Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "unknown-kind",
    severity: Severity::Error,
    summary: "The apiVersion/kind pair is not served by Kubernetes (a misspelled kind, a wrong group, or too new for the target release).",
    doc: include_str!("../../rules/unknown-kind.md"),
};
