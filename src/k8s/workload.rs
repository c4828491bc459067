//! Where an object's pod spec, Job spec and own spec live (found once per object), and the
//! help for fields put at the wrong level of a workload.
//!
//! Rules only check values of the type the API expects: a wrong type is the schema's finding.

use crate::k8s::field::{Field, FieldPath};
use crate::k8s::kind::Kind;
use crate::k8s::object::Object;
use crate::k8s::pod::{JobSpec, PodKey, PodSpec};

/// The root of an object as a field with an empty path.
pub fn root<'a>(object: &Object<'a>) -> Field<'a> {
    Field {
        node: object.root,
        key: object.root.span,
        path: FieldPath::root(object.root),
    }
}

/// The object's pod spec, if it has one and has any of `keys`: rules about optional fields skip
/// most pod specs without cloning it.
pub fn pod_spec_with<'o, 'a>(object: &'o Object<'a>, keys: &[PodKey]) -> Option<&'o PodSpec<'a>> {
    object
        .pod_spec
        .get_or_init(|| find_pod_spec(object))
        .as_ref()
        .filter(|p| p.has(keys))
}

/// The object's pod spec, if it has one and it is a mapping (found once per object).
pub fn pod_spec<'o, 'a>(object: &'o Object<'a>) -> Option<&'o PodSpec<'a>> {
    object
        .pod_spec
        .get_or_init(|| find_pod_spec(object))
        .as_ref()
}

fn find_pod_spec<'a>(object: &Object<'a>) -> Option<PodSpec<'a>> {
    let kind = Kind::of(object)?;
    let root = root(object);
    let template = match kind {
        Kind::Pod => {
            let spec = root.child("spec").filter(|f| f.node.is_map())?;
            return Some(PodSpec::new(kind, spec, None));
        }
        Kind::PodTemplate => root.child("template")?,
        Kind::CronJob => root.at(&["spec", "jobTemplate", "spec", "template"])?,
        _ => root.at(&["spec", "template"])?,
    };
    let spec = template.child("spec").filter(|f| f.node.is_map())?;
    Some(PodSpec::new(
        kind,
        spec,
        Some(template).filter(|t| t.node.is_map()),
    ))
}

pub fn job_spec<'a>(object: &Object<'a>) -> Option<JobSpec<'a>> {
    let root = root(object);
    let (spec, in_cronjob) = match Kind::of(object)? {
        Kind::Job => (root.child("spec")?, false),
        Kind::CronJob => (root.at(&["spec", "jobTemplate", "spec"])?, true),
        _ => return None,
    };
    spec.node.is_map().then_some(JobSpec { spec, in_cronjob })
}

/// The object's own `spec`, when it is a mapping.
pub fn spec<'a>(object: &Object<'a>) -> Option<Field<'a>> {
    root(object).child("spec").filter(|f| f.node.is_map())
}

/// Help for an unknown field that schema validation rejects, where the mistake is about how the
/// kind works rather than a typo. `path` is the field's keys from the object root, without list
/// indices (`["spec", "template", "spec", "containers", "requests"]`). For the schema rule.
pub fn unknown_field_help(group: &str, kind: &str, path: &[&str]) -> Option<&'static str> {
    const CONTAINERS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
    let in_container = path.len() >= 2 && CONTAINERS.contains(&path[path.len() - 2]);
    Some(match (group, kind, path) {
        ("apps", "DaemonSet", ["spec", "replicas"]) => {
            "a DaemonSet has no replicas: it runs one pod on every node that matches its pod template; choose the nodes with `spec.template.spec.nodeSelector` or `affinity` (and `tolerations` for tainted nodes), or use a Deployment for a fixed number of pods"
        }
        ("batch", "Job", ["spec", "replicas"]) => {
            "a Job has no replicas: `spec.completions` says how many pods must succeed and `spec.parallelism` how many run at once"
        }
        ("batch", "CronJob", ["spec", "template"]) => {
            "a CronJob's pod template lives under `spec.jobTemplate.spec.template`"
        }
        (_, _, [.., "requests" | "limits"]) if in_container => {
            "requests and limits go under the container's `resources:`"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_hints() {
        assert!(
            unknown_field_help("apps", "DaemonSet", &["spec", "replicas"])
                .unwrap()
                .contains("nodeSelector")
        );
        assert!(unknown_field_help("apps", "Deployment", &["spec", "replicas"]).is_none());
        let requests = ["spec", "template", "spec", "containers", "requests"];
        assert!(unknown_field_help("apps", "Deployment", &requests).is_some());
        assert!(unknown_field_help("", "Pod", &["spec", "requests"]).is_none());
    }
}
