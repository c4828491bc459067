//! Schema validation: every object is checked against the embedded schema of its apiVersion and
//! kind for the target Kubernetes release ([`catalog`]), or against its CRD ([`crd`]); removed,
//! deprecated and unknown apiVersions are reported from the same data ([`apis`]). Each error of
//! the validator is mapped back to the YAML node at its instance path and put in Kubernetes terms
//! ([`messages`]).

pub mod apis;
pub mod catalog;
pub mod crd;
mod messages;
pub mod patches;
pub mod validator;

use crate::check::Context;
use crate::k8s::object::Object;
use crate::load::tree::Node;
use crate::model::diagnostic::{Diagnostic, Rule, Severity};
use crate::model::span::Span;
use crate::schema::crd::Crds;
use apis::Lifecycle;
use catalog::{VersionSet, catalog};
use serde_json::Value;

/// The rules whose findings come from the validator. When one of them and a more specific rule
/// report the same node, the specific finding is kept ([`crate::checks`]).
pub fn is_validator_rule(rule: &Rule) -> bool {
    [
        &crate::model::rule::unknown_field,
        &crate::model::rule::wrong_type,
        &crate::model::rule::missing_required_field,
        &crate::model::rule::schema_violation,
    ]
    .contains(&rule)
}

/// A segment of an instance path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// What the object is validated against.
pub(crate) struct Target<'s> {
    pub set: &'s VersionSet,
    /// The (normalized) schema of the object's root; `$ref`s resolve in `set`.
    pub root: &'s Value,
    pub kind: &'s str,
    /// Kubernetes' own kinds get help texts that only hold for them.
    pub builtin: bool,
}

/// Loads and indexes the embedded schemas of a release ahead of the first object (the pipeline
/// does it during the first pass over the files); definitions are compiled when first needed.
pub fn prepare(version: crate::model::KubeVersion) {
    let catalog = catalog();
    if let Some(i) = catalog.index_of(version) {
        catalog.version_set(i);
    }
}

/// Whether checking this object needs the run's CRDs: it is a custom resource (its group is not
/// one of Kubernetes' own). Tool configs (a kustomization, say) are not checked as objects, so
/// they need none.
pub fn is_custom_resource(object: &crate::k8s::object::Object<'_>) -> bool {
    !object.is_tool_config() && !apis::is_builtin_group(catalog(), object.group())
}

