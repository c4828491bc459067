//! What a workload's pods carry: the labels of its pod template, and the labels its controller
//! adds to every pod it creates. Every whole-repo check that matches a selector against pods
//! (Services, PodDisruptionBudgets, NetworkPolicies, targetPorts) asks here, so a selector on
//! `statefulset.kubernetes.io/pod-name: web-0` or `job-name: migrate` selects what the cluster
//! will select.
//!
//! The labels controllers add (Kubernetes' `pkg/controller/statefulset/stateful_set_utils.go`
//! `updateIdentity`, `pkg/controller/deployment/sync.go`, `pkg/controller/daemon`,
//! `pkg/registry/batch/job/strategy.go` `generateSelector`, `pkg/controller/job/indexed_job_utils.go`):
//!
//! | workload | label | value |
//! |---|---|---|
//! | StatefulSet | `statefulset.kubernetes.io/pod-name` | `<name>-<ordinal>` |
//! | StatefulSet (1.28+) | `apps.kubernetes.io/pod-index` | `<ordinal>` |
//! | StatefulSet, DaemonSet | `controller-revision-hash` | a hash: unknowable |
//! | DaemonSet | `pod-template-generation` | the generation: unknowable |
//! | Deployment | `pod-template-hash` | a hash: unknowable |
//! | Job | `job-name`, `batch.kubernetes.io/job-name` (1.27+) | the Job's name |
//! | Job | `controller-uid`, `batch.kubernetes.io/controller-uid` (1.27+) | a UID: unknowable |
//! | Indexed Job (1.28+) | `batch.kubernetes.io/job-completion-index` | `<index>` |
//!
//! A CronJob's Jobs have generated names, so their `job-name` is unknowable too. A value that is
//! unknowable *could* match anything: selectors on it never make a finding.

use super::summary::{Added, AddedLabel, Labels, ObjectSummary, Ordinals, Requirement, Selector};
use crate::k8s::object::Object;
use crate::load::tree::Node;
use crate::model::KubeVersion;

const POD_NAME: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX: &str = "apps.kubernetes.io/pod-index";
const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
const REVISION_HASH: &str = "controller-revision-hash";

fn int_at(node: Option<&Node>, path: &[&str]) -> Option<Option<i64>> {
    let Some(value) = node.and_then(|n| n.get_path(path)) else {
        return Some(None); // absent
    };
    value.as_i64().map(Some)
}

/// The labels the controller of `object` adds to each of its pods (beyond `template_labels`),
/// and the ordinals of its pods, for `version`.
pub fn added_labels(
    object: &Object<'_>,
    template_labels: &Labels,
    version: KubeVersion,
) -> (Vec<AddedLabel>, Option<Ordinals>) {
    let label = |key, value| AddedLabel { key, value };
    let spec = object.root.get("spec");
    match (object.group(), object.kind.unwrap_or_default()) {
        ("apps", "Deployment") => (vec![label("pod-template-hash", Added::Unknowable)], None),
        ("apps", "DaemonSet") => (
            vec![
                label(REVISION_HASH, Added::Unknowable),
                label("pod-template-generation", Added::Unknowable),
            ],
            None,
        ),
        ("apps", "StatefulSet") => {
            let start = if version >= KubeVersion::new(27) {
                int_at(spec, &["ordinals", "start"]).map(|s| s.unwrap_or(0))
            } else {
                Some(0)
            };
            let count = int_at(spec, &["replicas"]).map(|r| r.unwrap_or(1));
            let mut labels = vec![
                label(REVISION_HASH, Added::Unknowable),
                label(POD_NAME, Added::NameOrdinal),
            ];
            if version >= KubeVersion::new(28) {
                labels.push(label(POD_INDEX, Added::Ordinal));
            }
            let ordinals = match start {
                Some(start) => Ordinals { start, count },
                None => Ordinals {
                    start: 0,
                    count: None,
                },
            };
            (labels, Some(ordinals))
        }
        ("batch", "Job") => job_labels(spec, template_labels, version, object.name.is_some()),
        ("batch", "CronJob") => job_labels(
            spec.and_then(|s| s.get_path(&["jobTemplate", "spec"])),
            template_labels,
            version,
            false,
        ),
        _ => (Vec::new(), None),
    }
}

