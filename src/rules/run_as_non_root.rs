//! `run-as-non-root` (best practice): pods whose containers may run as root: neither the pod
//! nor the container sets `runAsNonRoot: true` or a non-zero `runAsUser`.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::field::Field;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;
use crate::model::text::code_list;

pub use crate::model::rule::run_as_non_root as RULE;

/// Whether a securityContext says "not root": `Some(true)`, `Some(false)` when it explicitly
/// allows root, `None` when it says nothing.
fn non_root(context: Option<Field<'_>>) -> Option<bool> {
    let context = context?;
    let flag = context.child("runAsNonRoot").and_then(|f| f.node.as_bool());
    let user = context.child("runAsUser").and_then(|f| f.int());
    match (flag, user) {
        (_, Some(0)) => Some(false),
        (Some(flag), _) => Some(flag),
        (None, Some(_)) => Some(true),
        (None, None) => None,
    }
}

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if cx.is_partial() {
        return;
    }
    let pod_level = non_root(pod.spec.child("securityContext"));
    let as_root: Vec<String> = pod
        .containers()
        .iter()
        .filter(|c| c.list != ContainerList::Ephemeral)
        .filter(|c| {
            !non_root(c.child("securityContext"))
                .or(pod_level)
                .unwrap_or(false)
        })
        .map(|c| c.name().unwrap_or("?").to_owned())
        .collect();
    if as_root.is_empty() {
        return;
    }
    let at = pod
        .spec
        .child("securityContext")
        .map_or(pod.anchor(), |f| f.key);
    let noun = if as_root.len() == 1 {
        "container"
    } else {
        "containers"
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(at),
            format!("{noun} {} may run as root: no `runAsNonRoot: true` or non-zero `runAsUser`", code_list(&as_root)),
        )
        .with_label("root allowed")
        .with_help("set `securityContext: {runAsNonRoot: true}` on the pod (with an image whose user is not root, or `runAsUser: 1000`) so the kubelet refuses to start a container as root"),
    );
}
