//! `wrong-type`: a value whose JSON type does not match its field (reference §10 YAML-NONSTRING,
//! YAML-STRING-FOR-INT), explained by what the YAML did. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "wrong-type",
    severity: Severity::Error,
    summary: "A value of the wrong type for its field, such as an unquoted `yes` where a string is expected.",
    doc: include_str!("../../rules/wrong-type.md"),
};