/// The labels the API server and the Job controller add to a Job's pods. `named` is false when
/// the Job's name is generated (`generateName`, or a CronJob's Jobs).
fn job_labels(
    spec: Option<&Node>,
    template_labels: &Labels,
    version: KubeVersion,
    named: bool,
) -> (Vec<AddedLabel>, Option<Ordinals>) {
    let mut labels = Vec::new();
    let mut add = |key: &'static str, value| {
        // The API server keeps a label the template sets itself.
        if !template_labels.iter().any(|(k, _)| k == key) {
            labels.push(AddedLabel { key, value });
        }
    };
    let manual = spec
        .and_then(|s| s.get("manualSelector"))
        .and_then(Node::as_bool)
        == Some(true);
    if !manual {
        let name = if named {
            Added::Name
        } else {
            Added::Unknowable
        };
        add("job-name", name);
        add("controller-uid", Added::Unknowable);
        if version >= KubeVersion::new(27) {
            add("batch.kubernetes.io/job-name", name);
            add("batch.kubernetes.io/controller-uid", Added::Unknowable);
        }
    }
    let indexed = spec
        .and_then(|s| s.get("completionMode"))
        .and_then(Node::as_str)
        == Some("Indexed");
    let mut ordinals = None;
    if indexed && version >= KubeVersion::new(28) {
        add(COMPLETION_INDEX, Added::Ordinal);
        ordinals = Some(Ordinals {
            start: 0,
            count: int_at(spec, &["completions"]).flatten(),
        });
    }
    (labels, ordinals)
}

/// Whether a selector selects some pod of a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// It selects (or could select: a label with an unknowable value) some pod.
    Selected,
    NotSelected,
    /// It would select the pod with this ordinal, which the workload does not have (a
    /// StatefulSet with fewer replicas).
    BeyondOrdinals {
        key: &'static str,
        ordinal: i64,
    },
}

impl Selection {
    /// Both hold (the requirements of one selector).
    fn and(self, other: Selection) -> Selection {
        match (self, other) {
            (Selection::NotSelected, _) | (_, Selection::NotSelected) => Selection::NotSelected,
            (beyond @ Selection::BeyondOrdinals { .. }, _)
            | (_, beyond @ Selection::BeyondOrdinals { .. }) => beyond,
            _ => Selection::Selected,
        }
    }

    /// Either holds (the values of an `In`).
    fn or(self, other: Selection) -> Selection {
        match (self, other) {
            (Selection::Selected, _) | (_, Selection::Selected) => Selection::Selected,
            (beyond @ Selection::BeyondOrdinals { .. }, _)
            | (_, beyond @ Selection::BeyondOrdinals { .. }) => beyond,
            _ => Selection::NotSelected,
        }
    }

    fn of(selected: bool) -> Selection {
        if selected {
            Selection::Selected
        } else {
            Selection::NotSelected
        }
    }
}

/// What a workload's pods hold under one label key.
enum PodValue<'a> {
    Absent,
    Is(&'a str),
    /// One value a pod: `<prefix>-<ordinal>`, or the ordinal itself.
    PerPod {
        key: &'static str,
        prefix: Option<&'a str>,
        ordinals: Ordinals,
    },
    Unknowable,
}