/// Checks one object: its apiVersion against the target release, then its content against the
/// schema (custom resources against the run's CRDs).
pub fn check(object: &Object<'_>, cx: &mut Context<'_>, crds: &Crds) {
    let (Some(api_version), Some(kind)) = (object.api_version, object.kind) else {
        return;
    };
    if api_version.trim().is_empty() || kind.trim().is_empty() {
        return; // missing-kind-or-api-version
    }
    let catalog = catalog();
    let Some(target) = catalog.index_of(cx.options.kubernetes_version) else {
        return;
    };
    let version = catalog.versions[target];
    let api_node = object.root.get("apiVersion").expect("the object has one");
    let kind_node = object.root.get("kind").expect("the object has one");
    if !apis::is_builtin_group(catalog, object.group()) {
        return check_custom(object, api_version, kind, target, api_node, cx, crds);
    }
    match apis::lifecycle(catalog, target, api_version, kind) {
        Lifecycle::Served { def, deprecation } => {
            if let Some(d) = deprecation {
                let mut message = match (d.removed_in, d.since) {
                    (Some(removed), _) => format!(
                        "{api_version} {kind} is deprecated: Kubernetes {removed} no longer serves it"
                    ),
                    (None, Some(since)) => {
                        format!("{api_version} {kind} is deprecated since Kubernetes {since}")
                    }
                    (None, None) => format!("{api_version} {kind} is deprecated"),
                };
                let help = match &d.instead {
                    Some(instead) if instead.contains(' ') => format!("use {instead}"),
                    Some(instead) => {
                        message.push_str(&format!("; use {instead}"));
                        format!(
                            "change `apiVersion` to {instead} (check the fields that changed between the versions)"
                        )
                    }
                    None => "plan to stop using it".to_owned(),
                };
                cx.report(
                    Diagnostic::new(
                        &crate::model::rule::deprecated_api_version,
                        cx.loc(api_node.span),
                        message,
                    )
                    .with_label("deprecated API version")
                    .with_help(help),
                );
            }
            let set = catalog.version_set(target);
            if let (Some(schema), Some(root)) = (set.schema(def), set.def(def)) {
                let target = Target {
                    set: &set,
                    root,
                    kind,
                    builtin: true,
                };
                validate(object, schema, &target, cx);
            }
            if crd::is_crd(object) {
                check_crd_schemas(object, cx);
                check_crd_versions(object, cx);
                if let Some(definition) = crd::definition(object) {
                    let versions: Vec<(&str, &Node)> = definition
                        .versions
                        .iter()
                        .filter_map(|v| Some((v.name, &v.schema?.value)))
                        .collect();
                    crate::policy::crd_rules::check_crd(&definition.name, &versions, cx);
                }
            }
        }
        Lifecycle::Removed {
            removed_in,
            replacement,
            note,
        } => {
            let mut message =
                format!("{api_version} {kind} was removed in Kubernetes {removed_in}");
            let help = match (&replacement, note) {
                (Some(r), _) => {
                    message.push_str(&format!("; use {r}"));
                    format!(
                        "Kubernetes {version} does not serve {api_version} (kubectl: no matches for kind \"{kind}\" in version \"{api_version}\"); change `apiVersion` to {r} and check the fields that changed between the versions"
                    )
                }
                (None, Some(note)) => note.to_owned(),
                (None, None) => format!("Kubernetes {version} serves no {kind}"),
            };
            cx.report(
                Diagnostic::new(
                    &crate::model::rule::removed_api_version,
                    cx.loc(api_node.span),
                    message,
                )
                .with_label(format!("not served by Kubernetes {version}"))
                .with_help(help),
            );
        }
        Lifecycle::NotYet { since, instead } => {
            let message = format!(
                "Kubernetes {version} does not serve {api_version} {kind} yet: it was added in {since}"
            );
            let help = match instead {
                Some(i) => format!(
                    "use {i}, which Kubernetes {version} serves, or target a newer release with --kubernetes-version"
                ),
                None => "target a newer release with --kubernetes-version".to_owned(),
            };
            cx.report(
                Diagnostic::new(
                    &crate::model::rule::unknown_kind,
                    cx.loc(api_node.span),
                    message,
                )
                .with_label(format!("not served by Kubernetes {version}"))
                .with_help(help),
            );
        }
        Lifecycle::Unknown {
            served_as,
            similar_kind,
        } => {
            let (span, message, help) = if crate::k8s::placeholder::contains(api_version) {
                // The apiVersion is at fault (and reported as the placeholder it is).
                (
                    api_node.span,
                    format!("Kubernetes {version} has no kind `{kind}` in {api_version}"),
                    String::new(),
                )
            } else if let Some(first) = served_as.first() {
                (
                    api_node.span,
                    format!("Kubernetes has no {kind} in {api_version}; use {first}"),
                    format!("{kind} is served as {}", served_as.join(", ")),
                )
            } else if let Some(similar) = similar_kind {
                (
                    kind_node.span,
                    format!(
                        "Kubernetes has no kind `{kind}` in {api_version}; did you mean `{similar}`?"
                    ),
                    "kinds are case-sensitive CamelCase names".to_owned(),
                )
            } else {
                (
                    kind_node.span,
                    format!("Kubernetes {version} has no kind `{kind}` in {api_version}"),
                    "check the spelling of `kind` and `apiVersion`; `kubectl api-resources` lists what a cluster serves".to_owned(),
                )
            };
            cx.report(
                Diagnostic::new(&crate::model::rule::unknown_kind, cx.loc(span), message)
                    .with_label("unknown to Kubernetes")
                    .with_help(help),
            );
        }
    }
}

/// A custom resource: validated against its CRD, or a `no-schema` warning.
fn check_custom(
    object: &Object<'_>,
    api_version: &str,
    kind: &str,
    target: usize,
    api_node: &Node,
    cx: &mut Context<'_>,
    crds: &Crds,
) {
    let Some(found) = crds.get(api_version, kind) else {
        let (message, help) = match crds.served_versions(object.group(), kind) {
            Some((served, name)) => (
                format!(
                    "no schema for {api_version} {kind}: its CRD {name} does not serve {}",
                    object.version()
                ),
                format!(
                    "the CRD serves {}; change `apiVersion`, or pass the CRD that serves this version with --crd",
                    served.join(", ")
                ),
            ),
            None => (
                format!("no schema for {api_version} {kind}; pass its CRD with --crd"),
                "the object was not validated: kubevet reads CustomResourceDefinitions from the checked paths and from --crd FILE|DIR".to_owned(),
            ),
        };
        cx.report(
            Diagnostic::new(
                &crate::model::rule::no_schema,
                cx.loc(api_node.span),
                message,
            )
            .with_label("not validated")
            .with_help(help),
        );
        return;
    };
    let set = catalog().version_set(target);
    // No schema in the CRD: anything goes. A broken one is reported at the CRD.
    let Some(compiled) = found.compiled(&set) else {
        return;
    };
    let schema = match &compiled.validator {
        Ok(schema) => schema,
        Err(error) => {
            // Checked paths report a broken CRD at the CRD; say why this object is not
            // validated when the CRD came from --crd or fails only to compile.
            if found.file() != Some(cx.file.id) {
                cx.report(
                    Diagnostic::new(
                        &crate::model::rule::no_schema,
                        cx.loc(api_node.span),
                        format!(
                            "{api_version} {kind} is not validated: the schema of its CRD {} is invalid",
                            found.crd_name
                        ),
                    )
                    .with_label("not validated")
                    .with_help(error.clone()),
                );
            }
            return;
        }
    };
    let target = Target {
        set: &set,
        root: &compiled.schema,
        kind,
        builtin: false,
    };
    validate(object, schema, &target, cx);
    if let Some(rules) = found.cel_rules(cx.options.kubernetes_version.minor) {
        crate::policy::crd_rules::check(object, rules, &found.crd_name, cx);
    }
}

