//! Policies written in CEL (issue #17): the engine ([`cel`]), CRD `x-kubernetes-validations`
//! rules and ValidatingAdmissionPolicies evaluated offline.

pub mod admission;
pub mod cel;
pub mod crd_rules;
