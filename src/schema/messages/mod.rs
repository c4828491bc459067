//! Validator errors in Kubernetes language, at the YAML node they are about: unknown fields at
//! their key with a did-you-mean, wrong types with the YAML reason (an unquoted `yes`, a quoted
//! number), missing required fields at the parent's key, one message for int-or-string fields.

mod values;
use values::*;

use super::validator::{Failure, FailureKind, JsonType};
use super::{Segment, Target};
use crate::check::Context;
use crate::k8s::object::Object;
use crate::load::tree::{Node, Value as Yaml};
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::text::did_you_mean;
use serde_json::Value;

pub(super) fn report(
    object: &Object<'_>,
    mut failures: Vec<Failure<'_>>,
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    // A value of the wrong type explains everything else said about it and below it.
    let type_paths: Vec<Vec<Segment>> = failures
        .iter()
        .filter(|f| matches!(f.kind, FailureKind::Type { .. }))
        .map(|f| f.path.clone())
        .collect();
    failures.retain(|f| {
        let is_type = matches!(f.kind, FailureKind::Type { .. });
        !type_paths
            .iter()
            .any(|t| f.path.starts_with(t) && (f.path.len() > t.len() || !is_type))
    });
    // A kustomize patch is partial, and may hold patch directives.
    let is_patch = super::patches::has_directive(object.root) || cx.is_partial();
    if is_patch {
        failures.retain(|f| match &f.kind {
            FailureKind::Required { .. } => false,
            FailureKind::AdditionalProperties { unexpected } => {
                !unexpected.iter().all(|u| super::patches::is_directive(u))
            }
            _ => true,
        });
    }
    // Missing fields: one finding per object that lacks some.
    let mut missing: Vec<(Vec<Segment>, Vec<String>)> = Vec::new();
    for failure in &failures {
        if let FailureKind::Required { property } = &failure.kind {
            // The status is written by controllers; the API server ignores it on create.
            if failure.path.first() == Some(&Segment::Key("status".into())) {
                continue;
            }
            // kustomize's selector labels make the selector of an apps/v1 workload.
            if property == "selector"
                && target.builtin
                && failure.path == [Segment::Key("spec".into())]
                && matches!(
                    target.kind,
                    "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
                )
                && !cx.kustomize_selector_labels().is_empty()
            {
                continue;
            }
            let name = property.clone();
            match missing.iter_mut().find(|(p, _)| *p == failure.path) {
                Some((_, names)) => names.push(name),
                None => missing.push((failure.path.clone(), vec![name])),
            }
        }
    }
    for (path, names) in missing {
        report_missing(object, &path, &names, target, cx);
    }
    let mut seen_type_errors: Vec<Vec<Segment>> = Vec::new();
    for failure in failures {
        match &failure.kind {
            FailureKind::Required { .. } => {}
            FailureKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    if !(is_patch && super::patches::is_directive(name)) {
                        report_unknown(object, &failure.path, name, target, cx);
                    }
                }
            }
            FailureKind::Type { expected } => {
                if seen_type_errors.contains(&failure.path) {
                    continue;
                }
                seen_type_errors.push(failure.path.clone());
                let expected: Vec<JsonType> = expected.iter().collect();
                report_wrong_type(object, &failure.path, &expected, target, cx);
            }
            FailureKind::Base64 { at } => report_base64(object, &failure, *at, target, cx),
            _ => report_other(object, &failure, target, cx),
        }
    }
}

/// The node at a path, with the key node of the entry holding it (when it is a mapping value).
struct Located<'a> {
    node: &'a Node,
    key: Option<&'a Node>,
}

fn locate<'a>(root: &'a Node, path: &[Segment]) -> Located<'a> {
    let mut here = Located {
        node: root,
        key: None,
    };
    for segment in path {
        let next = match segment {
            Segment::Key(k) => here
                .node
                .entries()
                .iter()
                .rev()
                .find(|e| e.key.key_string().as_deref() == Some(k.as_str()))
                .map(|e| Located {
                    node: &e.value,
                    key: Some(&e.key),
                }),
            Segment::Index(i) => here
                .node
                .as_seq()
                .and_then(|items| items.get(*i))
                .map(|n| Located { node: n, key: None }),
        };
        match next {
            Some(next) => here = next,
            None => break,
        }
    }
    here
}

/// `spec.template.spec.containers[0].ports[1]`; map keys that are not identifiers in brackets:
/// `metadata.labels[app.kubernetes.io/name]`.
pub(crate) fn display_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(k) if is_identifier(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Key(k) => out.push_str(&format!("[{k}]")),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn is_identifier(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// "DaemonSet spec", "Pod spec.containers[0]", or just "DaemonSet" at the top.
fn in_object(kind: &str, path: &[Segment]) -> String {
    if path.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} {}", display_path(path))
    }
}

/// How a field is named in a message: its key, or `args[0]` for a list item.
fn field_name(path: &[Segment]) -> String {
    match path.last() {
        None => "the object".to_owned(),
        Some(Segment::Key(k)) => k.clone(),
        Some(Segment::Index(_)) => {
            let start = path
                .iter()
                .rposition(|s| matches!(s, Segment::Key(_)))
                .unwrap_or(0);
            display_path(&path[start..])
        }
    }
}

/// The key a user writes a value under (for "quote it: key: \"value\"" help); list items
/// have none.
fn write_as(path: &[Segment], text: &str) -> String {
    match path.last() {
        Some(Segment::Key(k)) => format!("{k}: {text}"),
        _ => text.to_owned(),
    }
}

