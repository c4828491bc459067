//! `invalid-security-context`: the pod's and the containers' `securityContext` as the API server
//! validates them (`validatePodSpecSecurityContext`, `ValidateSecurityContext`): user and group
//! ids from 0 to 2147483647, `seccompProfile` and `appArmorProfile` types (a `Localhost` profile
//! needs a relative `localhostProfile`, other types none), `allowPrivilegeEscalation: false` with
//! neither `privileged: true` nor the capability `CAP_SYS_ADMIN`, `procMount`,
//! `fsGroupChangePolicy` and `supplementalGroupsPolicy` values, sysctl names, and
//! `shareProcessNamespace` without `hostPID`.

use crate::k8s::apimachinery;
use crate::k8s::field;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::field::Field;
use crate::k8s::pod::{ContainerKey, PodKey};
use crate::k8s::workload;

pub use crate::model::rule::invalid_security_context as RULE;

const ID_RANGE: &str = "must be between 0 and 2147483647, inclusive";
const PROFILE_TYPES: &[&str] = &["Localhost", "RuntimeDefault", "Unconfined"];
const FS_GROUP_POLICIES: &[&str] = &["Always", "OnRootMismatch"];
const SUPPLEMENTAL_POLICIES: &[&str] = &["Merge", "Strict"];
const PROC_MOUNTS: &[&str] = &["Default", "Unmasked"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let version = cx.options.kubernetes_version;
    if pod.has(&[PodKey::SecurityContext])
        && let Some(sc) = pod
            .spec
            .child("securityContext")
            .filter(|f| f.node.is_map())
    {
        for entry in sc.node.entries() {
            match entry.key.as_str() {
                Some(key @ ("runAsUser" | "runAsGroup" | "fsGroup")) if bad_id(&entry.value) => {
                    if let Some(f) = sc.child(key) {
                        id_range(cx, &f);
                    }
                }
                Some("supplementalGroups") => {
                    if let Some(groups) = sc.child("supplementalGroups") {
                        for g in groups.items() {
                            id_range(cx, &g);
                        }
                    }
                }
                Some("fsGroupChangePolicy") => {
                    enumeration(cx, &sc, "fsGroupChangePolicy", FS_GROUP_POLICIES);
                }
                // SupplementalGroupsPolicy is dropped with its feature gate off before 1.33.
                Some("supplementalGroupsPolicy") if version >= KubeVersion::new(33) => {
                    enumeration(cx, &sc, "supplementalGroupsPolicy", SUPPLEMENTAL_POLICIES);
                }
                Some("seccompProfile") => {
                    if let Some(p) = sc.child("seccompProfile").filter(|f| f.node.is_map()) {
                        profile(cx, &p, "seccomp");
                    }
                }
                Some("appArmorProfile") if version >= KubeVersion::new(30) => {
                    if let Some(p) = sc.child("appArmorProfile").filter(|f| f.node.is_map()) {
                        profile(cx, &p, "AppArmor");
                    }
                }
                Some("sysctls") => sysctls(cx, &sc),
                _ => {}
            }
        }
    }
    if pod.has(&[PodKey::ShareProcessNamespace])
        && let Some(share) = pod.spec.child("shareProcessNamespace")
        && share.node.as_bool() == Some(true)
        && let Some(host_pid) = pod.spec.child("hostPID")
        && host_pid.node.as_bool() == Some(true)
    {
        // Internally both live in the pod security context, which names the path.
        let path = format!("{}.securityContext.shareProcessNamespace", pod.spec.path);
        cx.report(
            Diagnostic::new(&RULE, cx.loc(share.node.span), apimachinery::invalid(&path, "true", "ShareProcessNamespace and HostPID cannot both be enabled"))
                .with_label("with hostPID")
                .with_secondary(cx.loc(host_pid.node.span), "hostPID")
                .with_help("with hostPID the containers already see every process of the node; drop one of the two"),
        );
    }
    for container in pod.containers() {
        if !container.has(ContainerKey::SecurityContext) {
            continue;
        }
        let Some(sc) = container
            .child("securityContext")
            .filter(|f| f.node.is_map())
        else {
            continue;
        };
        // One pass over the (few) settings; a field is looked up with its path only when present.
        for entry in sc.node.entries() {
            match entry.key.as_str() {
                Some(key @ ("runAsUser" | "runAsGroup")) if bad_id(&entry.value) => {
                    if let Some(f) = sc.child(key) {
                        id_range(cx, &f);
                    }
                }
                // ProcMountType is dropped with its feature gate off before 1.33.
                Some("procMount") if version >= KubeVersion::new(33) => {
                    enumeration(cx, &sc, "procMount", PROC_MOUNTS);
                }
                Some("seccompProfile") => {
                    if let Some(p) = sc.child("seccompProfile").filter(|f| f.node.is_map()) {
                        profile(cx, &p, "seccomp");
                    }
                }
                Some("appArmorProfile") if version >= KubeVersion::new(30) => {
                    if let Some(p) = sc.child("appArmorProfile").filter(|f| f.node.is_map()) {
                        profile(cx, &p, "AppArmor");
                    }
                }
                Some("allowPrivilegeEscalation") => escalation(cx, &sc),
                _ => {}
            }
        }
    }
}