impl PodValue<'_> {
    fn of<'a>(workload: &'a ObjectSummary, key: &str) -> PodValue<'a> {
        let Some(pods) = &workload.pods else {
            return PodValue::Absent;
        };
        if let Some(added) = pods.added.iter().find(|a| a.key == key) {
            let per_pod = |prefix| match pods.ordinals {
                Some(ordinals) => PodValue::PerPod {
                    key: added.key,
                    prefix,
                    ordinals,
                },
                None => PodValue::Unknowable,
            };
            return match added.value {
                Added::Name => PodValue::Is(&workload.name),
                Added::NameOrdinal => per_pod(Some(workload.name.as_str())),
                Added::Ordinal => per_pod(None),
                Added::Unknowable => PodValue::Unknowable,
            };
        }
        match pods.labels.iter().find(|(k, _)| k == key) {
            // Rendered, it could be anything.
            Some((_, v)) if crate::k8s::placeholder::contains(v) => PodValue::Unknowable,
            Some((_, v)) => PodValue::Is(v),
            None => PodValue::Absent,
        }
    }

    /// Whether some pod has the value `value`.
    fn equals(&self, value: &str) -> Selection {
        match self {
            PodValue::Absent => Selection::NotSelected,
            PodValue::Is(v) => Selection::of(*v == value),
            PodValue::Unknowable => Selection::Selected,
            PodValue::PerPod {
                key,
                prefix,
                ordinals,
            } => {
                let digits = match prefix {
                    Some(p) => match value.strip_prefix(p).and_then(|r| r.strip_prefix('-')) {
                        Some(rest) => rest,
                        None => return Selection::NotSelected,
                    },
                    None => value,
                };
                // Ordinals are printed with `%d`: no sign, no leading zeros.
                let Some(ordinal) = digits
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0 && n.to_string() == digits)
                else {
                    return Selection::NotSelected;
                };
                let below = ordinal < ordinals.start;
                let above = ordinals
                    .count
                    .is_some_and(|count| ordinal >= ordinals.start.saturating_add(count));
                if below || above {
                    Selection::BeyondOrdinals { key, ordinal }
                } else {
                    Selection::Selected
                }
            }
        }
    }

    fn exists(&self) -> bool {
        !matches!(self, PodValue::Absent)
    }

    /// Whether some pod's value is none of `values` (or it has no such label).
    fn outside(&self, values: &[String]) -> bool {
        match self {
            PodValue::Absent | PodValue::Unknowable => true,
            PodValue::Is(v) => !values.iter().any(|x| x == v),
            PodValue::PerPod { ordinals, .. } => {
                // Every pod's value would have to be listed; only a short list can list them all.
                let Some(count) = ordinals.count.filter(|&c| c <= values.len() as i64) else {
                    return true;
                };
                (ordinals.start..ordinals.start + count).any(|ordinal| {
                    let value = match self {
                        PodValue::PerPod {
                            prefix: Some(p), ..
                        } => format!("{p}-{ordinal}"),
                        _ => ordinal.to_string(),
                    };
                    !values.contains(&value)
                })
            }
        }
    }
}

/// Whether a Service-style selector (a plain label map) selects pods of `workload`.
pub fn select(selector: &Labels, workload: &ObjectSummary) -> Selection {
    selector.iter().fold(Selection::Selected, |acc, (k, v)| {
        if acc == Selection::NotSelected {
            return acc;
        }
        acc.and(PodValue::of(workload, k).equals(v))
    })
}

/// Whether a label selector (`matchLabels` and `matchExpressions`, apimachinery
/// `LabelSelectorAsSelector`) selects pods of `workload`.
pub fn select_by(selector: &Selector, workload: &ObjectSummary) -> Selection {
    let labels = select(&selector.match_labels, workload);
    selector.expressions.iter().fold(labels, |acc, r| {
        if acc == Selection::NotSelected {
            return acc;
        }
        acc.and(requirement(r, workload))
    })
}

fn requirement(r: &Requirement, workload: &ObjectSummary) -> Selection {
    let value = PodValue::of(workload, &r.key);
    match r.operator.as_str() {
        "In" => r
            .values
            .iter()
            .fold(Selection::NotSelected, |acc, v| acc.or(value.equals(v))),
        "NotIn" => Selection::of(value.outside(&r.values)),
        "Exists" => Selection::of(value.exists()),
        "DoesNotExist" => Selection::of(!value.exists()),
        _ => Selection::NotSelected,
    }
}

/// Whether a label key is one whose value numbers a workload's pods (a selector on it may ask
/// for a pod beyond the replicas).
pub fn is_ordinal_label(key: &str) -> bool {
    matches!(key, POD_NAME | POD_INDEX | COMPLETION_INDEX)
}

