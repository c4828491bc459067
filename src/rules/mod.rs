//! Every rule kubevet knows: one file a rule, each with its `RULE` description and, for
//! per-object rules, a `check` function. Doc pages live in `rules/<id>.md` at the repo root.

use crate::checks::Context;
use crate::diagnostics::{Diagnostic, Rule};
use crate::index::Index;
use crate::object::Object;

pub mod cluster_scoped_with_namespace;
pub mod duplicate_key;
pub mod duplicate_object;
pub mod helm_template_skipped;
pub mod ingress_backend_not_found;
pub mod input_limit_exceeded;
pub mod invalid_annotation;
pub mod invalid_label_key;
pub mod invalid_label_value;
pub mod invalid_name;
pub mod invalid_namespace;
pub mod invalid_utf8;
pub mod invalid_yaml;
pub mod kustomize_missing_file;
pub mod missing_kind_or_api_version;
pub mod missing_name;
pub mod missing_reference;
pub mod reserved_namespace;
pub mod selector_matches_nothing;
pub mod service_selects_nothing;
pub mod service_target_port;
pub mod undeclared_namespace;
pub mod unknown_service_host;
pub mod unreadable_file;
pub mod unused_suppression;

/// All rules, in the order `kubevet rules` lists them.
pub static ALL: &[&Rule] = &[
    // Reading and parsing.
    &unreadable_file::RULE,
    &invalid_utf8::RULE,
    &invalid_yaml::RULE,
    &duplicate_key::RULE,
    &input_limit_exceeded::RULE,
    &helm_template_skipped::RULE,
    // Object metadata.
    &missing_kind_or_api_version::RULE,
    &missing_name::RULE,
    &invalid_name::RULE,
    &invalid_namespace::RULE,
    &invalid_label_key::RULE,
    &invalid_label_value::RULE,
    &invalid_annotation::RULE,
    // Whole repository.
    &kustomize_missing_file::RULE,
    &duplicate_object::RULE,
    &cluster_scoped_with_namespace::RULE,
    &undeclared_namespace::RULE,
    &reserved_namespace::RULE,
    &service_selects_nothing::RULE,
    &service_target_port::RULE,
    &ingress_backend_not_found::RULE,
    &selector_matches_nothing::RULE,
    &missing_reference::RULE,
    &unknown_service_host::RULE,
    // Suppressions.
    &unused_suppression::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Runs every per-object rule.
pub fn check_object(object: &Object<'_>, cx: &mut Context<'_>) {
    missing_kind_or_api_version::check(object, cx);
    missing_name::check(object, cx);
    invalid_name::check(object, cx);
    invalid_namespace::check(object, cx);
    invalid_label_key::check(object, cx);
    invalid_label_value::check(object, cx);
    invalid_annotation::check(object, cx);
}

/// Runs every cross-object rule over the repository index.
pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    duplicate_object::check_repo(index, out);
    cluster_scoped_with_namespace::check_repo(index, out);
    undeclared_namespace::check_repo(index, out);
    reserved_namespace::check_repo(index, out);
    service_selects_nothing::check_repo(index, out);
    service_target_port::check_repo(index, out);
    ingress_backend_not_found::check_repo(index, out);
    selector_matches_nothing::check_repo(index, out);
    missing_reference::check_repo(index, out);
    unknown_service_host::check_repo(index, out);
}
