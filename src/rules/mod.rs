//! Every rule kubevet knows: one file a rule, each with its `RULE` description and, for
//! per-object rules, a `check` function. Doc pages live in `rules/<id>.md` at the repo root.

use crate::checks::Context;
use crate::diagnostics::{Diagnostic, Rule};
use crate::index::Index;
use crate::object::Object;

pub mod cluster_scoped_with_namespace;
pub mod cron_day_or_weekday;
pub mod cron_schedule;
pub mod cron_schedule_never_fires;
pub mod cron_schedule_time_zone;
pub mod cron_time_zone;
pub mod cronjob_name_too_long;
pub mod deployment_progress_deadline;
pub mod deprecated_api_version;
pub mod duplicate_container_port;
pub mod duplicate_env_var;
pub mod duplicate_key;
pub mod duplicate_object;
pub mod fractional_byte_value;
pub mod helm_template_skipped;
pub mod ingress_backend_not_found;
pub mod input_limit_exceeded;
pub mod invalid_affinity;
pub mod invalid_annotation;
pub mod invalid_base64;
pub mod invalid_container_name;
pub mod invalid_container_port;
pub mod invalid_crd_schema;
pub mod invalid_dns_config;
pub mod invalid_env_var;
pub mod invalid_file_mode;
pub mod invalid_host_alias;
pub mod invalid_image;
pub mod invalid_label_key;
pub mod invalid_label_value;
pub mod invalid_name;
pub mod invalid_namespace;
pub mod invalid_pod_names;
pub mod invalid_pod_os;
pub mod invalid_probe;
pub mod invalid_quantity;
pub mod invalid_resize_policy;
pub mod invalid_rolling_update;
pub mod invalid_security_context;
pub mod invalid_selector;
pub mod invalid_toleration;
pub mod invalid_topology_spread;
pub mod invalid_utf8;
pub mod invalid_volume;
pub mod invalid_yaml;
pub mod job_completion_mode;
pub mod job_name_too_long;
pub mod job_pod_failure_policy;
pub mod job_selector;
pub mod job_without_ttl;
pub mod kustomize_missing_file;
pub mod latest_tag;
pub mod missing_containers;
pub mod missing_kind_or_api_version;
pub mod missing_name;
pub mod missing_probes;
pub mod missing_reference;
pub mod missing_required_field;
pub mod missing_resources;
pub mod negative_value;
pub mod no_schema;
pub mod probe_port_not_found;
pub mod removed_api_version;
pub mod request_exceeds_limit;
pub mod reserved_namespace;
pub mod restart_policy;
pub mod run_as_non_root;
pub mod schema_violation;
pub mod selector_matches_nothing;
pub mod selector_mismatch;
pub mod service_selects_nothing;
pub mod service_target_port;
pub mod starting_deadline_too_short;
pub mod statefulset_service_name;
pub mod undeclared_namespace;
pub mod unknown_field;
pub mod unknown_kind;
pub mod unknown_service_host;
pub mod unreadable_file;
pub mod unrendered_placeholder;
pub mod unsupported_value;
pub mod unused_suppression;
pub mod volume_mount_not_found;
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
    &unrendered_placeholder::RULE,
    // Schemas: API versions, then the object against its schema.
    &removed_api_version::RULE,
    &deprecated_api_version::RULE,
    &unknown_kind::RULE,
    &no_schema::RULE,
    &unknown_field::RULE,
    &wrong_type::RULE,
    &missing_required_field::RULE,
    &schema_violation::RULE,
    &invalid_base64::RULE,
    &invalid_crd_schema::RULE,
    // CronJob (reference §5).
    &cron_schedule::RULE,
    &cron_schedule_never_fires::RULE,
    &cron_schedule_time_zone::RULE,
    &cron_time_zone::RULE,
    &cron_day_or_weekday::RULE,
    &cronjob_name_too_long::RULE,
    &starting_deadline_too_short::RULE,
    // Jobs (reference §4); also a CronJob's jobTemplate.
    &restart_policy::RULE,
    &job_selector::RULE,
    &job_name_too_long::RULE,
    &job_completion_mode::RULE,
    &job_pod_failure_policy::RULE,
    // Controllers (reference §3).
    &invalid_selector::RULE,
    &selector_mismatch::RULE,
    &invalid_rolling_update::RULE,
    &deployment_progress_deadline::RULE,
    &statefulset_service_name::RULE,
    // Every pod spec (reference §2).
    &unsupported_value::RULE,
    &negative_value::RULE,
    &missing_containers::RULE,
    &invalid_container_name::RULE,
    &invalid_image::RULE,
    &invalid_container_port::RULE,
    &duplicate_container_port::RULE,
    &invalid_volume::RULE,
    &volume_mount_not_found::RULE,
    &invalid_file_mode::RULE,
    &invalid_probe::RULE,
    &probe_port_not_found::RULE,
    &invalid_quantity::RULE,
    &request_exceeds_limit::RULE,
    &fractional_byte_value::RULE,
    &invalid_env_var::RULE,
    &duplicate_env_var::RULE,
    &invalid_resize_policy::RULE,
    &invalid_security_context::RULE,
    &invalid_affinity::RULE,
    &invalid_toleration::RULE,
    &invalid_topology_spread::RULE,
    &invalid_host_alias::RULE,
    &invalid_dns_config::RULE,
    &invalid_pod_os::RULE,
    &invalid_pod_names::RULE,
    // Hygiene and best practice (warnings and infos).
    &latest_tag::RULE,
    &job_without_ttl::RULE,
    &missing_probes::RULE,
    &missing_resources::RULE,
    &run_as_non_root::RULE,
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
    unrendered_placeholder::check(object, cx);
    missing_kind_or_api_version::check(object, cx);
    missing_name::check(object, cx);
    invalid_name::check(object, cx);
    invalid_namespace::check(object, cx);
    invalid_label_key::check(object, cx);
    invalid_label_value::check(object, cx);
    invalid_annotation::check(object, cx);
    // Workload rules.
    cron_schedule::check(object, cx);
    cron_schedule_never_fires::check(object, cx);
    cron_schedule_time_zone::check(object, cx);
    cron_time_zone::check(object, cx);
    cron_day_or_weekday::check(object, cx);
    cronjob_name_too_long::check(object, cx);
    starting_deadline_too_short::check(object, cx);
    restart_policy::check(object, cx);
    job_selector::check(object, cx);
    job_name_too_long::check(object, cx);
    job_completion_mode::check(object, cx);
    job_pod_failure_policy::check(object, cx);
    invalid_selector::check(object, cx);
    selector_mismatch::check(object, cx);
    invalid_rolling_update::check(object, cx);
    deployment_progress_deadline::check(object, cx);
    statefulset_service_name::check(object, cx);
    unsupported_value::check(object, cx);
    negative_value::check(object, cx);
    missing_containers::check(object, cx);
    invalid_container_name::check(object, cx);
    invalid_image::check(object, cx);
    invalid_container_port::check(object, cx);
    duplicate_container_port::check(object, cx);
    invalid_volume::check(object, cx);
    volume_mount_not_found::check(object, cx);
    invalid_file_mode::check(object, cx);
    invalid_probe::check(object, cx);
    probe_port_not_found::check(object, cx);
    invalid_quantity::check(object, cx);
    request_exceeds_limit::check(object, cx);
    fractional_byte_value::check(object, cx);
    invalid_env_var::check(object, cx);
    duplicate_env_var::check(object, cx);
    invalid_resize_policy::check(object, cx);
    invalid_security_context::check(object, cx);
    invalid_affinity::check(object, cx);
    invalid_toleration::check(object, cx);
    invalid_topology_spread::check(object, cx);
    invalid_host_alias::check(object, cx);
    invalid_dns_config::check(object, cx);
    invalid_pod_os::check(object, cx);
    invalid_pod_names::check(object, cx);
    latest_tag::check(object, cx);
    job_without_ttl::check(object, cx);
    missing_probes::check(object, cx);
    missing_resources::check(object, cx);
    run_as_non_root::check(object, cx);
}

