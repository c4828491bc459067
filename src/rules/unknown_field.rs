//! `unknown-field`: a field that the kind's schema (or its CRD's) does not have. kubectl's default
//! `--validate=strict` rejects the object (reference §10 YAML-UNKNOWN-FIELD); `--strict=false`
//! makes it a warning. Reported by the schema stage ([`crate::schema`]).

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "unknown-field",
    severity: Severity::Error,
    summary: "A field the schema of the kind does not have (kubectl --validate=strict rejects it); a warning with --strict=false.",
    doc: include_str!("../../rules/unknown-field.md"),
};
