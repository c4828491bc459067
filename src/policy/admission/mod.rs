//! `admission-policy`: ValidatingAdmissionPolicies and their bindings, evaluated offline on the
//! repository's objects as the API server's admission plugin evaluates them on create
//! (k8s.io/apiserver/pkg/admission/plugin/policy/validating/, matching in
//! k8s.io/apiserver/pkg/admission/plugin/policy/matching/ and .../webhook/predicates/).
//!
//! A whole-repository stage: it needs every binding, the Namespace objects (their labels for
//! `namespaceSelector`, `namespaceObject`) and the parameter objects. It runs only when there is
//! a policy (in the tree, `--policy`, or `policies:` in the configuration), and it filters by
//! `matchConstraints` and the binding's `matchResources` on the index (kind, group, version,
//! namespace, labels) before any file is read again or any CEL value is built; each policy's
//! expressions are compiled once.

mod evaluate;
mod matching;
mod read;
mod sources;

use crate::index::{Index, Instance};
use crate::k8s::object::objects_of;
use crate::load::Limits;
use crate::load::tree::{Node, Value as Y};
use crate::model::KubeVersion;
use crate::model::diagnostic::{Diagnostic, FileId, Location, Severity};
use crate::model::rule::admission_policy as RULE;
use ::cel::common::value::Val;
use evaluate::{Lazy, Scope, evaluate, finding, namespace_node, node, request_node};
use matching::{Target, selects};
use rayon::prelude::*;
use read::{Binding, Policy, read_binding, read_policy};
use sources::{Tree, load_given, object_at, object_of, tree_of};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

const GROUP: &str = "admissionregistration.k8s.io";
const POLICY: &str = "ValidatingAdmissionPolicy";
const BINDING: &str = "ValidatingAdmissionPolicyBinding";

/// Where policies come from besides the checked tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `--policy PATH` or a path in `policies:`: a file or directory of policies and bindings.
    Path(PathBuf),
    /// A policy of the pack in `rules/policies/`, enabled by name in `policies:`.
    Pack(&'static str),
}

/// The policies of the pack (`rules/policies/<name>.yaml`), compiled in.
pub const PACK: &[(&str, &str)] = &[
    (
        "required-labels",
        include_str!("../../../rules/policies/required-labels.yaml"),
    ),
    (
        "allowed-registries",
        include_str!("../../../rules/policies/allowed-registries.yaml"),
    ),
    (
        "no-latest-tag",
        include_str!("../../../rules/policies/no-latest-tag.yaml"),
    ),
    (
        "resource-limits",
        include_str!("../../../rules/policies/resource-limits.yaml"),
    ),
    (
        "replica-bounds",
        include_str!("../../../rules/policies/replica-bounds.yaml"),
    ),
];

pub fn pack(name: &str) -> Option<&'static str> {
    PACK.iter().find(|(n, _)| *n == name).map(|(n, _)| *n)
}

/// Whether a loaded file has a ValidatingAdmissionPolicy or a binding (the run then keeps the
/// trees of the files it loads after it, for this stage).
pub fn has_policy(loaded: &crate::load::Loaded) -> bool {
    loaded.documents.iter().any(|d| {
        objects_of(&d.root, d.index).iter().any(|o| {
            matches!(o.kind, Some(POLICY | BINDING))
                && o.api_version.is_some_and(|v| v.starts_with(GROUP))
        })
    })
}

/// Whether an object (by its summary) is a ValidatingAdmissionPolicy or a binding: a run with
/// one keeps the trees of the rendered objects, for this stage.
pub fn is_policy(object: &crate::index::summary::ObjectSummary) -> bool {
    object.group == GROUP && matches!(object.kind.as_str(), POLICY | BINDING)
}

/// What the stage needs of the run.
pub struct Inputs<'a> {
    pub kubernetes_version: KubeVersion,
    /// The limits the files were loaded with, to load them again alike.
    pub limits: &'a Limits,
    /// The policies given besides the tree (`--policy`, `policies:`).
    pub given: &'a [Source],
    /// A checked file's tree, when the run kept it.
    pub tree: &'a (dyn Fn(FileId) -> Option<Arc<crate::load::Loaded>> + Sync),
    /// The text of a file as it was checked (read again, or kept for stdin).
    pub source: &'a (dyn Fn(FileId) -> Option<String> + Sync),
    /// Whether a file is context (indexed, not reported on).
    pub context: &'a (dyn Fn(FileId) -> bool + Sync),
}

