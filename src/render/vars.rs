//! `vars`, as kustomize 5.5 resolves them (sigs.k8s.io/kustomize
//! `api/internal/accumulator/resaccumulator.go`): a kustomization's vars are tied to the object
//! their `objref` names when that kustomization is done (`MergeVars`: its own objects, any name
//! the object had; a second match is an error); the var sets of included kustomizations are
//! merged (a name declared twice is an error); at the top level, after hashes and name
//! references, each var takes the value of its `fieldref` (default `metadata.name`) in the
//! object it is tied to, and `$(NAME)` is replaced ([`super::refvar`]).

use super::gvk::gvk_string;
use super::kust::{Kust, is_cluster_scoped, same_ns};
use super::node::Origin;
use super::refvar::{Value, Var, field_value};
use super::{RenderError, Resource};
use crate::load::tree::Node;

impl Var {
    /// Group and version once `apiVersion` is applied (`Target.GVK()`).
    fn group_version(&self) -> (&str, &str) {
        if self.api_version.is_empty() {
            return (&self.group, &self.version);
        }
        match self.api_version.split_once('/') {
            Some((g, v)) if !v.contains('/') => (g, v),
            Some(_) => (&self.group, &self.version),
            None => (&self.group, &self.api_version),
        }
    }

    /// The var as Go prints it: `{NAME Kind.version.group {fieldpath}}`; `resolved` applies
    /// `apiVersion`, `defaulted` the default field path.
    fn describe(&self, resolved: bool, defaulted: bool) -> String {
        let (g, v) = if resolved {
            self.group_version()
        } else {
            (self.group.as_str(), self.version.as_str())
        };
        let path = if defaulted && self.fieldpath.is_empty() {
            "metadata.name"
        } else {
            &self.fieldpath
        };
        format!(
            "{{{} {} {{{path}}}}}",
            self.name,
            gvk_string(g, v, &self.kind)
        )
    }

    fn fieldpath(&self) -> &str {
        if self.fieldpath.is_empty() {
            "metadata.name"
        } else {
            &self.fieldpath
        }
    }

    /// Whether an object with this kind and one of its ids is the var's object.
    fn matches(&self, r: &Resource) -> bool {
        let (g, v) = self.group_version();
        let (rg, rv) = r.group_version();
        if (g, v, self.kind.as_str()) != (rg, rv, r.kind()) {
            return false;
        }
        // kustomize compares namespaces when the objref has one or names a cluster-scoped kind
        // (whose objects match only an objref without namespace).
        let cluster = is_cluster_scoped(r);
        r.ids.iter().any(|(ns, n)| {
            *n == self.obj_name
                && if cluster {
                    *ns == self.namespace
                } else {
                    self.namespace.is_empty() || same_ns(ns, &self.namespace)
                }
        })
    }
}

fn text(node: Option<&Node>) -> String {
    node.and_then(Node::as_str).unwrap_or_default().to_owned()
}

/// The vars a kustomization declares (decoded: their types checked, their keys canonical).
fn declared(k: &Kust) -> Vec<Var> {
    let Some(list) = k.root.get("vars").and_then(Node::as_seq) else {
        return Vec::new();
    };
    list.iter()
        .map(|entry| {
            let objref = entry.get("objref");
            let of = |key| text(objref.and_then(|o| o.get(key)));
            Var {
                name: text(entry.get("name")),
                group: of("group"),
                version: of("version"),
                kind: of("kind"),
                api_version: of("apiVersion"),
                obj_name: of("name"),
                namespace: of("namespace"),
                fieldpath: text(entry.get("fieldref").and_then(|f| f.get("fieldPath"))),
                at: k.origin(entry),
            }
        })
        .collect()
}

/// kustomize's `MergeVars` at the end of a kustomization: each var is tied to the one object of
/// `resources` it names, then added to `set`.
pub(crate) fn declare(
    set: &mut Vec<Var>,
    k: &Kust,
    resources: &mut [Resource],
) -> Result<(), RenderError> {
    let vars = declared(k);
    if vars.is_empty() {
        return Ok(());
    }
    let listed = || {
        let all: Vec<String> = vars.iter().map(|v| v.describe(false, false)).collect();
        format!("merging vars [{}]", all.join(" "))
    };
    for v in &vars {
        let matched: Vec<usize> = (0..resources.len())
            .filter(|&i| v.matches(&resources[i]))
            .collect();
        if matched.len() > 1 {
            return Err(RenderError::new(
                format!(
                    "{}: found {} resId matches for var {} (unable to disambiguate)",
                    listed(),
                    matched.len(),
                    v.describe(true, false)
                ),
                Some(v.at),
            ));
        }
        if let Some(&i) = matched.first() {
            resources[i].vars.push(v.name.clone());
        }
    }
    for v in vars.iter() {
        if set.iter().any(|s| s.name == v.name) {
            return Err(RenderError::new(
                format!("{}: var '{}' already encountered", listed(), v.name),
                Some(v.at),
            ));
        }
        set.push(v.clone());
    }
    Ok(())
}

/// Adds the vars of an included kustomization to the includer's (`MergeAccumulator`).
pub(crate) fn merge(set: &mut Vec<Var>, incoming: Vec<Var>) -> Result<(), RenderError> {
    for v in incoming {
        if set.iter().any(|s| s.name == v.name) {
            return Err(RenderError::new(
                format!("var '{}' already encountered", v.name),
                Some(v.at),
            ));
        }
        set.push(v);
    }
    Ok(())
}

/// kustomize's `ResolveVars`, at the top level: each var's value, then `$(NAME)` replaced.
pub(crate) fn resolve(
    set: &[Var],
    resources: &mut [Resource],
    extra: &[super::fieldspecs::Spec],
) -> Result<(), RenderError> {
    if set.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&Var> = set.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: Vec<(String, Value, Origin)> = Vec::new();
    for v in sorted {
        let Some(r) = resources.iter().find(|r| r.vars.contains(&v.name)) else {
            return Err(RenderError::new(
                format!(
                    "var '{}' cannot be mapped to a field in the set of known resources",
                    v.describe(true, true)
                ),
                Some(v.at),
            ));
        };
        let not_found = || {
            RenderError::new(
                format!(
                    "field specified in var '{}' not found in corresponding resource",
                    v.describe(true, true)
                ),
                Some(v.at),
            )
        };
        let value = field_value(&r.root, v.fieldpath()).map_err(|()| not_found())?;
        if let Some(value) = value {
            values.push((v.name.clone(), value, v.at));
        }
    }
    super::refvar::substitute_all(&values, resources, extra)
}
