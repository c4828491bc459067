//! `no-schema`: a custom resource whose CRD is neither among the checked paths nor passed with
//! `--crd`; it is not validated. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "no-schema",
    severity: Severity::Warning,
    summary: "A custom resource whose CRD kubevet was not given, so it could not be validated.",
    doc: include_str!("../../rules/no-schema.md"),
};
