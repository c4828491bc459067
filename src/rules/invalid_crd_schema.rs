//! `invalid-crd-schema`: a CRD's `openAPIV3Schema` that the API server would reject (not
//! structural, an unknown `type`) or that does not compile, or a CRD without exactly one storage
//! version (a version without `served` is a warning). Reported by [`crate::schema`].

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-crd-schema",
    severity: Severity::Error,
    summary: "A CustomResourceDefinition the API server rejects: its schema is invalid (not structural, unknown type, does not compile) or it has not exactly one storage version.",
    doc: include_str!("../../rules/invalid-crd-schema.md"),
};
