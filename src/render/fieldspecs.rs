//! kustomize's built-in field specs (sigs.k8s.io/kustomize
//! `api/internal/konfig/builtinpluginconsts/`): which fields of which kinds its name affix,
//! namespace, label, annotation, replica and name-reference transformers touch, and the walk
//! that visits them. What a kustomization's `configurations` make of them is `config.rs`.

use super::node::{Origin, RNode, RValue};

/// A field spec: a path in objects of a kind (any kind when `None`) of a group.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub group: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub path: &'static str,
    pub create: bool,
}

const fn fs(
    group: Option<&'static str>,
    kind: Option<&'static str>,
    path: &'static str,
    create: bool,
) -> FieldSpec {
    FieldSpec {
        group,
        kind,
        path,
        create,
    }
}

const APPS: Option<&str> = Some("apps");
const BATCH: Option<&str> = Some("batch");
const NET: Option<&str> = Some("networking.k8s.io");

/// `namePrefixFieldSpecs` and `nameSuffixFieldSpecs`: the object's own name.
pub const NAME_AFFIX: &[FieldSpec] = &[fs(None, None, "metadata/name", false)];

/// `namespaceFieldSpecs`. `metadata/namespace` is set by the transformer's own code (never on
/// a cluster-scoped object), whatever the list says.
pub const NAMESPACE: &[FieldSpec] = &[
    fs(None, None, "metadata/namespace", true),
    fs(None, Some("Namespace"), "metadata/name", true),
    fs(
        Some("apiregistration.k8s.io"),
        Some("APIService"),
        "spec/service/namespace",
        true,
    ),
    fs(
        Some("apiextensions.k8s.io"),
        Some("CustomResourceDefinition"),
        "spec/conversion/webhook/clientConfig/service/namespace",
        false,
    ),
];

/// `imagesFieldSpecs` (kustomize 5.5: no image volumes yet). `create` is never acted on: an
/// image field kustomize would create stays empty, and is not written out.
pub const IMAGES: &[FieldSpec] = &[
    fs(None, None, "spec/containers[]/image", true),
    fs(None, None, "spec/initContainers[]/image", true),
    fs(None, None, "spec/template/spec/containers[]/image", true),
    fs(
        None,
        None,
        "spec/template/spec/initContainers[]/image",
        true,
    ),
];

/// `replicasFieldSpecs`.
pub const REPLICAS: &[FieldSpec] = &[
    fs(None, Some("Deployment"), "spec/replicas", true),
    fs(None, Some("ReplicationController"), "spec/replicas", true),
    fs(None, Some("ReplicaSet"), "spec/replicas", true),
    fs(None, Some("StatefulSet"), "spec/replicas", true),
];