/// Resolves `$ref`s in the target's version set.
fn deref<'s>(target: &Target<'s>, mut schema: &'s Value) -> &'s Value {
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => match target.set.resolve_ref(r) {
                Some(next) => schema = next,
                None => break,
            },
            None => break,
        }
    }
    schema
}

/// The schema that applies at a path (following `properties`, `additionalProperties`, `items`).
fn schema_at<'s>(target: &Target<'s>, path: &[Segment]) -> Option<&'s Value> {
    let mut schema = deref(target, target.root);
    for segment in path {
        let next = match segment {
            Segment::Key(k) => schema
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object())),
            Segment::Index(_) => schema.get("items"),
        }?;
        schema = deref(target, next);
    }
    Some(schema)
}

fn property_names(schema: &Value) -> Vec<&str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// For a misplaced field: the child of `schema` that has a field `name` (one level too high).
fn child_with_field<'s>(target: &Target<'s>, schema: &'s Value, name: &str) -> Option<&'s str> {
    let properties = schema.get("properties")?.as_object()?;
    properties.iter().find_map(|(child, sub)| {
        let mut sub = deref(target, sub);
        if let Some(items) = sub.get("items") {
            sub = deref(target, items);
        }
        property_names(sub)
            .contains(&name)
            .then_some(child.as_str())
    })
}

fn report_unknown(
    object: &Object<'_>,
    path: &[Segment],
    name: &str,
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let parent = locate(object.root, path);
    let Some(entry) = parent
        .node
        .entries()
        .iter()
        .rev()
        .find(|e| e.key.key_string().as_deref() == Some(name))
    else {
        return;
    };
    let kind = target.kind;
    let message = format!("unknown field `{name}` in {}", in_object(kind, path));
    let schema = schema_at(target, path);
    let allowed: Vec<&str> = schema.map(property_names).unwrap_or_default();
    let mut full_path = path.to_vec();
    full_path.push(Segment::Key(name.to_owned()));
    let kubectl = format!(
        "kubectl --validate=strict (the default) rejects it: unknown field \"{}\"",
        display_path(&full_path)
    );
    let keys: Vec<&str> = full_path
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    // Where the mistake is about how the kind works, the workload rules explain it.
    let kind_help = target
        .builtin
        .then(|| crate::k8s::workload::unknown_field_help(object.group(), kind, &keys))
        .flatten();
    let help = if let Some(help) = kind_help {
        help.to_owned()
    } else if let Some(suggestion) = did_you_mean(name, allowed.iter().copied()) {
        if suggestion.eq_ignore_ascii_case(name) {
            format!("did you mean `{suggestion}`? Field names are case-sensitive")
        } else {
            format!("did you mean `{suggestion}`?")
        }
    } else if let Some(child) = schema.and_then(|s| child_with_field(target, s, name)) {
        format!("`{name}` is a field of `{child}`: indent it under `{child}:`")
    } else if let Some(up) = path
        .iter()
        .rposition(|s| matches!(s, Segment::Key(_)))
        .filter(|_| !path.is_empty())
        .and_then(|i| {
            let above = &path[..i];
            schema_at(target, above)
                .filter(|s| property_names(s).contains(&name))
                .map(|_| above)
        })
    {
        let place = if up.is_empty() {
            "the top level of the object".to_owned()
        } else {
            format!("`{}`", display_path(up))
        };
        format!("`{name}` is a field of {place}: check its indentation")
    } else if !allowed.is_empty() && allowed.len() <= 12 {
        format!("the fields here are: {}", allowed.join(", "))
    } else {
        kubectl
    };
    let mut diagnostic = Diagnostic::new(
        &crate::model::rule::unknown_field,
        cx.loc(entry.key.span),
        message,
    )
    .with_label("unknown field")
    .with_help(help);
    if !cx.options.strict {
        diagnostic.severity = Severity::Warning;
    }
    cx.report(diagnostic);
}

fn report_missing(
    object: &Object<'_>,
    path: &[Segment],
    names: &[String],
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let here = locate(object.root, path);
    // The key of the object that lacks the fields; a list item or the whole object when it has
    // none (the spans the workload rules use, so one missing field is one finding).
    let span = match here.key {
        Some(key) => key.span,
        None => here.node.span,
    };
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let (fields, list) = match quoted.as_slice() {
        [one] => ("field", one.clone()),
        [init @ .., last] => ("fields", format!("{} and {last}", init.join(", "))),
        [] => return,
    };
    let message = format!(
        "missing required {fields} {list} in {}",
        in_object(target.kind, path)
    );
    let where_ = if path.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("under `{}`", display_path(path))
    };
    let mut help = format!("add {list} {where_}");
    if target.builtin
        && names.iter().any(|n| n == "selector")
        && path == [Segment::Key("spec".into())]
    {
        help.push_str(
            "; apps/v1 workloads need `selector.matchLabels` matching the pod template's labels",
        );
    }
    cx.report(
        Diagnostic::new(
            &crate::model::rule::missing_required_field,
            cx.loc(span),
            message,
        )
        .with_label(format!("{list} missing here"))
        .with_help(help),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_kubernetes_field_paths() {
        let path = vec![
            Segment::Key("spec".into()),
            Segment::Key("containers".into()),
            Segment::Index(0),
            Segment::Key("ports".into()),
        ];
        assert_eq!(display_path(&path), "spec.containers[0].ports");
        assert_eq!(
            display_path(&[
                Segment::Key("metadata".into()),
                Segment::Key("labels".into()),
                Segment::Key("app.kubernetes.io/name".into())
            ]),
            "metadata.labels[app.kubernetes.io/name]"
        );
        assert_eq!(field_name(&path[..3]), "containers[0]");
        assert_eq!(in_object("Pod", &[]), "Pod");
    }
}
