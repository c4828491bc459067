//! Name references follow renamed objects (kustomize 5.5's `nameReference` field specs,
//! sigs.k8s.io/kustomize `api/internal/konfig/builtinpluginconsts/namereference.go`, applied as
//! `api/filters/nameref/nameref.go` does): a ConfigMap renamed by a prefix or a generator's hash
//! is renamed in the pods that mount it, a ServiceAccount in the bindings that name it, a Secret
//! in a StorageClass's parameters, and so on. Done once, at the top level, from each object's
//! name history.
//!
//! As in kustomize 5.5: `IngressClass` references are listed under the group
//! `networking.k8s.io/v1`, which no object has, so `ingressClassName` is never renamed; an
//! HPA's `scaleTargetRef` is renamed whatever its `kind`; a binding's `subjects` entries are
//! renamed by name whatever their `kind`.
//!
//! Where several renamed objects had the name referred to, the referrer's namespace and then
//! its name prefixes and suffixes narrow them; if several with different names remain,
//! kustomize fails ("found multiple possible referrals"), and so does the render, at the entry
//! that last renamed the first of them.

use super::fieldspecs;
use super::kust::{is_cluster_scoped, same_ns};
use super::node::{Origin, RNode, RValue};
use super::refs_table::{
    Paths, Ref, referrer_paths, referrer_refs, refs_with, split_paths, target_runs,
};
use super::{RenderError, Resource};

/// An object that may be referred to, as it is now and as it was.
struct Candidate<'g> {
    ids: Vec<(String, String)>,
    kind: String,
    name: String,
    namespace: String,
    cluster: bool,
    affixes: [Vec<String>; 2],
    /// Group and version, for kustomize's `CurId().String()` in the error naming several.
    gv: (&'g str, &'g str),
    /// Where its name was last set: the kustomization entry that renamed it.
    renamed_at: Origin,
}

/// The object that refers.
struct Referring {
    namespace: String,
    cluster: bool,
    role_ref_kind: Option<String>,
    role_ref: bool,
    /// The namespaces of a binding's ServiceAccount subjects, which it may refer to.
    subject_namespaces: Vec<String>,
    affixes: [Vec<String>; 2],
}

/// kustomize's `SameEndingSubSlice`: one list ends with the other (two empty lists do, an
/// empty and a non-empty one do not).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// kustomize's `selectReferral`: the candidates whose previous names (not the current one)
/// include `old`, in the namespaces the referrer may see (`SubsetThatCouldBeReferencedByResource`),
/// of the `roleRef` kind, in the referrer's namespace; if several remain, those with the
/// referrer's prefixes and suffixes (`PrefixesSuffixesEquals`). Several that agree on the name
/// (and, with `by_namespace`, the namespace) count as one; several that differ are kustomize's
/// "found multiple possible referrals" error, at the entry that renamed the first.
fn select<'a, 'g>(
    old: &str,
    candidates: &[&'a Candidate<'g>],
    by: &Referring,
    by_namespace: bool,
) -> Result<Option<&'a Candidate<'g>>, Failure> {
    let chosen: Vec<&Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| {
            c.ids[..c.ids.len().saturating_sub(1)]
                .iter()
                .any(|(_, n)| n == old)
        })
        .filter(|c| {
            by.cluster
                || c.cluster
                || same_ns(&by.namespace, &c.namespace)
                || by.subject_namespaces.contains(&c.namespace)
        })
        .filter(|c| !by.role_ref || by.role_ref_kind.as_deref().is_none_or(|k| k == c.kind))
        .filter(|c| {
            by.cluster
                || c.cluster
                || c.kind == "ServiceAccount"
                || same_ns(&by.namespace, &c.namespace)
        })
        .collect();
    if let [one] = chosen[..] {
        return Ok(Some(one));
    }
    let chosen: Vec<&Candidate> = chosen
        .into_iter()
        .filter(|c| (0..2).all(|i| same_ending(&c.affixes[i], &by.affixes[i])))
        .collect();
    let Some(first) = chosen.first() else {
        return Ok(None);
    };
    if chosen
        .iter()
        .all(|c| c.name == first.name && (!by_namespace || c.namespace == first.namespace))
    {
        return Ok(Some(first));
    }
    let ids: Vec<String> = chosen
        .iter()
        .map(|c| super::id_string_of(&c.kind, c.gv, &c.namespace, &c.name))
        .collect();
    Err((
        format!("found multiple possible referrals: {}", ids.join(", ")),
        first.renamed_at,
    ))
}

/// kustomize's error, and where to report it.
type Failure = (String, Origin);

fn set_scalar(node: &mut RNode, candidates: &[&Candidate], by: &Referring) -> Result<(), Failure> {
    let Some(old) = node.as_str() else {
        return Ok(());
    };
    if let Some(c) = select(old, candidates, by, false)?
        && c.name != old
    {
        node.value = RValue::Str(c.name.clone());
    }
    Ok(())
}

