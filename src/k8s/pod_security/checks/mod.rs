//! The Pod Security Standards checks, as `k8s.io/pod-security-admission/policy/check_*.go`
//! define them: each check's id, level, the policy versions where each of its variants applies,
//! and its forbidden reason and detail text, word for word; `registry.go` for which checks run
//! at a level and version (restricted replaces some baseline checks) and in which order (the
//! baseline ids sorted, then the restricted ids sorted).

mod baseline;
mod restricted;

use baseline::*;
use restricted::*;

use super::Level;
use crate::k8s::pod_security::facts::{Container, PodFacts, SecurityContext, Set};
use crate::model::diagnostic::Location;

/// One failed check: the API server's reason and detail, and where the fix goes.
#[derive(Clone, Debug)]
pub struct Failure {
    pub check: &'static str,
    pub reason: String,
    pub detail: String,
    /// The offending field (or where the missing one goes).
    pub at: Location,
    /// The other offending fields.
    pub also: Vec<Location>,
    /// The smallest change that satisfies the level.
    pub help: String,
}

impl Failure {
    /// `reason (detail)`, as `AggregateCheckResult.ForbiddenDetail` formats one check.
    pub fn text(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// What a check is evaluated against.
#[derive(Clone, Copy)]
pub struct At {
    /// The policy version (minor), already bounded by the target release.
    pub version: u32,
    /// The target Kubernetes release (minor): what the API server binary knows.
    pub target: u32,
}

type CheckFn = fn(&PodFacts, At) -> Option<Failure>;

struct Check {
    id: &'static str,
    level: Level,
    /// The oldest policy version the check applies to.
    since: u32,
    /// Baseline checks this (restricted) check replaces.
    overrides: &'static [&'static str],
    run: CheckFn,
}

/// Every check, baseline then restricted, each group sorted by id (byte order, as Go sorts).
const CHECKS: &[Check] = &[
    check("appArmorProfile", Level::Baseline, 0, &[], app_armor),
    check(
        "capabilities_baseline",
        Level::Baseline,
        0,
        &[],
        capabilities_baseline,
    ),
    check("hostNamespaces", Level::Baseline, 0, &[], host_namespaces),
    check(
        "hostPathVolumes",
        Level::Baseline,
        0,
        &[],
        host_path_volumes,
    ),
    check("hostPorts", Level::Baseline, 0, &[], host_ports),
    check(
        "hostProbesAndHostLifecycle",
        Level::Baseline,
        34,
        &[],
        probe_hosts,
    ),
    check("privileged", Level::Baseline, 0, &[], privileged),
    check("procMount", Level::Baseline, 0, &[], proc_mount_baseline),
    check("seLinuxOptions", Level::Baseline, 0, &[], selinux),
    check(
        "seccompProfile_baseline",
        Level::Baseline,
        0,
        &[],
        seccomp_baseline,
    ),
    check("sysctls", Level::Baseline, 0, &[], sysctls),
    check("windowsHostProcess", Level::Baseline, 0, &[], host_process),
    check(
        "allowPrivilegeEscalation",
        Level::Restricted,
        8,
        &[],
        privilege_escalation,
    ),
    check(
        "capabilities_restricted",
        Level::Restricted,
        22,
        &["capabilities_baseline"],
        capabilities_restricted,
    ),
    check(
        "procMount_restricted",
        Level::Restricted,
        35,
        &["procMount"],
        proc_mount_restricted,
    ),
    check(
        "restrictedVolumes",
        Level::Restricted,
        0,
        &["hostPathVolumes"],
        restricted_volumes,
    ),
    check("runAsNonRoot", Level::Restricted, 0, &[], run_as_non_root),
    check("runAsUser", Level::Restricted, 23, &[], run_as_user),
    check(
        "seccompProfile_restricted",
        Level::Restricted,
        19,
        &["seccompProfile_baseline"],
        seccomp_restricted,
    ),
];

const fn check(
    id: &'static str,
    level: Level,
    since: u32,
    overrides: &'static [&'static str],
    run: CheckFn,
) -> Check {
    Check {
        id,
        level,
        since,
        overrides,
        run,
    }
}

/// Evaluates a pod against a level at a policy version: the failed checks, in the order the
/// API server lists them.
pub fn evaluate(pod: &PodFacts, level: Level, at: At) -> Vec<Failure> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let active = |c: &&Check| {
        c.since <= at.version && (c.level == Level::Baseline || level == Level::Restricted)
    };
    let overridden: Vec<&str> = CHECKS
        .iter()
        .filter(active)
        .flat_map(|c| c.overrides.iter().copied())
        .collect();
    CHECKS
        .iter()
        .filter(active)
        .filter(|c| !overridden.contains(&c.id))
        .filter_map(|c| (c.run)(pod, at).map(|f| Failure { check: c.id, ..f }))
        .collect()
}

fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", inner.join("\", \""))
}

fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 { singular } else { plural }
}

/// A sorted set of strings, as `sets.NewString(...).List()`.
fn sorted_set(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

fn containers_text(names: &[&str]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

fn failure(
    reason: impl Into<String>,
    detail: String,
    at: Vec<Location>,
    help: String,
) -> Option<Failure> {
    let mut at = at.into_iter();
    let first = at.next()?;
    Some(Failure {
        check: "",
        reason: reason.into(),
        detail,
        at: first,
        also: at.collect(),
        help,
    })
}

/// Where a field missing from a container goes: its `securityContext`, else the container.
fn container_anchor(c: &Container) -> Location {
    c.security.at.unwrap_or(c.at)
}

/// `in container "web"`, or `in containers "a", "b"`.
fn in_containers(names: &[&str]) -> String {
    format!("in {}", containers_text(names))
}