/// An integer outside the id range (others are the schema's finding).
fn bad_id(node: &crate::load::tree::Node) -> bool {
    field::int(node).is_some_and(|n| !(0..=i64::from(i32::MAX)).contains(&n))
}

/// `IsValidUserID` / `IsValidGroupID`.
fn id_range(cx: &mut Context<'_>, f: &Field<'_>) {
    if let Some(n) = f.int().filter(|n| !(0..=i64::from(i32::MAX)).contains(n)) {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(f.node.span),
                apimachinery::invalid(&f.path, &n.to_string(), ID_RANGE),
            )
            .with_label("not a user or group id")
            .with_help("user and group ids run from 0 to 2147483647"),
        );
    }
}

fn enumeration(cx: &mut Context<'_>, sc: &Field<'_>, key: &str, values: &[&str]) {
    if let Some(f) = sc.child(key)
        && let Some(v) = f.str()
        && !values.contains(&v)
    {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(f.value_span()),
                apimachinery::unsupported(&f.path, v, values),
            )
            .with_label("not a supported value")
            .with_help(enum_help(v, values)),
        );
    }
}

fn profile(cx: &mut Context<'_>, p: &Field<'_>, what: &str) {
    let ty = p.child("type");
    let Some(t) = ty.as_ref().map_or(Some(""), |f| f.str()) else {
        return; // another type: the schema's finding
    };
    let local = p.child("localhostProfile").filter(|f| !f.is_null());
    let type_path = || format!("{}.type", p.path);
    match t {
        "" => {
            let at = ty.as_ref().map_or(p.key, |f| f.value_span());
            let what_lower = what.to_ascii_lowercase();
            let field = if what == "seccomp" { "seccompProfile" } else { "appArmorProfile" };
            let detail = format!("type is required when {field} is set");
            cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&type_path(), &detail))
                    .with_label(format!("no {what_lower} profile type"))
                    .with_help("say which profile: `type: RuntimeDefault` (the runtime's default), `Localhost` (with `localhostProfile`) or `Unconfined`"),
            );
        }
        "Localhost" => match &local {
            None => cx.report(
                Diagnostic::new(&RULE, cx.loc(ty.as_ref().map_or(p.key, |f| f.node.span)), apimachinery::required(&format!("{}.localhostProfile", p.path), &format!("must be set when {what} type is Localhost")))
                    .with_label("Localhost without a profile")
                    .with_help("name the profile file on the node, relative to the kubelet's profile directory: `localhostProfile: profiles/audit.json`"),
            ),
            Some(l) => {
                if let Some(text) = l.str() {
                    local_profile(cx, l, text, what);
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(l) = &local {
                let (value, detail) = if what == "seccomp" {
                    (seccomp_value(t, l), "can only be set when seccomp type is Localhost")
                } else {
                    (go_quote(l.str().unwrap_or_default()), "can only be set when AppArmor type is Localhost")
                };
                let path = format!("{}.localhostProfile", p.path);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(l.key), apimachinery::invalid(&path, &value, detail))
                        .with_label(format!("with type {t}"))
                        .with_help("a profile file goes with `type: Localhost`; remove `localhostProfile` or change the type"),
                );
            }
        }
        other => {
            let f = ty.as_ref().expect("a non-empty type was written");
            cx.report(
                Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::unsupported(&type_path(), other, PROFILE_TYPES))
                    .with_label("not a profile type")
                    .with_help(if other.eq_ignore_ascii_case("runtime/default") || other.eq_ignore_ascii_case("docker/default") {
                        "`runtime/default` is the old annotation value; the field takes `RuntimeDefault`".to_owned()
                    } else {
                        enum_help(other, PROFILE_TYPES)
                    }),
            );
        }
    }
}

/// The seccomp message prints the whole profile (Go's `%#v`).
fn seccomp_value(t: &str, l: &Field<'_>) -> String {
    format!(
        "core.SeccompProfile{{Type:{}, LocalhostProfile:{}}}",
        go_quote(t),
        go_quote(l.str().unwrap_or_default())
    )
}

