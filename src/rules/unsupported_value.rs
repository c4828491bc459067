//! `unsupported-value`: fields whose values come from a fixed, case-sensitive set (the JSON
//! schemas carry no enums). Reference §2.1, §2.2, §2.3, §3.2, §3.4, §3.5, §4 and §5.1.
//! `restartPolicy` has its own rule (`restart-policy`), because the allowed set depends on the kind.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::field::{Field, select};
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::unsupported_value as RULE;

/// How the API server words the error.
#[derive(Clone, Copy)]
enum Wording {
    /// `Unsupported value: "x": supported values: "A", "B"`.
    Unsupported,
    /// `Invalid value: "x": must be 'A' or 'B'` (StatefulSet fields).
    MustBe,
}

/// Where a table entry is looked up from.
#[derive(Clone, Copy)]
enum Base {
    /// The object's `spec`, for these kinds.
    Spec(&'static [Kind]),
    /// The Job spec of a Job or of a CronJob's jobTemplate.
    JobSpec,
    PodSpec,
    Container,
}

struct Enum {
    base: Base,
    path: &'static [&'static str],
    values: &'static [&'static str],
    wording: Wording,
    /// Whether "" means unset (defaulted) rather than a bad value.
    empty_ok: bool,
}

const fn entry(base: Base, path: &'static [&'static str], values: &'static [&'static str]) -> Enum {
    Enum {
        base,
        path,
        values,
        wording: Wording::Unsupported,
        empty_ok: true,
    }
}

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

static TABLE: &[Enum] = &[
    entry(
        Base::Spec(&[Kind::CronJob]),
        &["concurrencyPolicy"],
        &["Allow", "Forbid", "Replace"],
    ),
    entry(
        Base::JobSpec,
        &["completionMode"],
        &["NonIndexed", "Indexed"],
    ),
    entry(
        Base::JobSpec,
        &["podReplacementPolicy"],
        &["TerminatingOrFailed", "Failed"],
    ),
    entry(
        Base::Spec(&[Kind::Deployment]),
        &["strategy", "type"],
        &["Recreate", "RollingUpdate"],
    ),
    entry(
        Base::Spec(&[Kind::DaemonSet]),
        &["updateStrategy", "type"],
        &["RollingUpdate", "OnDelete"],
    ),
    Enum {
        base: Base::Spec(&[Kind::StatefulSet]),
        path: &["podManagementPolicy"],
        values: &["OrderedReady", "Parallel"],
        wording: Wording::MustBe,
        empty_ok: true,
    },
    Enum {
        base: Base::Spec(&[Kind::StatefulSet]),
        path: &["updateStrategy", "type"],
        values: &["RollingUpdate", "OnDelete"],
        wording: Wording::MustBe,
        empty_ok: true,
    },
    entry(
        Base::Spec(&[Kind::StatefulSet]),
        &["persistentVolumeClaimRetentionPolicy", "whenDeleted"],
        &["Retain", "Delete"],
    ),
    entry(
        Base::Spec(&[Kind::StatefulSet]),
        &["persistentVolumeClaimRetentionPolicy", "whenScaled"],
        &["Retain", "Delete"],
    ),
    entry(
        Base::PodSpec,
        &["dnsPolicy"],
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    ),
    entry(
        Base::PodSpec,
        &["preemptionPolicy"],
        &["PreemptLowerPriority", "Never"],
    ),
    entry(
        Base::Container,
        &["imagePullPolicy"],
        &["Always", "IfNotPresent", "Never"],
    ),
    entry(
        Base::Container,
        &["terminationMessagePolicy"],
        &["File", "FallbackToLogsOnError"],
    ),
    entry(
        Base::Container,
        &["ports", "*", "protocol"],
        &["SCTP", "TCP", "UDP"],
    ),
    entry(
        Base::Container,
        &["volumeMounts", "*", "mountPropagation"],
        &["Bidirectional", "HostToContainer", "None"],
    ),
    entry(
        Base::Container,
        &[PROBES[0], "httpGet", "scheme"],
        &["HTTP", "HTTPS"],
    ),
    entry(
        Base::Container,
        &[PROBES[1], "httpGet", "scheme"],
        &["HTTP", "HTTPS"],
    ),
    entry(
        Base::Container,
        &[PROBES[2], "httpGet", "scheme"],
        &["HTTP", "HTTPS"],
    ),
    entry(
        Base::Container,
        &["lifecycle", "postStart", "httpGet", "scheme"],
        &["HTTP", "HTTPS"],
    ),
    entry(
        Base::Container,
        &["lifecycle", "preStop", "httpGet", "scheme"],
        &["HTTP", "HTTPS"],
    ),
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(kind) = Kind::of(object) else {
        return;
    };
    let spec = workload::spec(object);
    let job = workload::job_spec(object);
    let pod = workload::pod_spec(object);
    let containers = pod.as_ref().map_or(&[][..], |p| p.containers());
    for e in TABLE {
        let mut visit = |base: &Field<'_>| {
            for field in select(base, e.path) {
                check_value(cx, e, &field);
            }
        };
        match e.base {
            Base::Spec(kinds) if kinds.contains(&kind) => spec.iter().for_each(&mut visit),
            Base::Spec(_) => {}
            Base::JobSpec => job.iter().for_each(|j| visit(&j.spec)),
            Base::PodSpec => pod.iter().for_each(|p| visit(&p.spec)),
            Base::Container => containers.iter().for_each(|c| visit(&c.field)),
        }
    }
}

fn check_value(cx: &mut Context<'_>, e: &Enum, field: &Field<'_>) {
    let Some(value) = field.str() else {
        return; // null is unset; other types are the schema's finding
    };
    if e.values.contains(&value) || (value.is_empty() && e.empty_ok) {
        return;
    }
    let message = match e.wording {
        Wording::Unsupported => apimachinery::unsupported(&field.path, value, e.values),
        Wording::MustBe => {
            let quoted: Vec<String> = e.values.iter().map(|v| format!("'{v}'")).collect();
            apimachinery::invalid(
                &field.path,
                &go_quote(value),
                &format!("must be {}", quoted.join(" or ")),
            )
        }
    };
    cx.report(
        Diagnostic::new(&RULE, cx.loc(field.node.span), message)
            .with_label("not a supported value")
            .with_help(enum_help(value, e.values)),
    );
}
