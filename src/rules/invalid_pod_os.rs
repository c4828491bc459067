//! `invalid-pod-os`: a pod's `os` (`validateOS`, `validateWindows`, `validateLinux`): `os.name`
//! is `linux` or `windows`; a Windows pod sets none of the Linux-only security settings (SELinux,
//! seccomp, AppArmor, user and group ids, fsGroup, sysctls, capabilities, privileged, host
//! namespaces, ...), a Linux pod no `windowsOptions`.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::enum_help;
use crate::k8s::field::Field;
use crate::k8s::pod::{ContainerKey, PodKey, PodSpec};
use crate::k8s::workload;

pub use crate::model::rule::invalid_pod_os as RULE;

const OSES: &[&str] = &["linux", "windows"];
const WINDOWS_MSG: &str = "cannot be set for a windows pod";
const LINUX_MSG: &str = "windows options cannot be set for a linux pod";

/// A field forbidden in a Windows pod, and the first release that keeps it by default: before,
/// the API does not have it (`unknown-field`'s finding) or drops it with its feature gate off
/// (supplementalGroupsPolicy, seLinuxChangePolicy, procMount and hostUsers until 1.33).
struct Forbidden {
    name: &'static str,
    since: u32,
}

const fn f(name: &'static str, since: u32) -> Forbidden {
    Forbidden { name, since }
}

/// `spec.securityContext` fields a Windows pod may not set.
const POD_SECURITY: &[Forbidden] = &[
    f("appArmorProfile", 30),
    f("seLinuxOptions", 25),
    f("seccompProfile", 25),
    f("fsGroup", 25),
    f("fsGroupChangePolicy", 25),
    f("sysctls", 25),
    f("runAsUser", 25),
    f("runAsGroup", 25),
    f("supplementalGroups", 25),
    f("supplementalGroupsPolicy", 33),
    f("seLinuxChangePolicy", 33),
];

/// Container `securityContext` fields a Windows pod may not set.
const CONTAINER_SECURITY: &[Forbidden] = &[
    f("appArmorProfile", 30),
    f("seLinuxOptions", 25),
    f("seccompProfile", 25),
    f("capabilities", 25),
    f("readOnlyRootFilesystem", 25),
    f("privileged", 25),
    f("allowPrivilegeEscalation", 25),
    f("procMount", 33),
    f("runAsUser", 25),
    f("runAsGroup", 25),
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::Os]) else {
        return;
    };
    let Some(os) = pod.spec.child("os").filter(|f| f.node.is_map()) else {
        return;
    };
    let Some(name) = os.child("name").filter(|f| !f.is_null()) else {
        return; // a missing name is the schema's finding
    };
    let Some(value) = name.str() else {
        return;
    };
    match value {
        "" => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(name.value_span()),
                apimachinery::required(&name.path, "cannot be empty"),
            )
            .with_label("no OS")
            .with_help("write `name: linux` or `name: windows`, or remove `os`"),
        ),
        "windows" => windows(cx, pod, &name),
        "linux" => linux(cx, pod, &name),
        other => cx.report(
            // The API server names `os`, not `os.name`, here.
            Diagnostic::new(
                &RULE,
                cx.loc(name.node.span),
                apimachinery::unsupported(&os.path, other, OSES),
            )
            .with_label("not an OS Kubernetes knows")
            .with_help(enum_help(other, OSES)),
        ),
    }
}

/// Every container of the pod, with its `securityContext` mapping.
fn security_contexts<'a>(pod: &PodSpec<'a>) -> Vec<Field<'a>> {
    pod.containers()
        .iter()
        .filter(|c| c.has(ContainerKey::SecurityContext))
        .filter_map(|c| c.child("securityContext").filter(|f| f.node.is_map()))
        .collect()
}

fn windows(cx: &mut Context<'_>, pod: &PodSpec<'_>, os: &Field<'_>) {
    let minor = cx.options.kubernetes_version.minor;
    let mut found: Vec<Field<'_>> = Vec::new();
    // Pod-level settings that live in the internal PodSecurityContext but are spec fields in v1.
    for (key, since) in [
        ("hostPID", 25),
        ("hostIPC", 25),
        ("shareProcessNamespace", 25),
        ("hostUsers", 33),
    ] {
        if minor < since {
            continue;
        }
        if let Some(f) = pod.spec.child(key).filter(|f| !f.is_null()) {
            // hostPID and hostIPC count when true; the others when set at all.
            let set = match key {
                "hostPID" | "hostIPC" => f.node.as_bool() == Some(true),
                _ => true,
            };
            if set {
                found.push(f);
            }
        }
    }
    if let Some(sc) = pod
        .spec
        .child("securityContext")
        .filter(|f| f.node.is_map())
    {
        collect(&sc, POD_SECURITY, minor, &mut found);
    }
    for sc in security_contexts(pod) {
        collect(&sc, CONTAINER_SECURITY, minor, &mut found);
    }
    for field in found {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(field.key), apimachinery::forbidden(&field.path, WINDOWS_MSG))
                .with_label("Linux-only")
                .with_secondary(cx.loc(os.node.span), "a Windows pod")
                .with_help("Windows containers have no such setting: remove it, or set Windows options under `securityContext.windowsOptions` (runAsUserName, gmsaCredentialSpec, hostProcess)"),
        );
    }
}

fn collect<'a>(sc: &Field<'a>, fields: &[Forbidden], minor: u32, out: &mut Vec<Field<'a>>) {
    for forbidden in fields.iter().filter(|f| minor >= f.since) {
        if let Some(field) = sc.child(forbidden.name).filter(|f| !f.is_null()) {
            // An empty sysctls list is no sysctl at all.
            if forbidden.name == "sysctls" && field.node.as_seq().is_some_and(<[_]>::is_empty) {
                continue;
            }
            out.push(field);
        }
    }
}

fn linux(cx: &mut Context<'_>, pod: &PodSpec<'_>, os: &Field<'_>) {
    let pod_level = pod
        .spec
        .at(&["securityContext", "windowsOptions"])
        .filter(|f| !f.is_null());
    let containers = security_contexts(pod)
        .into_iter()
        .filter_map(|sc| sc.child("windowsOptions").filter(|f| !f.is_null()));
    for field in pod_level.into_iter().chain(containers) {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(field.key), apimachinery::forbidden(&field.path, LINUX_MSG))
                .with_label("Windows-only")
                .with_secondary(cx.loc(os.node.span), "a Linux pod")
                .with_help("windowsOptions apply to Windows containers only: remove them, or set `os.name: windows` if the pod runs on Windows nodes"),
        );
    }
}
