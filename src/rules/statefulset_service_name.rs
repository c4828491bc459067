//! `statefulset-service-name`: a StatefulSet's `serviceName` becomes its pods' DNS subdomain and
//! must be a DNS-1123 label (reference §3.5 STS-SVCNAME). Rejected on create since Kubernetes
//! 1.33; older servers accept it and the pods fail later, so it is a warning there.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::statefulset_service_name as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::StatefulSet) {
        return;
    }
    let Some(field) = workload::spec(object).and_then(|s| s.child("serviceName")) else {
        return;
    };
    let Some(name) = field.str().filter(|s| !s.is_empty()) else {
        return;
    };
    let errors = validate::dns1123_label(name);
    if errors.is_empty() {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &RULE,
        cx.loc(field.node.span),
        apimachinery::invalid("spec.serviceName", &go_quote(name), &errors.join(", ")),
    )
    .with_label("not a DNS label")
    .with_help("serviceName names the headless Service that gives the pods their DNS names (`<pod>.<serviceName>`); it must be a lower-case DNS label like the Service's own name");
    if cx.options.kubernetes_version < KubeVersion::new(33) {
        diagnostic.severity = Severity::Warning;
    }
    cx.report(diagnostic);
}
