//! `unrendered-placeholder`: a template or substitution placeholder (`{{ .Values.image }}`,
//! `${APP_NAME}`, `$(TAG)`, `<ADD VALUE HERE>`) left in a value where it makes the object invalid
//! or unusable. One placeholder is one finding: a format rule about to report the value (an
//! invalid name, label value, quantity, type, ...) reports this instead ([`instead_of`], asked by
//! [`Context::report`]); and the fields whose format the API server does not check at create
//! time but that cannot work with a placeholder (images, the names of the ConfigMaps, Secrets
//! and claims a pod uses) are checked here. Placeholders in free-form values (ConfigMap data,
//! annotations, env values, commands) are data and never reported.

use crate::checks::Context;
use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::object::Object;
use crate::placeholder;
use crate::rules;
use crate::tree::Span;
use crate::workload::{self, Field, select};

pub static RULE: Rule = Rule {
    id: "unrendered-placeholder",
    severity: Severity::Error,
    summary: "A template placeholder (`{{ ... }}`, `${VAR}`, `<ADD VALUE HERE>`) left in a value it makes invalid.",
    doc: include_str!("../../rules/unrendered-placeholder.md"),
};

/// The rules about a value's format: a finding of theirs on a placeholder is this rule's.
fn replaces(rule: &Rule) -> bool {
    [
        &rules::invalid_yaml::RULE,
        &rules::invalid_name::RULE,
        &rules::invalid_namespace::RULE,
        &rules::invalid_label_key::RULE,
        &rules::invalid_label_value::RULE,
        &rules::invalid_annotation::RULE,
        &rules::unknown_kind::RULE,
        &rules::no_schema::RULE,
        &rules::unknown_field::RULE,
        &rules::wrong_type::RULE,
        &rules::schema_violation::RULE,
        &rules::cron_schedule::RULE,
        &rules::cron_time_zone::RULE,
        &rules::cronjob_name_too_long::RULE,
        &rules::job_name_too_long::RULE,
        &rules::restart_policy::RULE,
        &rules::job_completion_mode::RULE,
        &rules::job_pod_failure_policy::RULE,
        &rules::invalid_selector::RULE,
        &rules::selector_mismatch::RULE,
        &rules::invalid_rolling_update::RULE,
        &rules::deployment_progress_deadline::RULE,
        &rules::statefulset_service_name::RULE,
        &rules::unsupported_value::RULE,
        &rules::negative_value::RULE,
        &rules::invalid_container_name::RULE,
        &rules::invalid_image::RULE,
        &rules::invalid_container_port::RULE,
        &rules::invalid_volume::RULE,
        &rules::volume_mount_not_found::RULE,
        &rules::invalid_file_mode::RULE,
        &rules::invalid_probe::RULE,
        &rules::probe_port_not_found::RULE,
        &rules::invalid_quantity::RULE,
        &rules::fractional_byte_value::RULE,
        &rules::invalid_env_var::RULE,
        &rules::kustomize_missing_file::RULE,
        &rules::invalid_affinity::RULE,
        &rules::invalid_toleration::RULE,
        &rules::invalid_host_alias::RULE,
        &rules::invalid_dns_config::RULE,
        &rules::invalid_pod_os::RULE,
        &rules::invalid_resize_policy::RULE,
        &rules::invalid_security_context::RULE,
        &rules::invalid_pod_names::RULE,
        &rules::invalid_topology_spread::RULE,
        &rules::invalid_base64::RULE,
    ]
    .contains(&rule)
}

/// The placeholder a finding is about, if it is about one: where this rule reports it.
pub fn token_of(diagnostic: &Diagnostic, source: &str) -> Option<Span> {
    let span = diagnostic.primary.location.span;
    if diagnostic.rule == &RULE {
        Some(span)
    } else if diagnostic.rule == &rules::invalid_yaml::RULE {
        // Of the placeholders, only `{{ ... }}` is YAML syntax (flow mappings).
        placeholder::at(source, span).filter(|t| {
            let text = source.get(t.range()).unwrap_or_default();
            text.starts_with("{{") || text.starts_with("${{")
        })
    } else if replaces(diagnostic.rule) {
        placeholder::at(source, span)
    } else {
        None
    }
}

/// This rule's finding at `span` instead of another rule's, with that finding's severity (the
/// API server rejects an invalid name; it accepts a StatefulSet's `serviceName` before 1.33).
pub fn instead_of(replaced: Diagnostic, span: Span, cx: &Context<'_>) -> Diagnostic {
    if replaced.rule == &RULE {
        return replaced;
    }
    let verdict = if replaced.rule == &rules::invalid_yaml::RULE {
        "kubectl cannot read it as written"
    } else if replaced.rule == &rules::kustomize_missing_file::RULE {
        "`kustomize build` fails on it as written"
    } else if replaced.severity == Severity::Error {
        "the API server rejects the value as written"
    } else {
        "the value cannot work as written"
    };
    let mut d = Diagnostic::new(&RULE, cx.loc(span), placeholder::describe(cx.text(span)))
        .with_label("not rendered")
        .with_help(format!("{verdict} (`{}`); {RENDER}", replaced.rule.id));
    d.severity = replaced.severity;
    d.document = replaced.document;
    d.object = replaced.object;
    d
}

