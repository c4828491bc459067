//! `invalid-base64`: a string of a `format: byte` field that is not base64 — a Secret's `data`,
//! a ConfigMap's `binaryData`, the `caBundle` of webhooks, APIServices and CRD conversion
//! webhooks, a CertificateSigningRequest's `request`, and `format: byte` fields of custom
//! resources. Reported by [`crate::schema`], which knows the fields from the schemas.

use crate::diagnostics::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-base64",
    severity: Severity::Error,
    summary: "A base64 field (Secret `data`, ConfigMap `binaryData`, `caBundle`, ...) holds text that is not base64; use `stringData` for plain text.",
    doc: include_str!("../../rules/invalid-base64.md"),
};
