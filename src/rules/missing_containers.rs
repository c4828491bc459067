//! `missing-containers`: a pod spec needs at least one container (reference §2.2 CTR-REQUIRED).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::workload;

pub use crate::model::rule::missing_containers as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if cx.is_partial() {
        return;
    }
    let field = pod.spec.child("containers");
    let at = match &field {
        None => pod.anchor(),
        Some(f) if f.is_null() => f.key,
        Some(f) => match f.node.as_seq() {
            Some([]) => f.node.span,
            _ => return, // has containers, or another type (the schema's finding)
        },
    };
    let path = format!("{}.containers", pod.spec.path);
    let help = if pod.spec.child("initContainers").is_some() {
        "init containers run before the pod's containers and do not replace them; add at least one entry to `containers`"
    } else {
        "add at least one container with a `name` and an `image`"
    };
    cx.report(
        Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&path, ""))
            .with_label("no containers")
            .with_help(help),
    );
}