const RENDER: &str = "render the templates first (`helm template`, `envsubst`, Flux `postBuild.substitute`) and check what they produce, or write the value";

/// Fields the API server accepts any string in but that cannot work with a placeholder (a
/// warning), and fields it checks that no other rule does (an error): (path below the pod spec,
/// what the value is, severity).
const POD_FIELDS: &[(&[&str], &str, Severity)] = &[
    (
        &["serviceAccountName"],
        "a ServiceAccount name",
        Severity::Error,
    ),
    (
        &["serviceAccount"],
        "a ServiceAccount name",
        Severity::Error,
    ),
    (
        &["imagePullSecrets", "*", "name"],
        "a Secret name",
        Severity::Warning,
    ),
    (
        &["volumes", "*", "configMap", "name"],
        "a ConfigMap name",
        Severity::Warning,
    ),
    (
        &["volumes", "*", "secret", "secretName"],
        "a Secret name",
        Severity::Warning,
    ),
    (
        &["volumes", "*", "persistentVolumeClaim", "claimName"],
        "a PersistentVolumeClaim name",
        Severity::Warning,
    ),
    (
        &[
            "volumes",
            "*",
            "projected",
            "sources",
            "*",
            "configMap",
            "name",
        ],
        "a ConfigMap name",
        Severity::Warning,
    ),
    (
        &[
            "volumes",
            "*",
            "projected",
            "sources",
            "*",
            "secret",
            "name",
        ],
        "a Secret name",
        Severity::Warning,
    ),
];

const CONTAINER_FIELDS: &[(&[&str], &str, Severity)] = &[
    (&["image"], "an image", Severity::Warning),
    (
        &["envFrom", "*", "configMapRef", "name"],
        "a ConfigMap name",
        Severity::Error,
    ),
    (
        &["envFrom", "*", "secretRef", "name"],
        "a Secret name",
        Severity::Error,
    ),
    (
        &["env", "*", "valueFrom", "configMapKeyRef", "name"],
        "a ConfigMap name",
        Severity::Error,
    ),
    (
        &["env", "*", "valueFrom", "configMapKeyRef", "key"],
        "a ConfigMap key",
        Severity::Error,
    ),
    (
        &["env", "*", "valueFrom", "secretKeyRef", "name"],
        "a Secret name",
        Severity::Error,
    ),
    (
        &["env", "*", "valueFrom", "secretKeyRef", "key"],
        "a Secret key",
        Severity::Error,
    ),
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if let Some(pod) = workload::pod_spec(object) {
        for (path, what, severity) in POD_FIELDS {
            for field in select(&pod.spec, path) {
                report(&field, what, *severity, cx);
            }
        }
        for container in pod.containers() {
            for (path, what, severity) in CONTAINER_FIELDS {
                for field in select(&container.field, path) {
                    report(&field, what, *severity, cx);
                }
            }
        }
        return;
    }
    let root = workload::root(object);
    if object.is("", "Service") {
        for field in select(&root, &["spec", "ports", "*", "targetPort"]) {
            report(&field, "a port name", Severity::Error, cx);
        }
    } else if object.is("networking.k8s.io", "Ingress") {
        let backends = select(
            &root,
            &["spec", "rules", "*", "http", "paths", "*", "backend"],
        )
        .into_iter()
        .chain(root.at(&["spec", "defaultBackend"]));
        for backend in backends {
            for (path, what) in [
                (&["service", "name"][..], "a Service name"),
                (&["service", "port", "name"][..], "a port name"),
            ] {
                if let Some(field) = backend.at(path) {
                    report(&field, what, Severity::Error, cx);
                }
            }
        }
    }
}

fn report(field: &Field<'_>, what: &str, severity: Severity, cx: &mut Context<'_>) {
    let Some(value) = field.str() else {
        return;
    };
    if !placeholder::contains(value) {
        return;
    }
    let verdict = match severity {
        Severity::Error => format!("the API server rejects it: `{}` must be {what}", field.path),
        _ => format!(
            "the API server accepts it, but `{}` must be {what} to work",
            field.path
        ),
    };
    let mut d = Diagnostic::new(&RULE, cx.loc(field.node.span), placeholder::describe(value))
        .with_label("not rendered")
        .with_help(format!("{verdict}; {RENDER}"));
    d.severity = severity;
    cx.report(d);
}