/// Runs every cross-object rule over the repository index, in parallel: they only read the
/// index, and this stage runs after the per-file work, so it is all of a run's wall time then.
/// The findings come out in the rules' order, whatever the scheduling.
pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    type RepoRule = fn(&Index, &mut Vec<Diagnostic>);
    const REPO_RULES: [RepoRule; 10] = [
        duplicate_object::check_repo,
        cluster_scoped_with_namespace::check_repo,
        undeclared_namespace::check_repo,
        reserved_namespace::check_repo,
        service_selects_nothing::check_repo,
        service_target_port::check_repo,
        ingress_backend_not_found::check_repo,
        selector_matches_nothing::check_repo,
        missing_reference::check_repo,
        unknown_service_host::check_repo,
    ];
    let found: Vec<Vec<Diagnostic>> = REPO_RULES
        .par_iter()
        .map(|rule| {
            let mut found = Vec::new();
            rule(index, &mut found);
            found
        })
        .collect();
    out.extend(found.into_iter().flatten());
}

/// Groups references by what they name, so that one missing thing is one finding however many
/// references name it: each group's references sorted by location, the same location once (a
/// base included by several builds), and the groups in the order of their first reference.
pub(crate) fn group_references<K, T>(
    references: impl IntoIterator<Item = (K, crate::diagnostics::Location, T)>,
) -> Vec<(K, Vec<(crate::diagnostics::Location, T)>)>
where
    K: std::hash::Hash + Eq,
{
    let mut groups: foldhash::HashMap<K, Vec<(crate::diagnostics::Location, T)>> =
        foldhash::HashMap::default();
    for (key, location, item) in references {
        groups.entry(key).or_default().push((location, item));
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    for (_, refs) in &mut groups {
        refs.sort_by_key(|(location, _)| *location);
        refs.dedup_by_key(|(location, _)| *location);
    }
    groups.sort_by_key(|(_, refs)| refs[0].0);
    groups
}

/// Adds the references after the first as related locations.
pub(crate) fn with_other_references<T>(
    mut diagnostic: Diagnostic,
    references: &[(crate::diagnostics::Location, T)],
) -> Diagnostic {
    for (location, _) in references.iter().skip(1) {
        diagnostic = diagnostic.with_secondary(*location, "also referenced here");
    }
    diagnostic
}

/// ` (N references)` after a message when there is more than one.
pub(crate) fn reference_count<T>(references: &[T]) -> String {
    match references.len() {
        0 | 1 => String::new(),
        n => format!(" ({n} references)"),
    }
}
