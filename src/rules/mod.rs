//! Every rule kubevet knows: one file a rule, each with its `RULE` description and, for
//! per-object rules, a `check` function. Doc pages live in `rules/<id>.md` at the repo root.

use crate::checks::Context;
use crate::diagnostics::Rule;
use crate::object::Object;

pub mod deprecated_api_version;
pub mod duplicate_key;
pub mod helm_template_skipped;
pub mod input_limit_exceeded;
pub mod invalid_annotation;
pub mod invalid_crd_schema;
pub mod invalid_label_key;
pub mod invalid_label_value;
pub mod invalid_name;
pub mod invalid_namespace;
pub mod invalid_utf8;
pub mod invalid_yaml;
pub mod missing_kind_or_api_version;
pub mod missing_name;
pub mod missing_required_field;
pub mod no_schema;
pub mod removed_api_version;
pub mod schema_violation;
pub mod unknown_field;
pub mod unknown_kind;
pub mod unreadable_file;
pub mod wrong_type;

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
    // Schemas: API versions, then the object against its schema.
    &removed_api_version::RULE,
    &deprecated_api_version::RULE,
    &unknown_kind::RULE,
    &no_schema::RULE,
    &unknown_field::RULE,
    &wrong_type::RULE,
    &missing_required_field::RULE,
    &schema_violation::RULE,
    &invalid_crd_schema::RULE,
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