/// A reference written as a mapping with `name` and maybe `namespace` (webhook services,
/// binding subjects, a Node's config source): both are taken from the object referred to.
fn set_mapping(node: &mut RNode, candidates: &[&Candidate], by: &Referring) -> Result<(), Failure> {
    let Some(old) = node.str_at(&["name"]).map(str::to_owned) else {
        return Ok(());
    };
    let narrowed: Vec<&Candidate>;
    let candidates = match node.get("namespace").and_then(RNode::as_str) {
        None => candidates,
        Some(ns) => {
            let original: Vec<&Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| c.ids.first().is_some_and(|(o, _)| same_ns(o, ns)))
                .collect();
            narrowed = if original.is_empty() {
                candidates
                    .iter()
                    .copied()
                    .filter(|c| same_ns(&c.namespace, ns))
                    .collect()
            } else {
                original
            };
            &narrowed
        }
    };
    let Some(c) = select(&old, candidates, by, true)? else {
        return Ok(());
    };
    if c.name == old && c.namespace.is_empty() {
        return Ok(());
    }
    let origin = node.origin;
    if let Some(n) = node.get_mut("name") {
        n.value = RValue::Str(c.name.clone());
    }
    if !c.namespace.is_empty() {
        node.set("namespace", RNode::str(c.namespace.clone(), origin));
    }
    Ok(())
}

/// Whether kustomize's own name references read fields of objects of (kind, group, version):
/// its name reference walk checks them in every build, renamed or not.
pub(super) fn is_referrer(gvk: (&str, &str, &str)) -> bool {
    !referrer_paths(refs_with(&[]).as_ref(), true, gvk, |x| {
        matches_gvk(&x.referrer, gvk)
    })
    .is_empty()
}

/// Whether a resource of (kind, group, version) is of the target's kind, group and version
/// (`""`, `None`: any).
fn matches_gvk(
    gvk: &(String, Option<String>, Option<String>),
    (k, g, v): (&str, &str, &str),
) -> bool {
    let (kind, group, version) = gvk;
    (kind.is_empty() || k == kind)
        && group.as_ref().is_none_or(|x| x == g)
        && version.as_ref().is_none_or(|x| x == v)
}

fn subject_namespaces(r: &Resource) -> Vec<String> {
    if !matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding") {
        return Vec::new();
    }
    r.root
        .get("subjects")
        .map(RNode::items)
        .unwrap_or_default()
        .iter()
        .filter(|s| s.str_at(&["kind"]) == Some("ServiceAccount"))
        .filter_map(|s| s.str_at(&["namespace"]).map(str::to_owned))
        .collect()
}

/// Walks a referrer's field as kustomize's name reference filter does before it looks for a
/// referral: kustomize's error where the path meets a scalar or a mapping reference has no
/// `name`.
fn check_path(r: &mut Resource, path: &str) -> Result<(), RenderError> {
    let at = r.root.origin;
    let mut origin = at;
    let walked = fieldspecs::visit(&mut r.root, path, false, at, &mut |n| {
        let mut check = |n: &RNode| {
            origin = n.origin;
            match &n.value {
                RValue::Map(_) if n.get("name").is_none() => {
                    Err("path config error; no 'name' field in node".to_owned())
                }
                _ => Ok(()),
            }
        };
        match &n.value {
            RValue::Seq(items) => items.iter().try_for_each(&mut check),
            _ => check(n),
        }
    });
    walked.map_err(|e| {
        let id = r.id_string();
        RenderError::new(
            format!(
                "updating name reference in '{path}' field of '{id}': {}",
                fieldspecs::considering(path, &id, &e)
            ),
            Some(origin),
        )
    })
}

