//! `schema-violation`: any other schema error: a value outside an `enum`, a bound, a pattern,
//! a `oneOf`. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "schema-violation",
    severity: Severity::Error,
    summary: "A value the schema does not allow (not one of the allowed values, out of range, wrong pattern).",
    doc: include_str!("../../rules/schema-violation.md"),
};