/// `invalid-crd-schema`: the schemas of a CRD object, checked as the API server checks them
/// (structural, valid patterns).
fn check_crd_schemas(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(definition) = crd::definition(object) else {
        return;
    };
    let mut seen: Vec<Span> = Vec::new();
    for version in &definition.versions {
        let Some(entry) = version.schema else {
            continue;
        };
        if seen.contains(&entry.value.span) {
            continue;
        }
        seen.push(entry.value.span);
        for problem in crd::structural_problems(&entry.value, definition.legacy) {
            let mut d = Diagnostic::new(
                &crate::model::rule::invalid_crd_schema,
                cx.loc(problem.span),
                format!(
                    "{} (CRD {}, version {})",
                    problem.message, definition.name, version.name
                ),
            )
            .with_label("invalid schema")
            .with_secondary(
                cx.loc(entry.key.span),
                "custom resources are not validated against this schema",
            );
            if let Some(help) = problem.help {
                d = d.with_help(help);
            }
            cx.report(d);
        }
    }
}

/// `invalid-crd-schema`: exactly one of a CRD's `spec.versions` must be the storage version
/// (apiextensions `validateCustomResourceDefinitionSpec`); neither `storage` nor `served` is
/// required on each version (absent means false), so a version without `served` is a warning:
/// the API server accepts it, but does not serve it.
fn check_crd_versions(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(entry) = object.root.get("spec").and_then(|s| s.entry("versions")) else {
        return;
    };
    let Some(items) = entry.value.as_seq().filter(|items| !items.is_empty()) else {
        return;
    };
    let crd = object.name.unwrap_or("");
    let storage: Vec<(usize, &Node)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| Some((i, item.get("storage")?)))
        .filter(|(_, node)| node.as_bool() == Some(true))
        .collect();
    match storage.as_slice() {
        [] => cx.report(
            Diagnostic::new(
                &crate::model::rule::invalid_crd_schema,
                cx.loc(entry.key.span),
                format!(
                    "spec.versions: Invalid value: must have exactly one version marked as storage version, and none is (CRD {crd})"
                ),
            )
            .with_label("no `storage: true`")
            .with_help("mark one version `storage: true`, usually the newest stable one: objects are stored in etcd in that version; `storage` is false when absent"),
        ),
        [(_, first), extra @ ..] => {
            for (i, node) in extra {
                cx.report(
                    Diagnostic::new(
                        &crate::model::rule::invalid_crd_schema,
                        cx.loc(node.span),
                        format!(
                            "spec.versions[{i}].storage: Invalid value: must have exactly one version marked as storage version (CRD {crd})"
                        ),
                    )
                    .with_label("a second storage version")
                    .with_secondary(cx.loc(first.span), "the first storage version")
                    .with_help("objects are stored in etcd in one version: keep `storage: true` on one version and set `storage: false` on the others"),
                );
            }
        }
    }
    for (i, item) in items.iter().enumerate() {
        if !item.is_map() || item.get("served").is_some() {
            continue;
        }
        let name_node = item.get("name");
        let name = name_node.and_then(Node::as_str).unwrap_or("");
        let mut diagnostic = Diagnostic::new(
            &crate::model::rule::invalid_crd_schema,
            cx.loc(name_node.unwrap_or(item).span),
            format!(
                "spec.versions[{i}]: version `{name}` of CRD {crd} is not served: `served` is absent, which means false"
            ),
        )
        .with_label("no `served`")
        .with_help("add `served: true`, or `served: false` if the version is unserved on purpose; the API server rejects custom resources of an unserved version");
        diagnostic.severity = Severity::Warning;
        cx.report(diagnostic);
    }
}

/// Validates an object and reports the failures at their YAML nodes.
fn validate(
    object: &Object<'_>,
    schema: &validator::Schema,
    target: &Target<'_>,
    cx: &mut Context<'_>,
) {
    let failures = validator::validate(schema, target.set, object.root);
    if failures.is_empty() {
        return;
    }
    messages::report(object, failures, target, cx);
}