/// A `Localhost` profile's file: seccomp's is relative without `..`
/// (`validateLocalDescendingPath`); AppArmor's is not padded with whitespace.
fn local_profile(cx: &mut Context<'_>, l: &Field<'_>, text: &str, what: &str) {
    let mut problems: Vec<&str> = Vec::new();
    if what == "seccomp" {
        if text.starts_with('/') {
            problems.push("must be a relative path");
        }
        if text.split('/').any(|part| part == "..") {
            problems.push("must not contain '..'");
        }
    } else if text.trim() != text {
        problems.push("must not be padded with whitespace");
    } else if text.is_empty() {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(l.value_span()), apimachinery::required(&l.path, "must be set when AppArmor type is Localhost"))
                .with_label("empty profile name")
                .with_help("name the AppArmor profile loaded on the node, e.g. `localhostProfile: k8s-apparmor-example-deny-write`"),
        );
    }
    for problem in problems {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(l.node.span), apimachinery::invalid(&l.path, &go_quote(text), problem))
                .with_label("not a profile under the kubelet's directory")
                .with_help("a localhost profile is a path relative to the kubelet's seccomp directory (`<kubelet root>/seccomp`), e.g. `profiles/audit.json`"),
        );
    }
}

/// `allowPrivilegeEscalation: false` contradicts `privileged: true` and adding `CAP_SYS_ADMIN`.
fn escalation(cx: &mut Context<'_>, sc: &Field<'_>) {
    let Some(ape) = sc.child("allowPrivilegeEscalation") else {
        return;
    };
    if ape.node.as_bool() != Some(false) {
        return;
    }
    // The API server prints the whole security context; the two settings at odds say more.
    if let Some(p) = sc.child("privileged")
        && p.node.as_bool() == Some(true)
    {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(ape.node.span), apimachinery::invalid(&sc.path, r#"{"allowPrivilegeEscalation":false,"privileged":true}"#, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
                .with_label("no escalation")
                .with_secondary(cx.loc(p.node.span), "but privileged")
                .with_help("a privileged container has every privilege already; remove `allowPrivilegeEscalation: false` or `privileged: true`"),
        );
    }
    let added: Vec<Span> = sc
        .at(&["capabilities", "add"])
        .map(|add| {
            add.items()
                .iter()
                .filter(|c| c.str() == Some("CAP_SYS_ADMIN"))
                .map(|c| c.node.span)
                .collect()
        })
        .unwrap_or_default();
    for at in added {
        cx.report(
            Diagnostic::new(&RULE, cx.loc(ape.node.span), apimachinery::invalid(&sc.path, r#"{"allowPrivilegeEscalation":false,"capabilities":{"add":["CAP_SYS_ADMIN"]}}"#, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
                .with_label("no escalation")
                .with_secondary(cx.loc(at), "but CAP_SYS_ADMIN")
                .with_help("CAP_SYS_ADMIN allows escalating privileges; remove it or `allowPrivilegeEscalation: false`"),
        );
    }
}

/// `validateSysctls`: names present, well-formed and unique.
fn sysctls(cx: &mut Context<'_>, sc: &Field<'_>) {
    let Some(list) = sc.child("sysctls") else {
        return;
    };
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for item in list.items().iter().filter(|i| i.node.is_map()) {
        let Some(name) = item.child("name") else {
            continue; // the schema's finding
        };
        let Some(text) = name.str() else {
            continue;
        };
        if text.is_empty() {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(name.value_span()),
                    apimachinery::required(&name.path, ""),
                )
                .with_label("no sysctl name")
                .with_help("name the kernel parameter, e.g. `net.ipv4.ip_local_port_range`"),
            );
        } else if !is_sysctl_name(text) {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(name.node.span), apimachinery::invalid(&name.path, &go_quote(text), "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"))
                    .with_label("not a sysctl name")
                    .with_help("sysctl names are lower-case segments separated by `.` or `/`, e.g. `net.core.somaxconn`"),
            );
        } else if let Some((_, first)) = seen.iter().find(|(n, _)| *n == text) {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(name.node.span),
                    apimachinery::duplicate(&name.path, &go_quote(text)),
                )
                .with_label("set twice")
                .with_secondary(cx.loc(*first), "first here")
                .with_help("set each sysctl once"),
            );
        } else {
            seen.push((text, name.node.span));
        }
    }
}

/// `IsValidSysctlName`: segments `[a-z0-9]([-_a-z0-9]*[a-z0-9])?` joined by `.` or `/`.
fn is_sysctl_name(name: &str) -> bool {
    let segment = |s: &str| {
        let b = s.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(b[0])
            && alnum(b[b.len() - 1])
            && b.iter().all(|&c| alnum(c) || c == b'-' || c == b'_')
    };
    name.len() <= 253 && name.split(['.', '/']).all(segment)
}
