//! `invalid-crd-schema`: a CRD's `openAPIV3Schema` that the API server would reject (not
//! structural, an unknown `type`) or that does not compile. Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-crd-schema",
    severity: Severity::Error,
    summary: "A CustomResourceDefinition whose schema is itself invalid (not structural, unknown type, does not compile).",
    doc: include_str!("../../rules/invalid-crd-schema.md"),
};