/// `metadataLabelsFieldSpecs`: metadata and pod-template labels (`labels` with
/// `includeTemplates`, and part of `commonLabels`).
pub const TEMPLATE_LABELS: &[FieldSpec] = &[
    fs(None, None, "metadata/labels", true),
    fs(
        None,
        Some("ReplicationController"),
        "spec/template/metadata/labels",
        true,
    ),
    fs(
        None,
        Some("Deployment"),
        "spec/template/metadata/labels",
        true,
    ),
    fs(
        None,
        Some("ReplicaSet"),
        "spec/template/metadata/labels",
        true,
    ),
    fs(
        None,
        Some("DaemonSet"),
        "spec/template/metadata/labels",
        true,
    ),
    fs(
        APPS,
        Some("StatefulSet"),
        "spec/template/metadata/labels",
        true,
    ),
    fs(
        APPS,
        Some("StatefulSet"),
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    fs(BATCH, Some("Job"), "spec/template/metadata/labels", true),
    fs(
        BATCH,
        Some("CronJob"),
        "spec/jobTemplate/metadata/labels",
        true,
    ),
    fs(
        BATCH,
        Some("CronJob"),
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
];

const AFFINITY: [&str; 5] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// `commonLabelFieldSpecs` (selectors) without the template ones above.
pub const SELECTOR_LABELS: &[FieldSpec] = &[
    fs(None, Some("Service"), "spec/selector", true),
    fs(None, Some("ReplicationController"), "spec/selector", true),
    fs(None, Some("Deployment"), "spec/selector/matchLabels", true),
    fs(APPS, Some("Deployment"), AFFINITY[0], false),
    fs(APPS, Some("Deployment"), AFFINITY[1], false),
    fs(APPS, Some("Deployment"), AFFINITY[2], false),
    fs(APPS, Some("Deployment"), AFFINITY[3], false),
    fs(APPS, Some("Deployment"), AFFINITY[4], false),
    fs(None, Some("ReplicaSet"), "spec/selector/matchLabels", true),
    fs(None, Some("DaemonSet"), "spec/selector/matchLabels", true),
    fs(APPS, Some("StatefulSet"), "spec/selector/matchLabels", true),
    fs(
        APPS,
        Some("StatefulSet"),
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    fs(APPS, Some("StatefulSet"), AFFINITY[0], false),
    fs(APPS, Some("StatefulSet"), AFFINITY[1], false),
    fs(APPS, Some("StatefulSet"), AFFINITY[2], false),
    fs(APPS, Some("StatefulSet"), AFFINITY[3], false),
    fs(APPS, Some("StatefulSet"), AFFINITY[4], false),
    fs(BATCH, Some("Job"), "spec/selector/matchLabels", false),
    fs(
        BATCH,
        Some("CronJob"),
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    fs(
        Some("policy"),
        Some("PodDisruptionBudget"),
        "spec/selector/matchLabels",
        false,
    ),
    fs(
        NET,
        Some("NetworkPolicy"),
        "spec/podSelector/matchLabels",
        false,
    ),
    fs(
        NET,
        Some("NetworkPolicy"),
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    fs(
        NET,
        Some("NetworkPolicy"),
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

/// `commonAnnotationFieldSpecs`.
pub const ANNOTATIONS: &[FieldSpec] = &[
    fs(None, None, "metadata/annotations", true),
    fs(
        None,
        Some("ReplicationController"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        None,
        Some("Deployment"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        None,
        Some("ReplicaSet"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        None,
        Some("DaemonSet"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        APPS,
        Some("StatefulSet"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        BATCH,
        Some("Job"),
        "spec/template/metadata/annotations",
        true,
    ),
    fs(
        BATCH,
        Some("CronJob"),
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    fs(
        BATCH,
        Some("CronJob"),
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

/// A field spec a kustomization writes (`labels[].fields`), or a built-in one made owned:
/// an empty group, version or kind selects any.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub path: String,
    pub create: bool,
}

impl Spec {
    pub fn of(fs: &FieldSpec) -> Spec {
        Spec {
            group: fs.group.unwrap_or_default().to_owned(),
            version: String::new(),
            kind: fs.kind.unwrap_or_default().to_owned(),
            path: fs.path.to_owned(),
            create: fs.create,
        }
    }

    pub fn all(specs: &[FieldSpec]) -> Vec<Spec> {
        specs.iter().map(Spec::of).collect()
    }

    /// kustomize's `Gvk.IsSelected`: each of group, version, kind empty or equal.
    pub fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        let ok = |want: &str, have: &str| want.is_empty() || want == have;
        ok(&self.group, group) && ok(&self.version, version) && ok(&self.kind, kind)
    }

    /// kustomize's `FsSlice.MergeOne`: a spec already there (one `x` selects, same path) is
    /// kept, unless it differs in `create` ("conflicting fieldspecs").
    pub fn merge_one(list: &mut Vec<Spec>, x: Spec) -> Result<(), &'static str> {
        match list
            .iter()
            .find(|s| s.path == x.path && x.selects(&s.group, &s.version, &s.kind))
        {
            Some(s) if s.create != x.create => Err("conflicting fieldspecs"),
            Some(_) => Ok(()),
            None => {
                list.push(x);
                Ok(())
            }
        }
    }
}

/// Splits a field-spec path on `/` (`\/` is a slash inside a key).
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = Some(path);
    while let Some(path) = rest {
        let (first, next) = split_segment(path);
        out.push(first.into_owned());
        rest = next;
    }
    out
}

/// Calls `f` on every node at `path` in `node` (lists on the way are entered element by
/// element); with `create`, missing mappings on the way are created and a missing last field
/// is created as null for `f` to fill. The path is read segment by segment as the walk goes
/// (nothing allocated unless a segment holds an escaped `\/`).
///
/// Fails as kustomize's field spec filter fails (`api/filters/fieldspec`), in its words: a
/// scalar (not null) where the path goes on is "expected sequence or mapping node", an error
/// under a list says which part of the path it was walking ("visit traversal on path: [a b]"),
/// and `f`'s own error (a value of the wrong node kind) ends the walk. The caller adds which
/// field of which object ("considering field …").
pub fn visit(
    node: &mut RNode,
    path: &str,
    create: bool,
    origin: Origin,
    f: &mut dyn FnMut(&mut RNode) -> Result<(), String>,
) -> Result<(), String> {
    walk(node, Some(path), create, origin, f)
}

/// kustomize's "considering field '…' of object …" around a field spec walk's error.
pub fn considering(path: &str, id: &str, error: &str) -> String {
    format!("considering field '{path}' of object {id}: {error}")
}

/// What kustomize's setters say of a node of another kind than they set
/// (`wrong node kind: expected ScalarNode but got MappingNode`), if it is one.
pub fn wrong_kind(node: &RNode, expected: &str) -> Result<(), String> {
    let found = match node.value {
        RValue::Seq(_) => "SequenceNode",
        RValue::Map(_) => "MappingNode",
        _ => "ScalarNode",
    };
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "wrong node kind: expected {expected} but got {found}"
        ))
    }
}

/// Whether every path of `paths` (split into keys, sorted: paths through one field are
/// neighbours; all share their first `depth` keys, the way to `node`) walks through `node` as
/// kustomize's name reference filter needs: no scalar where a path goes on, no mapping
/// reference without a `name`. One walk for all the paths of an object, each field looked up
/// once; where it fails, [`visit`] path by path says which path fails first, and how.
pub fn name_paths_hold(node: &RNode, paths: &[Vec<String>], depth: usize) -> bool {
    // The paths that end here sort first.
    let ending = paths.iter().take_while(|p| p.len() == depth).count();
    if ending > 0 {
        let named = |n: &RNode| !n.is_map() || n.get("name").is_some();
        let holds = match &node.value {
            RValue::Seq(items) => items.iter().all(named),
            _ => named(node),
        };
        if !holds {
            return false;
        }
    }
    let paths = &paths[ending..];
    if paths.is_empty() {
        return true;
    }
    match &node.value {
        RValue::Null => true,
        RValue::Seq(items) => items.iter().all(|i| name_paths_hold(i, paths, depth)),
        RValue::Map(_) => {
            let mut i = 0;
            while i < paths.len() {
                let key = &paths[i][depth];
                let end = i + paths[i..].iter().take_while(|p| p[depth] == *key).count();
                if let Some(child) = node.get(key).filter(|c| c.value != RValue::Null)
                    && !name_paths_hold(child, &paths[i..end], depth + 1)
                {
                    return false;
                }
                i = end;
            }
            true
        }
        _ => false,
    }
}

/// Whether `keys` (a field path split, `[]` dropped) leads to a node in `node` (what [`visit`]
/// without `create` would visit): lists on the way entered element by element, any will do.
pub fn reaches(node: &RNode, keys: &[String]) -> bool {
    let mut node = node;
    for (i, key) in keys.iter().enumerate() {
        match &node.value {
            RValue::Seq(items) => return items.iter().any(|item| reaches(item, &keys[i..])),
            RValue::Map(_) => {}
            _ => return false,
        }
        match node.get(key) {
            Some(child) if child.value != RValue::Null => node = child,
            _ => return false,
        }
    }
    true
}

/// The first segment of a path and the rest (`None`: it was the last); `\/` does not split.
fn split_segment(path: &str) -> (std::borrow::Cow<'_, str>, Option<&str>) {
    let bytes = path.as_bytes();
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'/') => {
                escaped = true;
                i += 2;
                continue;
            }
            b'/' => break,
            _ => {}
        }
        i += 1;
    }
    let first = &path[..i];
    let rest = (i < bytes.len()).then(|| &path[i + 1..]);
    let first = if escaped {
        std::borrow::Cow::Owned(first.replace("\\/", "/"))
    } else {
        std::borrow::Cow::Borrowed(first)
    };
    (first, rest)
}

fn walk(
    node: &mut RNode,
    path: Option<&str>,
    create: bool,
    origin: Origin,
    f: &mut dyn FnMut(&mut RNode) -> Result<(), String>,
) -> Result<(), String> {
    let Some(path) = path else {
        return f(node);
    };
    match &mut node.value {
        RValue::Null => return Ok(()),
        RValue::Seq(items) => {
            for item in items {
                walk(item, Some(path), create, origin, f).map_err(|e| {
                    let rest: Vec<String> =
                        std::iter::successors(Some(path), |p| split_segment(p).1)
                            .map(|p| split_segment(p).0.into_owned())
                            .collect();
                    format!("visit traversal on path: [{}]: {e}", rest.join(" "))
                })?;
            }
            return Ok(());
        }
        RValue::Map(_) => {}
        _ => return Err("expected sequence or mapping node".to_owned()),
    }
    let (first, rest) = split_segment(path);
    let (key, is_list) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (&*first, false),
    };
    let missing = node.get(key).is_none_or(|n| n.value == RValue::Null);
    if missing {
        if !create || is_list {
            return Ok(());
        }
        let value = if rest.is_none() {
            RValue::Null
        } else {
            RValue::Map(Vec::new())
        };
        node.set(key, RNode::new(value, origin));
    }
    let child = node.get_mut(key).expect("present");
    walk(child, rest, create, origin, f)
}

/// Sets `pairs` in the mapping `node` (a null node becomes a mapping at `origin`).
pub fn merge_pairs(node: &mut RNode, pairs: &[(String, RNode)], origin: Origin) {
    if node.value == RValue::Null {
        *node = RNode::map(origin);
    }
    if !node.is_map() {
        return;
    }
    for (k, v) in pairs {
        node.set(k, v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_escaped_slashes() {
        assert_eq!(
            segments("metadata/annotations/a.io\\/b"),
            vec!["metadata", "annotations", "a.io/b"]
        );
        assert_eq!(segments("a\\/b\\/c/d"), vec!["a/b/c", "d"]);
        assert_eq!(segments(""), vec![""]);
        assert_eq!(segments("a/"), vec!["a", ""]);
    }

    /// The one walk of all paths agrees with the walk of each path alone.
    #[test]
    fn name_paths_hold_where_each_path_walks() {
        let paths = [
            "spec/volumes/configMap/name",
            "spec/volumes/secret/secretName",
            "spec/containers[]/env/valueFrom/configMapKeyRef/name",
            "spec/serviceAccountName",
            "spec/ref",
        ];
        let mut split: Vec<Vec<String>> = paths
            .iter()
            .map(|p| segments(&p.replace("[]", "")))
            .collect();
        split.sort_unstable();
        let each = |node: &RNode| {
            paths.iter().all(|path| {
                let mut node = node.clone();
                visit(&mut node, path, false, Origin::default(), &mut |n| {
                    let named = |n: &RNode| !n.is_map() || n.get("name").is_some();
                    match &n.value {
                        RValue::Seq(items) if !items.iter().all(named) => Err(String::new()),
                        _ if !named(n) => Err(String::new()),
                        _ => Ok(()),
                    }
                })
                .is_ok()
            })
        };
        for (spec, holds) in [
            (
                r#"{"volumes": [{"configMap": {"name": "a"}}, {"secret": null}]}"#,
                true,
            ),
            (r#"{"volumes": [{"configMap": "a"}]}"#, false),
            (r#"{"volumes": ["a"]}"#, false),
            (
                r#"{"volumes": [null, {"configMap": {"name": {"x": 1}}}]}"#,
                false,
            ),
            (
                r#"{"volumes": [null, {"configMap": {"name": {"name": 1}}}]}"#,
                true,
            ),
            (
                r#"{"containers": [{"env": [{"valueFrom": {"configMapKeyRef": 3}}]}]}"#,
                false,
            ),
            (r#"{"containers": [{"env": [{"valueFrom": null}]}]}"#, true),
            (r#"{"ref": {"namespace": "x"}}"#, false),
            (r#"{"ref": [{"name": "a"}, "b"]}"#, true),
            (r#"{"ref": [{"kind": "a"}]}"#, false),
            (r#"{"serviceAccountName": ["a"]}"#, true),
            (r#"{"volumes": {"configMap": {"name": "a"}}}"#, true),
        ] {
            let pod = format!(r#"{{"kind": "Pod", "spec": {spec}}}"#);
            let node = RNode::from_json(&serde_json::from_str(&pod).unwrap(), Origin::default());
            assert_eq!(name_paths_hold(&node, &split, 0), holds, "{spec}");
            assert_eq!(each(&node), holds, "{spec}");
        }
    }
}
