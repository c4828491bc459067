//! `missing-containers`: a pod spec needs at least one container (reference §2.2 CTR-REQUIRED).

use crate::checks::Context;
use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::object::Object;
use crate::workload;

pub static RULE: Rule = Rule {
    id: "missing-containers",
    severity: Severity::Error,
    summary: "A pod spec needs at least one entry in `containers`.",
    doc: include_str!("../../rules/missing-containers.md"),
};

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    if workload::is_partial(cx) {
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
        Diagnostic::new(&RULE, cx.loc(at), workload::required(&path, ""))
            .with_label("no containers")
            .with_help(help),
    );
}
