//! `invalid-pod-names`: names in a pod spec (`ValidatePodSpec`, `validateReadinessGates`,
//! `validateSchedulingGates`): `hostname` and `subdomain` are DNS labels; `serviceAccountName`,
//! `nodeName`, `priorityClassName` and `runtimeClassName` DNS subdomains (the names of those
//! objects); readiness gate condition types and scheduling gate names qualified names, the
//! scheduling gates unique.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::field::Field;
use crate::k8s::pod::PodKey;
use crate::k8s::workload;

pub use crate::model::rule::invalid_pod_names as RULE;

#[derive(Clone, Copy)]
enum Format {
    Label,
    Subdomain,
    Qualified,
}

impl Format {
    fn errors(self, s: &str) -> Vec<String> {
        match self {
            Format::Label => validate::dns1123_label(s),
            Format::Subdomain => validate::dns1123_subdomain(s),
            Format::Qualified => validate::qualified_name(s),
        }
    }

    fn help(self) -> &'static str {
        match self {
            Format::Label => {
                "a DNS label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
            }
            Format::Subdomain => {
                "a DNS subdomain, like the name of the object it refers to: lower-case letters, digits, '-' and '.'"
            }
            Format::Qualified => {
                "a qualified name: an optional DNS-subdomain prefix and '/', then up to 63 letters, digits, '-', '_' or '.'"
            }
        }
    }
}

const FIELDS: &[(&str, Format)] = &[
    ("hostname", Format::Label),
    ("subdomain", Format::Label),
    ("serviceAccountName", Format::Subdomain),
    ("nodeName", Format::Subdomain),
    ("priorityClassName", Format::Subdomain),
    ("runtimeClassName", Format::Subdomain),
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::Names]) else {
        return;
    };
    // One pass over the spec's keys; a field is looked up with its path only when it is wrong.
    for entry in pod.spec.node.entries() {
        let Some(key) = entry.key.as_str() else {
            continue;
        };
        let Some((_, format)) = FIELDS.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        // Empty means unset for all but runtimeClassName, a pointer.
        if let Some(text) = entry.value.as_str()
            && (!text.is_empty() || key == "runtimeClassName")
            && !format.errors(text).is_empty()
            && let Some(f) = pod.spec.child(key)
        {
            report(cx, &f, &f.path, text, *format);
        }
    }
    if let Some(gates) = pod.spec.child("readinessGates") {
        for gate in gates.items() {
            if let Some(f) = gate.child("conditionType")
                && let Some(text) = f.str()
            {
                report(cx, &f, &f.path, text, Format::Qualified);
            }
        }
    }
    // Scheduling gates: beta and on by default from 1.27 (dropped before).
    if cx.options.kubernetes_version >= KubeVersion::new(27)
        && let Some(gates) = pod.spec.child("schedulingGates")
    {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for gate in gates.items() {
            let Some(f) = gate.child("name") else {
                continue;
            };
            let Some(text) = f.str() else {
                continue;
            };
            // The API server names the gate, not its `name`.
            report(cx, &f, &gate.path, text, Format::Qualified);
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == text) {
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(f.node.span),
                        apimachinery::duplicate(&gate.path, &go_quote(text)),
                    )
                    .with_label("listed twice")
                    .with_secondary(cx.loc(*first), "first here")
                    .with_help("list each scheduling gate once"),
                );
            } else {
                seen.push((text, f.node.span));
            }
        }
    }
}

fn report(cx: &mut Context<'_>, f: &Field<'_>, path: &str, text: &str, format: Format) {
    let errors = format.errors(text);
    if errors.is_empty() {
        return;
    }
    let lower = text.to_ascii_lowercase().replace('_', "-");
    let help = if lower != text && format.errors(&lower).is_empty() {
        format!("{}; e.g. `{lower}`", format.help())
    } else {
        format.help().to_owned()
    };
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(f.value_span()),
            apimachinery::invalid(path, &go_quote(text), &errors.join(", ")),
        )
        .with_label("not a valid name")
        .with_help(help),
    );
}