/// Fails as kustomize does where a reference could be to several objects, at the field.
pub(crate) fn fix_references(
    resources: &mut [Resource],
    extra: &[super::config::NameRef],
) -> Result<(), RenderError> {
    let refs = refs_with(extra);
    // Renamed or not, kustomize walks every referrer's fields, and fails where a field is not
    // what the path says: all the paths of an object at once, each path alone (in kustomize's
    // order, for its message) only where that fails.
    // The render's kinds (kind, group, version) with their referrer paths, and each resource's
    // kind among them: read once, as the loops below ask them of every resource (references
    // change names, never kinds).
    let mut paths_of: Vec<((String, String, String), Paths)> = Vec::new();
    let mut kind_of: Vec<usize> = Vec::with_capacity(resources.len());
    for r in resources.iter_mut() {
        let (g, v) = r.group_version();
        let at = match paths_of
            .iter()
            .position(|((k, gg, vv), _)| k == r.kind() && gg == g && vv == v)
        {
            Some(at) => at,
            None => {
                let gvk = (r.kind(), g, v);
                let paths = referrer_paths(&refs, extra.is_empty(), gvk, |x| {
                    matches_gvk(&x.referrer, gvk)
                });
                let key = (gvk.0.to_owned(), gvk.1.to_owned(), gvk.2.to_owned());
                paths_of.push((key, paths));
                paths_of.len() - 1
            }
        };
        kind_of.push(at);
        if !fieldspecs::name_paths_hold(&r.root, &paths_of[at].1, 0) {
            let (k, g, v) = &paths_of[at].0;
            for Ref { referrer, path, .. } in refs.iter() {
                if matches_gvk(referrer, (k, g, v)) {
                    check_path(r, path)?;
                }
            }
        }
    }
    if !resources.iter().any(|r| r.ids.len() > 1) {
        return Ok(());
    }
    let at = Default::default();
    let gvk = |j: usize| {
        let (k, g, v) = &paths_of[kind_of[j]].0;
        (k.as_str(), g.as_str(), v.as_str())
    };
    // (Each path split once: the loop below asks whether it reaches each resource.)
    let split = split_paths(&refs, extra.is_empty());
    // The references each of the render's kinds may refer by.
    let refs_of: Vec<std::sync::Arc<Vec<u32>>> = paths_of
        .iter()
        .map(|((k, g, v), _)| {
            let gvk = (k.as_str(), g.as_str(), v.as_str());
            referrer_refs(&refs, extra.is_empty(), gvk, |x| {
                matches_gvk(&x.referrer, gvk)
            })
        })
        .collect();
    for &(i, end) in target_runs(&refs, extra.is_empty()).iter() {
        // The fields of one target, against the candidates as they are now.
        let target = &refs[i].target;
        let candidates: Vec<Candidate> = resources
            .iter()
            .enumerate()
            .filter(|(j, _)| matches_gvk(target, gvk(*j)))
            .map(|(j, r)| Candidate {
                ids: r.ids.clone(),
                kind: r.kind().to_owned(),
                name: r.name().to_owned(),
                namespace: r.namespace().to_owned(),
                cluster: is_cluster_scoped(r),
                affixes: r.affixes.clone(),
                gv: (gvk(j).1, gvk(j).2),
                renamed_at: r
                    .root
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .map_or(r.root.origin, |n| n.origin),
            })
            .collect();
        let renamed = candidates.iter().any(|c| c.ids.len() > 1);
        let candidates: Vec<&Candidate> = candidates.iter().collect();
        for (j, r) in resources.iter_mut().enumerate().filter(|_| renamed) {
            // This target's references by this resource's kind: a run of its ascending list.
            let by_kind = &refs_of[kind_of[j]];
            let from = by_kind.partition_point(|&x| (x as usize) < i);
            let to = by_kind.partition_point(|&x| (x as usize) < end);
            for &k in &by_kind[from..to] {
                let (Ref { path, .. }, keys) = (&refs[k as usize], &split[k as usize]);
                if !fieldspecs::reaches(&r.root, keys) {
                    continue;
                }
                let by = Referring {
                    namespace: r.namespace().to_owned(),
                    cluster: is_cluster_scoped(r),
                    role_ref_kind: r.root.str_at(&["roleRef", "kind"]).map(str::to_owned),
                    role_ref: path.ends_with("roleRef/name"),
                    subject_namespaces: subject_namespaces(r),
                    affixes: r.affixes.clone(),
                };
                let mut failed = None;
                let mut set = |n: &mut RNode| {
                    let done = if n.is_map() {
                        set_mapping(n, &candidates, &by)
                    } else {
                        set_scalar(n, &candidates, &by)
                    };
                    if let Err(e) = done {
                        failed.get_or_insert(e);
                    }
                };
                let walked = fieldspecs::visit(&mut r.root, path, false, at, &mut |n| {
                    match &mut n.value {
                        RValue::Str(_) | RValue::Map(_) => set(n),
                        RValue::Seq(items) => items.iter_mut().for_each(&mut set),
                        _ => {}
                    }
                    Ok(())
                });
                debug_assert!(walked.is_ok(), "checked by check_path");
                if let Some((e, origin)) = failed {
                    return Err(RenderError::new(e, Some(origin)));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_ending;

    fn list(s: &str) -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn affixes_agree_when_one_list_ends_the_other() {
        assert!(same_ending(&list(""), &list("")));
        assert!(!same_ending(&list(""), &list("x-")));
        assert!(same_ending(&list("x-"), &list("a-,x-")));
        assert!(same_ending(&list("a-,x-"), &list("x-")));
        assert!(!same_ending(&list("a-,x-"), &list("b-,x-")));
        assert!(!same_ending(&list("x-"), &list("x-,a-")));
    }
}
