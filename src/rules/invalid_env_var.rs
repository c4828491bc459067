//! `invalid-env-var`: container environment variables (reference §2.2 CTR-ENV-NAME,
//! CTR-ENV-VALUEFROM, CTR-ENVFROM): a name (strictly `[-._a-zA-Z][-._a-zA-Z0-9]*` before
//! Kubernetes 1.32, any printable ASCII but `=` since), `valueFrom` with exactly one source and
//! no `value` beside it, a supported downward-API field path, and `envFrom` with exactly one of
//! configMapRef / secretRef.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::field::Field;
use crate::k8s::workload;

pub use crate::model::rule::invalid_env_var as RULE;

const SOURCES: &[&str] = &[
    "fieldRef",
    "resourceFieldRef",
    "configMapKeyRef",
    "secretKeyRef",
    "fileKeyRef",
];
const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];
const STRICT_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const RELAXED_MSG: &str = "a valid environment variable name must consist only of printable ASCII characters other than '='";

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let relaxed = cx.options.kubernetes_version >= KubeVersion::new(32);
    for container in pod.containers() {
        if let Some(env) = container.child("env") {
            for var in env.items().iter().filter(|v| v.node.is_map()) {
                check_var(cx, var, relaxed);
            }
        }
        if let Some(env_from) = container.child("envFrom") {
            for source in env_from.items().iter().filter(|v| v.node.is_map()) {
                let present: Vec<Field<'_>> = ["configMapRef", "secretRef"]
                    .iter()
                    .filter_map(|k| source.child(k).filter(|f| !f.is_null()))
                    .collect();
                let detail = match present.len() {
                    0 => "must specify one of: `configMapRef` or `secretRef`",
                    1 => continue,
                    _ => "may not have more than one field specified at a time",
                };
                let at = present.get(1).map_or(source.node.span, |f| f.key);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(at), apimachinery::invalid(&source.path, "\"\"", detail))
                        .with_label(if present.is_empty() { "no source" } else { "two sources" })
                        .with_help("each `envFrom` entry imports one ConfigMap (`configMapRef: {name: ...}`) or one Secret (`secretRef: {name: ...}`); use two entries for both"),
                );
            }
        }
    }
}

fn check_var(cx: &mut Context<'_>, var: &Field<'_>, relaxed: bool) {
    let name_field = var.child("name");
    let name = name_field.as_ref().and_then(|f| f.str()).unwrap_or("");
    let name_path = || format!("{}.name", var.path);
    if name.is_empty() {
        if name_field
            .as_ref()
            .is_none_or(|f| f.is_null() || f.str().is_some())
        {
            let at = name_field
                .as_ref()
                .map_or(var.node.span, |f| f.value_span());
            cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&name_path(), ""))
                    .with_label("no name")
                    .with_help("every env entry needs a `name`"),
            );
        }
    } else {
        let errors = name_errors(name, relaxed);
        if !errors.is_empty() {
            let node = name_field.as_ref().expect("a name has a field").node;
            let help = if relaxed {
                "use printable ASCII characters other than `=`".to_owned()
            } else {
                format!(
                    "before Kubernetes 1.32 names use letters, digits, '_', '-' and '.', and do not start with a digit, e.g. `{}`",
                    suggest(name)
                )
            };
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(node.span),
                    apimachinery::invalid(&name_path(), &go_quote(name), &errors.join(", ")),
                )
                .with_label("not a valid variable name")
                .with_help(help),
            );
        }
    }
    let Some(value_from) = var.child("valueFrom").filter(|f| f.node.is_map()) else {
        return;
    };
    if let Some(value) = var
        .child("value")
        .filter(|f| f.str().is_some_and(|s| !s.is_empty()))
    {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(value_from.key), apimachinery::invalid(&value_from.path, "\"\"", "may not be specified when `value` is not empty"))
                .with_label("valueFrom next to a value")
                .with_secondary(cx.loc(value.key), "value")
                .with_help("an env var takes its value either literally (`value`) or from a source (`valueFrom`); remove one"),
        );
    }
    let present: Vec<Field<'_>> = SOURCES
        .iter()
        .filter_map(|k| value_from.child(k).filter(|f| !f.is_null()))
        .collect();
    match present.as_slice() {
        [] => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(value_from.key),
                apimachinery::invalid(&value_from.path, "\"\"", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"),
            )
            .with_label("no source")
            .with_help("say where the value comes from, e.g. `secretKeyRef: {name: db, key: password}` or `fieldRef: {fieldPath: metadata.name}`"),
        ),
        [_] => {}
        [first, second, ..] => cx.report(
            Diagnostic::new(&RULE, cx.loc(second.key), apimachinery::invalid(&value_from.path, "\"\"", "may not have more than one field specified at a time"))
                .with_label("second source")
                .with_secondary(cx.loc(first.key), "first source")
                .with_help("one env var takes its value from exactly one source; use a second env var for the other"),
        ),
    }
    if let Some(path) = value_from.at(&["fieldRef", "fieldPath"])
        && let Some(p) = path.str()
    {
        let keyed = ["metadata.labels['", "metadata.annotations['"]
            .iter()
            .any(|prefix| p.starts_with(prefix) && p.ends_with("']"));
        if !keyed && !FIELD_PATHS.contains(&p) {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(path.node.span),
                    apimachinery::unsupported(&path.path, p, FIELD_PATHS),
                )
                .with_label("not available to env vars")
                .with_help(format!(
                    "{}; single labels and annotations work as `metadata.labels['key']`",
                    enum_help(p, FIELD_PATHS)
                )),
            );
        }
    }
}

fn name_errors(name: &str, relaxed: bool) -> Vec<String> {
    if relaxed {
        if name.bytes().all(|b| (32..=126).contains(&b) && b != b'=') {
            return Vec::new();
        }
        return vec![RELAXED_MSG.to_owned()];
    }
    let mut errs = Vec::new();
    let b = name.as_bytes();
    let first_ok = b[0].is_ascii_alphabetic() || matches!(b[0], b'-' | b'.' | b'_');
    if !first_ok
        || !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    {
        errs.push(STRICT_MSG.to_owned());
    }
    if name == "." {
        errs.push("must not be '.'".to_owned());
    } else if name == ".." {
        errs.push("must not be '..'".to_owned());
    } else if name.starts_with("..") {
        errs.push("must not start with '..'".to_owned());
    }
    errs
}

fn suggest(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}
