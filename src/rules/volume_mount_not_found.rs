//! `volume-mount-not-found`: every `volumeMounts[].name` must name a volume of the pod (for a
//! StatefulSet, a `volumeClaimTemplates` entry counts too) (reference §2.2 CTR-VOLMOUNT-REF).

use crate::k8s::apimachinery;
use crate::k8s::field;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::text::did_you_mean;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::workload;
use crate::model::text::code_list;

pub use crate::model::rule::volume_mount_not_found as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if cx.is_partial() {
        return; // the volumes may come from the base
    }
    let name_of =
        |f: &field::Field<'_>| f.child("name").and_then(|n| n.str().map(str::to_owned));
    let mut volumes: Vec<String> = pod
        .spec
        .child("volumes")
        .map(|v| v.items().iter().filter_map(name_of).collect())
        .unwrap_or_default();
    if pod.kind == Kind::StatefulSet
        && let Some(templates) =
            workload::spec(object).and_then(|s| s.child("volumeClaimTemplates"))
    {
        volumes.extend(templates.items().iter().filter_map(|t| {
            t.at(&["metadata", "name"])
                .and_then(|n| n.str().map(str::to_owned))
        }));
    }
    for container in pod.containers() {
        let Some(mounts) = container.child("volumeMounts") else {
            continue;
        };
        for mount in mounts.items() {
            let Some(field) = mount.child("name") else {
                continue;
            };
            let Some(name) = field.str().filter(|s| !s.is_empty()) else {
                continue;
            };
            if volumes.iter().any(|v| v == name) {
                continue;
            }
            let help = match did_you_mean(name, volumes.iter().map(String::as_str)) {
                Some(near) => format!(
                    "did you mean `{near}`? The pod's volumes are {}",
                    code_list(&volumes)
                ),
                None if volumes.is_empty() => format!(
                    "the pod declares no volumes: add one named `{name}` under `{}.volumes`",
                    pod.spec.path
                ),
                None => format!(
                    "the pod's volumes are {}; declare `{name}` under `{}.volumes` or fix the name",
                    code_list(&volumes),
                    pod.spec.path
                ),
            };
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(field.node.span),
                    apimachinery::not_found(&field.path, &go_quote(name)),
                )
                .with_label("no volume with this name")
                .with_help(help),
            );
        }
    }
}
