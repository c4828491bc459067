//! `missing-required-field`: a field that the schema requires and the API server does not
//! default. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "missing-required-field",
    severity: Severity::Error,
    summary: "A field the schema requires is missing.",
    doc: include_str!("../../rules/missing-required-field.md"),
};
