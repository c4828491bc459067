//! `unrendered-placeholder`: a template or substitution placeholder (`{{ .Values.image }}`,
//! `${APP_NAME}`, `$(TAG)`, `<ADD VALUE HERE>`) left in a value where it makes the object invalid
//! or unusable. One placeholder is one finding: a format rule about to report the value (an
//! invalid name, label value, quantity, type, ...) reports this instead ([`instead_of`], asked by
//! [`Context::report`]); and the fields whose format the API server does not check at create
//! time but that cannot work with a placeholder (images, the names of the ConfigMaps, Secrets
//! and claims a pod uses) are checked here. Placeholders in free-form values (ConfigMap data,
//! annotations, env values, commands) are data and never reported.

use crate::check::Context;
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::k8s::object::Object;
use crate::k8s::placeholder;
use crate::k8s::field::{Field, select};
use crate::k8s::workload;

pub use crate::model::rule::unrendered_placeholder as RULE;




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
    // (Most files hold no placeholder at all: then no field needs looking at.)
    if !cx.file.may_hold_placeholders(placeholder::may_occur) {
        return;
    }
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
        .with_help(format!("{verdict}; {}", crate::check::placeholder::RENDER));
    d.severity = severity;
    cx.report(d);
}
