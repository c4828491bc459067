//! `invalid-volume`: pod volumes (reference §2.5 VOL-NAME, VOL-ONE-SOURCE): a name that is a
//! DNS-1123 label, unique within the pod, and at most one volume source (none is defaulted to
//! `emptyDir: {}`).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::invalid_volume as RULE;

/// Every volume source type of core/v1 `VolumeSource`.
pub const SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let Some(volumes) = pod.spec.child("volumes") else {
        return;
    };
    let partial = cx.is_partial();
    let mut seen: Vec<(String, Span)> = Vec::new();
    for volume in volumes.items() {
        if !volume.node.is_map() {
            continue;
        }
        let name_field = volume.child("name");
        let name = name_field.as_ref().and_then(|f| f.str()).unwrap_or("");
        let name_path = || format!("{}.name", volume.path);
        if name.is_empty() {
            if partial
                || name_field
                    .as_ref()
                    .is_some_and(|f| !f.is_null() && f.str().is_none())
            {
                continue; // another type: the schema's finding
            }
            let at = name_field
                .as_ref()
                .map_or(volume.node.span, |f| f.value_span());
            cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&name_path(), ""))
                    .with_label("volume without a name")
                    .with_help("every volume needs a name, which volumeMounts refer to"),
            );
        } else {
            let node = name_field.as_ref().expect("a name has a field").node;
            let errors = validate::dns1123_label(name);
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(node.span), apimachinery::invalid(&name_path(), &go_quote(name), &errors.join(", ")))
                        .with_label("not a DNS label")
                        .with_help("a volume name has at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"),
                );
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(node.span),
                        apimachinery::duplicate(&name_path(), &go_quote(name)),
                    )
                    .with_label("used twice")
                    .with_secondary(cx.loc(*first), "first used here")
                    .with_help("volume names must be unique within a pod; rename one of them"),
                );
            } else {
                seen.push((name.to_owned(), node.span));
            }
        }
        let sources: Vec<_> = SOURCES
            .iter()
            .filter_map(|s| volume.child(s).filter(|f| !f.is_null()))
            .collect();
        match sources.as_slice() {
            // No source at all: the API server defaults it to `emptyDir: {}` before validation
            // (SetDefaults_Volume), so a volume with only a name is an empty directory.
            [] => {}
            [_] => {}
            [first, second, ..] => cx.report(
                Diagnostic::new(&RULE, cx.loc(second.key), apimachinery::forbidden(&second.path, "may not specify more than 1 volume type"))
                    .with_label("second volume source")
                    .with_secondary(cx.loc(first.key), "first source")
                    .with_help("a volume has exactly one source; to combine ConfigMaps, Secrets and downward API data in one directory use a `projected` volume"),
            ),
        }
    }
}