/// Runs the policies of the tree and the given ones over the indexed objects.
pub fn check_repo(index: &Index, inputs: &Inputs<'_>, out: &mut Vec<Diagnostic>) {
    let is = |i: &Instance, kind: &str| i.object.group == GROUP && i.object.kind == kind;
    let policy_files: Vec<FileId> = {
        let mut v: Vec<FileId> = index
            .instances
            .iter()
            .filter(|i| is(i, POLICY) || is(i, BINDING))
            .map(|i| i.object.file)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if policy_files.is_empty() && inputs.given.is_empty() {
        return;
    }
    let env = super::crd_rules::env(inputs.kubernetes_version.minor);
    let mut trees: HashMap<FileId, Tree> = policy_files
        .par_iter()
        .filter_map(|f| Some((*f, tree_of(*f, inputs)?)))
        .collect();
    let given = load_given(inputs);

    // Policies and bindings, in the tree and given.
    let mut policies: Vec<Policy> = Vec::new();
    let mut bindings: Vec<Binding> = Vec::new();
    for instance in index
        .instances
        .iter()
        .filter(|i| is(i, POLICY) || is(i, BINDING))
    {
        let Some(tree) = trees.get(&instance.object.file) else {
            continue;
        };
        let Some(object) = instance
            .object
            .tree
            .as_deref()
            .or_else(|| object_at(tree, instance))
        else {
            continue;
        };
        let at = Some(instance.object.location);
        if is(instance, POLICY) {
            if !policies
                .iter()
                .any(|p| p.location.is_some() && p.name == instance.object.name)
            {
                policies.push(read_policy(object, at, &tree.origin, env));
            }
        } else if !bindings.iter().any(|b| b.name == instance.object.name) {
            bindings.push(read_binding(object, at, &tree.origin));
        }
    }
    for tree in &given {
        for d in &tree.loaded.documents {
            for o in objects_of(&d.root, d.index) {
                if o.api_version.is_none_or(|v| !v.starts_with(GROUP)) {
                    continue;
                }
                match o.kind {
                    Some(POLICY) => policies.push(read_policy(o.root, None, &tree.origin, env)),
                    Some(BINDING) => bindings.push(read_binding(o.root, None, &tree.origin)),
                    _ => {}
                }
            }
        }
    }
    // A policy of the pack, or given, without a binding of its own is bound with the action of
    // its own binding in the same source; one with none at all is not enforced (as on a
    // cluster), which is said once.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (b, binding) in bindings.iter().enumerate() {
        if let Some(p) = policies.iter().position(|p| p.name == binding.policy) {
            pairs.push((p, b));
        }
    }
    for (p, policy) in policies.iter().enumerate() {
        let problem = if !policy.broken.is_empty() {
            let (field, e) = &policy.broken[0];
            Some((
                Severity::Error,
                format!(
                    "ValidatingAdmissionPolicy '{}': {field} does not compile: {e}",
                    policy.name
                ),
                "the API server rejects the policy; fix the expression".to_owned(),
            ))
        } else if let Some(why) = &policy.not_evaluable {
            pairs
                .iter()
                .any(|(q, _)| *q == p)
                .then(|| {
                    (
                        Severity::Info,
                        format!(
                            "ValidatingAdmissionPolicy '{}' is not evaluated offline: {why}",
                            policy.name
                        ),
                        "kubevet does not guess what the API server would decide; the objects it matches are not checked against it".to_owned(),
                    )
                })
        } else {
            None
        };
        if let Some((severity, message, help)) = problem
            && let Some(location) = policy.location
        {
            let mut d = Diagnostic::new(&RULE, location, message)
                .with_label("not evaluated")
                .with_help(help);
            d.severity = severity;
            out.push(d);
        }
    }
    pairs.retain(|(p, b)| {
        let policy = &policies[*p];
        policy.broken.is_empty()
            && policy.not_evaluable.is_none()
            && bindings[*b].severity.is_some()
    });
    if pairs.is_empty() {
        return;
    }

    // Plurals of custom resources, from the CRDs in the tree.
    let plurals: HashMap<(String, String), String> = HashMap::new();
    // Namespace labels, with the automatic kubernetes.io/metadata.name.
    let mut namespaces: HashMap<&str, &Instance> = HashMap::new();
    for i in index.instances.iter().filter(|i| i.is("", "Namespace")) {
        namespaces.entry(i.object.name.as_str()).or_insert(i);
    }
    let namespace_labels = |ns: &str| -> Vec<(String, String)> {
        let mut labels = namespaces
            .get(ns)
            .map(|i| i.object.labels.clone())
            .unwrap_or_default();
        labels.retain(|(k, _)| k != "kubernetes.io/metadata.name");
        labels.push(("kubernetes.io/metadata.name".into(), ns.to_owned()));
        labels
    };

    // Matching on the index: no file is read, no CEL value built, for what no policy selects.
    // An object of a context file is only evaluated for a policy or binding of a given file
    // (the finding is then reported there); otherwise its findings would be dropped.
    let context = |l: Option<Location>| l.is_none_or(|l| (inputs.context)(l.file));
    let mut matched: Vec<(usize, Vec<usize>)> = Vec::new(); // instance → pairs
    for (n, instance) in index.instances.iter().enumerate() {
        if is(instance, POLICY) || is(instance, BINDING) {
            continue;
        }
        let in_context = (inputs.context)(instance.object.file);
        let target = Target::of(instance, &plurals);
        let hits: Vec<usize> = pairs
            .iter()
            .enumerate()
            .filter(|(_, (p, b))| {
                !(in_context && context(policies[*p].location) && context(bindings[*b].location))
            })
            .filter(|(_, (p, b))| {
                policies[*p]
                    .constraints
                    .as_ref()
                    .is_some_and(|m| selects(m, &target, &namespace_labels, true))
                    && bindings[*b]
                        .resources
                        .as_ref()
                        .is_none_or(|m| selects(m, &target, &namespace_labels, false))
            })
            .map(|(k, _)| k)
            .collect();
        if !hits.is_empty() {
            matched.push((n, hits));
        }
    }
    if matched.is_empty() {
        return;
    }
    // Parameter kinds in use, and the files to read: matched objects, params, namespaces.
    let param_kinds: Vec<&(String, String)> = pairs
        .iter()
        .filter_map(|(p, _)| policies[*p].param_kind.as_ref())
        .collect();
    let params: Vec<&Instance> = index
        .instances
        .iter()
        .filter(|i| {
            param_kinds
                .iter()
                .any(|(v, k)| i.object.api_version == *v && i.object.kind == *k)
        })
        .collect();
    let mut needed: Vec<FileId> = matched
        .iter()
        .map(|(n, _)| &index.instances[*n])
        .chain(params.iter().copied())
        .chain(namespaces.values().copied())
        .filter(|i| i.object.tree.is_none())
        .map(|i| i.object.file)
        .filter(|f| !trees.contains_key(f))
        .collect();
    needed.sort();
    needed.dedup();
    let more: Vec<(FileId, Tree)> = needed
        .par_iter()
        .filter_map(|f| Some((*f, tree_of(*f, inputs)?)))
        .collect();
    trees.extend(more);

    let found: Vec<Diagnostic> = matched
        .par_iter()
        .flat_map_iter(|(n, hits)| {
            let instance = &index.instances[*n];
            let mut found = Vec::new();
            let Some(object) = object_of(&trees, instance) else {
                return found;
            };
            let o = &instance.object;
            let target = Target::of(instance, &plurals);
            let request = OnceCell::new();
            let build_request = || request_node(&target, &o.kind);
            let synthesized: Node;
            let null = node(Y::Null);
            let ns_node: &Node = match instance.namespace.as_deref() {
                None => &null,
                Some(ns) => match namespaces
                    .get(ns)
                    .and_then(|i| object_of(&trees, i))
                {
                    Some(n) => n,
                    None => {
                        synthesized = namespace_node(ns);
                        &synthesized
                    }
                },
            };
            // Converted to CEL values only if an expression needs the interpreter, once.
            let cells: [OnceCell<Box<dyn Val + '_>>; 4] = Default::default();
            for k in hits {
                let (p, b) = pairs[*k];
                let (policy, binding) = (&policies[p], &bindings[b]);
                // Parameters.
                let param_nodes: Vec<Option<&Node>> = match (&policy.param_kind, &binding.param_ref) {
                    (Some((v, kind)), Some(r)) => {
                        let ns = r.namespace.as_deref().or(instance.namespace.as_deref());
                        let list: Vec<&Node> = params
                            .iter()
                            .filter(|i| i.object.api_version == *v && i.object.kind == *kind)
                            .filter(|i| i.namespace.is_none() || i.namespace.as_deref() == ns)
                            .filter(|i| r.name.as_ref().is_none_or(|n| *n == i.object.name))
                            .filter(|i| {
                                r.selector
                                    .as_ref()
                                    .is_none_or(|s| s.matches(&i.object.labels))
                            })
                            .filter_map(|i| object_of(&trees, i))
                            .collect();
                        if list.is_empty() {
                            if r.deny_if_missing {
                                found.push(finding(
                                    instance,
                                    policy,
                                    binding,
                                    binding.severity.unwrap_or(Severity::Error),
                                    format!("no params found for policy binding with `Deny` parameterNotFoundAction ({kind} {})", r.name.as_deref().unwrap_or("selected by the binding")),
                                ));
                            }
                            continue;
                        }
                        list.into_iter().map(Some).collect()
                    }
                    _ => vec![None],
                };
                for param in param_nodes {
                    let param_cell = OnceCell::new();
                    let scope = Scope {
                        nodes: [
                            ("object", Lazy::Node(object)),
                            ("oldObject", Lazy::Node(&null)),
                            ("request", Lazy::Built(&request, &build_request)),
                            ("namespaceObject", Lazy::Node(ns_node)),
                            ("params", Lazy::Node(param.unwrap_or(&null))),
                        ],
                        values: [&cells[0], &cells[1], &cells[2], &cells[3], &param_cell],
                    };
                    evaluate(policy, binding, instance, env, &scope, &mut found);
                }
            }
            found
        })
        .collect();
    out.extend(found);
}