/// Whether `pod` is named like a pod of the workload, `<name>-<ordinal>`, as StatefulSet pods
/// (and their host names) are (whatever its replicas: an autoscaler may change them).
pub fn has_pod_named(workload: &ObjectSummary, pod: &str) -> bool {
    PodValue::of(workload, POD_NAME).equals(pod) != Selection::NotSelected
}

/// The field that says how many numbered pods a workload has.
pub fn size_field(workload: &ObjectSummary) -> &'static str {
    if workload.kind == "StatefulSet" {
        "replicas"
    } else {
        "completions"
    }
}

/// Says which pods a workload has, for a selector that asks for an ordinal beyond them.
pub fn describe_ordinals(workload: &ObjectSummary, key: &str, ordinal: i64) -> String {
    let Some(Ordinals {
        start,
        count: Some(count),
    }) = workload.pods.as_ref().and_then(|p| p.ordinals)
    else {
        return String::new();
    };
    let what = if key == POD_NAME {
        format!("no pod `{}-{ordinal}`", workload.name)
    } else {
        format!("no pod with `{key}: \"{ordinal}\"`")
    };
    let last = start + count - 1;
    let have = match count {
        0 => "no pods at all".to_owned(),
        1 if key == POD_NAME => format!("only `{}-{start}`", workload.name),
        1 => format!("only index {start}"),
        _ if key == POD_NAME => format!(
            "only `{name}-{start}` to `{name}-{last}`",
            name = workload.name
        ),
        _ => format!("only indexes {start} to {last}"),
    };
    format!(
        "{} `{}` has {what}, {have} ({}: {count})",
        workload.kind,
        workload.name,
        size_field(workload)
    )
}

/// Whether something scales the workload, so that its replicas are not what it says: a
/// HorizontalPodAutoscaler targeting it, or a KEDA ScaledObject in its namespace.
pub fn autoscaled(index: &super::Index, workload: &super::Instance) -> bool {
    let ns = workload.namespace.as_deref();
    let targets_it = |&i: &usize| {
        index.instances[i]
            .object
            .scale_target
            .as_deref()
            .is_some_and(|t| {
                t.name == workload.object.name
                    && t.target_kind.as_ref().is_some_and(|(group, kind)| {
                        *group == workload.object.group && *kind == workload.object.kind
                    })
            })
    };
    index
        .of_kind(ns, "autoscaling", "HorizontalPodAutoscaler")
        .iter()
        .any(targets_it)
        || !index.of_kind(ns, "keda.sh", "ScaledObject").is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, load};
    use crate::model::diagnostic::{FileId, Location, Position};
    use crate::model::source::SourceFile;
    use crate::model::span::Span;

    fn added(text: &str, minor: u32) -> (Vec<AddedLabel>, Option<Ordinals>) {
        let file = SourceFile::new(FileId(0), "t".into(), text.into());
        let root = load(&file, &Limits::default()).documents.remove(0).root;
        let object = Object::from_node(&root, 0).unwrap();
        added_labels(&object, &Vec::new(), KubeVersion::new(minor))
    }

    fn keys(labels: &[AddedLabel]) -> Vec<&str> {
        labels.iter().map(|l| l.key).collect()
    }

    fn workload(
        name: &str,
        (labels, ordinals): (Vec<AddedLabel>, Option<Ordinals>),
    ) -> ObjectSummary {
        let at = Location {
            file: FileId(0),
            span: Span::default(),
            start: Position::default(),
            end: Position::default(),
        };
        let mut o = ObjectSummary::new(FileId(0), 0, "apps/v1", "StatefulSet", name, at);
        o.pods = Some(Box::new(super::super::summary::PodSummary {
            labels: vec![("app".into(), "web".into())],
            added: labels,
            ordinals,
            subdomain: None,
            ports: Vec::new(),
            arguments: Vec::new(),
        }));
        o
    }

    fn pairs(p: &[(&str, &str)]) -> Labels {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const STS: &str =
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {replicas: 3}\n";

    #[test]
    fn pod_index_labels_follow_the_release() {
        assert!(!keys(&added(STS, 27).0).contains(&POD_INDEX));
        assert!(keys(&added(STS, 28).0).contains(&POD_INDEX));
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: m}\nspec: {completionMode: Indexed, completions: 2}\n";
        assert_eq!(
            keys(&added(job, 26).0),
            ["job-name", "controller-uid"],
            "no prefixed job labels before 1.27"
        );
        assert_eq!(
            keys(&added(job, 28).0),
            [
                "job-name",
                "controller-uid",
                "batch.kubernetes.io/job-name",
                "batch.kubernetes.io/controller-uid",
                COMPLETION_INDEX
            ]
        );
        let manual =
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: m}\nspec: {manualSelector: true}\n";
        assert!(added(manual, 30).0.is_empty());
    }

    #[test]
    fn statefulset_pods_are_numbered_from_the_start_ordinal() {
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {replicas: 2, ordinals: {start: 5}}\n";
        let w = workload("web", added(sts, 30));
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-5")]), &w),
            Selection::Selected
        );
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-6")]), &w),
            Selection::Selected
        );
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-7")]), &w),
            Selection::BeyondOrdinals {
                key: POD_NAME,
                ordinal: 7
            }
        );
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-0"), ("app", "web")]), &w),
            Selection::BeyondOrdinals {
                key: POD_NAME,
                ordinal: 0
            }
        );
        // Not `%d` ordinals, another StatefulSet's pods, a mismatching template label.
        for other in ["web-05", "web-+5", "web5", "webx-5", "web-"] {
            assert_eq!(
                select(&pairs(&[(POD_NAME, other)]), &w),
                Selection::NotSelected
            );
        }
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-5"), ("app", "db")]), &w),
            Selection::NotSelected
        );
        // Before 1.27 the start ordinal is dropped.
        let w = workload("web", added(sts, 26));
        assert_eq!(
            select(&pairs(&[(POD_NAME, "web-0")]), &w),
            Selection::Selected
        );
    }

    #[test]
    fn unknowable_values_could_match_and_unknown_replicas_bound_nothing() {
        let w = workload("web", added(STS, 30));
        assert_eq!(
            select(&pairs(&[(REVISION_HASH, "web-5d8f9")]), &w),
            Selection::Selected
        );
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {replicas: '${N}'}\n";
        let w = workload("web", added(sts, 30));
        assert_eq!(
            select(&pairs(&[(POD_INDEX, "40")]), &w),
            Selection::Selected
        );
    }

    #[test]
    fn unrendered_template_labels_could_be_anything() {
        let mut w = workload("web", (Vec::new(), None));
        w.pods.as_mut().unwrap().labels = pairs(&[("app", "${APP}")]);
        assert_eq!(select(&pairs(&[("app", "web")]), &w), Selection::Selected);
        assert_eq!(
            select(&pairs(&[("tier", "web")]), &w),
            Selection::NotSelected
        );
    }

    #[test]
    fn expressions_on_added_labels() {
        let w = workload("web", added(STS, 30));
        let selector = |operator: &str, values: &[&str]| Selector {
            match_labels: Vec::new(),
            expressions: vec![Requirement {
                key: POD_INDEX.into(),
                operator: operator.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }],
            location: w.location,
        };
        assert_eq!(
            select_by(&selector("In", &["9", "2"]), &w),
            Selection::Selected
        );
        assert_eq!(
            select_by(&selector("In", &["9"]), &w),
            Selection::BeyondOrdinals {
                key: POD_INDEX,
                ordinal: 9
            }
        );
        assert_eq!(
            select_by(&selector("NotIn", &["0", "1"]), &w),
            Selection::Selected
        );
        assert_eq!(
            select_by(&selector("NotIn", &["0", "1", "2"]), &w),
            Selection::NotSelected
        );
        assert_eq!(select_by(&selector("Exists", &[]), &w), Selection::Selected);
        assert_eq!(
            select_by(&selector("DoesNotExist", &[]), &w),
            Selection::NotSelected
        );
    }
}
