//! The Pod Security Standards checks, as `k8s.io/pod-security-admission/policy/check_*.go`
//! define them: each check's id, level, the policy versions where each of its variants applies,
//! and its forbidden reason and detail text, word for word; `registry.go` for which checks run
//! at a level and version (restricted replaces some baseline checks) and in which order (the
//! baseline ids sorted, then the restricted ids sorted).

use super::Level;
use super::facts::{Container, PodFacts, SecurityContext, Set};
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

// Baseline ----------------------------------------------------------------------------------

fn app_armor(pod: &PodFacts, _: At) -> Option<Failure> {
    let allowed = |t: &str| matches!(t, "RuntimeDefault" | "Localhost");
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut at = Vec::new();
    if let Some(t) = pod
        .security
        .apparmor_type
        .as_ref()
        .filter(|t| !allowed(&t.value))
    {
        setters.push("pod".to_owned());
        values.push(t.value.clone());
        at.push(t.at);
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(t) = c
            .security
            .apparmor_type
            .as_ref()
            .filter(|t| !allowed(&t.value))
        {
            bad.push(c.name.as_str());
            values.push(t.value.clone());
            at.push(t.at);
        }
    }
    if !bad.is_empty() {
        setters.push(containers_text(&bad));
    }
    let mut values = sorted_set(values);
    let mut annotations: Vec<String> = Vec::new();
    for a in &pod.annotations {
        let v = a.value.as_str();
        if a.key
            .starts_with("container.apparmor.security.beta.kubernetes.io/")
            && !(v.is_empty() || v == "runtime/default" || v.starts_with("localhost/"))
        {
            annotations.push(format!("{}={:?}", a.key, a.value));
            at.push(a.at);
        }
    }
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_owned());
        values.extend(annotations);
    }
    if setters.is_empty() {
        return None;
    }
    failure(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
        at,
        "set the AppArmor profile `type` to `RuntimeDefault` or `Localhost` (annotations: `runtime/default` or `localhost/<profile>`), or remove it".to_owned(),
    )
}

const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline(pod: &PodFacts, _: At) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut caps = Vec::new();
    let mut at = Vec::new();
    for c in &pod.containers {
        let added: Vec<&Set<String>> = c
            .security
            .add
            .iter()
            .filter(|a| !BASELINE_CAPABILITIES.contains(&a.value.as_str()))
            .collect();
        if !added.is_empty() {
            bad.push(c.name.as_str());
            caps.extend(added.iter().map(|a| a.value.clone()));
            at.extend(added.iter().map(|a| a.at));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let caps = sorted_set(caps);
    failure(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_text(&bad),
            join_quote(&caps)
        ),
        at,
        format!(
            "remove {} from `capabilities.add`: the baseline level allows only {}",
            join_quote(&caps),
            BASELINE_CAPABILITIES.join(", ")
        ),
    )
}

fn host_namespaces(pod: &PodFacts, _: At) -> Option<Failure> {
    let set: Vec<(&str, Location)> = [
        ("hostNetwork", pod.host_network),
        ("hostPID", pod.host_pid),
        ("hostIPC", pod.host_ipc),
    ]
    .into_iter()
    .filter_map(|(k, l)| Some((k, l?)))
    .collect();
    if set.is_empty() {
        return None;
    }
    let names: Vec<String> = set.iter().map(|(k, _)| format!("{k}=true")).collect();
    let keys: Vec<String> = set.iter().map(|(k, _)| format!("`{k}: true`")).collect();
    failure(
        "host namespaces",
        names.join(", "),
        set.iter().map(|(_, l)| *l).collect(),
        format!(
            "remove {} from {}: pods may not share the node's namespaces",
            keys.join(", "),
            pod.spec_path
        ),
    )
}

fn host_path_volumes(pod: &PodFacts, _: At) -> Option<Failure> {
    let bad: Vec<&super::facts::Volume> = pod
        .volumes
        .iter()
        .filter(|v| v.source.as_deref() == Some("hostPath"))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|v| v.name.as_str()).collect();
    failure(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        bad.iter().map(|v| v.at).collect(),
        "replace the `hostPath` volume (an `emptyDir`, a `configMap` or a `persistentVolumeClaim`): the baseline level forbids mounting the node's files".to_owned(),
    )
}

fn host_ports(pod: &PodFacts, _: At) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut ports = Vec::new();
    let mut at = Vec::new();
    for c in &pod.containers {
        if !c.host_ports.is_empty() {
            bad.push(c.name.as_str());
            ports.extend(c.host_ports.iter().map(|p| p.value.to_string()));
            at.extend(c.host_ports.iter().map(|p| p.at));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports = sorted_set(ports);
    failure(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_text(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        at,
        "remove `hostPort` (expose the port with a Service instead)".to_owned(),
    )
}

fn probe_hosts(pod: &PodFacts, _: At) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut hosts = Vec::new();
    let mut at = Vec::new();
    for c in &pod.containers {
        if !c.probe_hosts.is_empty() {
            bad.push(c.name.clone());
            hosts.extend(c.probe_hosts.iter().map(|h| h.value.clone()));
            at.extend(c.probe_hosts.iter().map(|h| h.at));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad = sorted_set(bad);
    let hosts = sorted_set(hosts);
    failure(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        at,
        "remove `host:` from the probe or lifecycle handler: without it, it targets the pod's own IP".to_owned(),
    )
}

fn privileged(pod: &PodFacts, _: At) -> Option<Failure> {
    let bad: Vec<(&str, Location)> = pod
        .containers
        .iter()
        .filter_map(|c| {
            let p = c.security.privileged.as_ref().filter(|p| p.value)?;
            Some((c.name.as_str(), p.at))
        })
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    failure(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_text(&names)
        ),
        bad.iter().map(|(_, l)| *l).collect(),
        "remove `privileged: true` (or set it to false); add only the capabilities the container needs".to_owned(),
    )
}

fn proc_mount(pod: &PodFacts) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut types = Vec::new();
    let mut at = Vec::new();
    for c in &pod.containers {
        if let Some(p) = c
            .security
            .proc_mount
            .as_ref()
            .filter(|p| p.value != "Default")
        {
            bad.push(c.name.as_str());
            types.push(p.value.clone());
            at.push(p.at);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    failure(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_text(&bad),
            join_quote(&types)
        ),
        at,
        "remove `procMount` (or set it to `Default`)".to_owned(),
    )
}

/// From policy v1.35, baseline allows any `procMount` in a user namespace (`hostUsers: false`).
fn proc_mount_baseline(pod: &PodFacts, at: At) -> Option<Failure> {
    if at.version >= 35 && pod.user_namespace {
        return None;
    }
    proc_mount(pod)
}

fn proc_mount_restricted(pod: &PodFacts, _: At) -> Option<Failure> {
    proc_mount(pod)
}

fn selinux(pod: &PodFacts, at: At) -> Option<Failure> {
    let allowed = |t: &str| {
        matches!(
            t,
            "" | "container_t" | "container_init_t" | "container_kvm_t"
        ) || (at.version >= 31 && t == "container_engine_t")
    };
    let mut setters = Vec::new();
    let mut types = Vec::new();
    let (mut user, mut role) = (false, false);
    let mut locations = Vec::new();
    let mut valid = |sc: &SecurityContext| {
        let Some(o) = &sc.selinux else { return true };
        let mut ok = true;
        if !allowed(&o.value.type_) {
            ok = false;
            types.push(o.value.type_.clone());
        }
        if o.value.user {
            ok = false;
            user = true;
        }
        if o.value.role {
            ok = false;
            role = true;
        }
        if !ok {
            locations.push(o.at);
        }
        ok
    };
    if !valid(&pod.security) {
        setters.push("pod".to_owned());
    }
    let bad: Vec<&str> = pod
        .containers
        .iter()
        .filter(|c| !valid(&c.security))
        .map(|c| c.name.as_str())
        .collect();
    if !bad.is_empty() {
        setters.push(containers_text(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    let mut data = Vec::new();
    // As the source does: user and role are named only alongside a bad type.
    if !types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
        if user {
            data.push("user may not be set".to_owned());
        }
        if role {
            data.push("role may not be set".to_owned());
        }
    }
    let engine = if at.version >= 31 {
        ", `container_engine_t`"
    } else {
        ""
    };
    failure(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        locations,
        format!(
            "remove `user` and `role` from `seLinuxOptions`, and set `type` only to `container_t`, `container_init_t`, `container_kvm_t`{engine} (or remove it)"
        ),
    )
}

fn valid_seccomp(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

fn seccomp_baseline(pod: &PodFacts, at: At) -> Option<Failure> {
    if at.version < 19 {
        return seccomp_annotations(pod);
    }
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut locations = Vec::new();
    if let Some(t) = pod
        .security
        .seccomp_type
        .as_ref()
        .filter(|t| !valid_seccomp(&t.value))
    {
        setters.push("pod".to_owned());
        values.push(t.value.clone());
        locations.push(t.at);
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(t) = c
            .security
            .seccomp_type
            .as_ref()
            .filter(|t| !valid_seccomp(&t.value))
        {
            bad.push(c.name.as_str());
            values.push(t.value.clone());
            locations.push(t.at);
        }
    }
    if !bad.is_empty() {
        setters.push(containers_text(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    failure(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ),
        locations,
        "set the seccomp profile `type` to `RuntimeDefault` (or `Localhost`), or remove it"
            .to_owned(),
    )
}

/// Policy versions before v1.19 read the seccomp annotations.
fn seccomp_annotations(pod: &PodFacts) -> Option<Failure> {
    let valid =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let mut forbidden = Vec::new();
    let mut at = Vec::new();
    for a in &pod.annotations {
        let applies = a.key == "seccomp.security.alpha.kubernetes.io/pod"
            || a.key
                .strip_prefix("container.seccomp.security.alpha.kubernetes.io/")
                .is_some_and(|name| pod.containers.iter().any(|c| c.name == name));
        if applies && !valid(&a.value) {
            forbidden.push(format!("{}={:?}", a.key, a.value));
            at.push(a.at);
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let forbidden = sorted_set(forbidden);
    failure(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
        at,
        "set the seccomp annotation to `runtime/default` or `localhost/<profile>`, or remove it"
            .to_owned(),
    )
}

/// The sysctls the baseline level allows, by the policy version that added them.
const SAFE_SYSCTLS: &[(u32, &str)] = &[
    (0, "kernel.shm_rmid_forced"),
    (0, "net.ipv4.ip_local_port_range"),
    (0, "net.ipv4.tcp_syncookies"),
    (0, "net.ipv4.ping_group_range"),
    (0, "net.ipv4.ip_unprivileged_port_start"),
    (27, "net.ipv4.ip_local_reserved_ports"),
    (29, "net.ipv4.tcp_keepalive_time"),
    (29, "net.ipv4.tcp_fin_timeout"),
    (29, "net.ipv4.tcp_keepalive_intvl"),
    (29, "net.ipv4.tcp_keepalive_probes"),
    (32, "net.ipv4.tcp_rmem"),
    (32, "net.ipv4.tcp_wmem"),
    (37, "net.ipv4.tcp_slow_start_after_idle"),
    (37, "net.ipv4.tcp_notsent_lowat"),
];

fn sysctls(pod: &PodFacts, at: At) -> Option<Failure> {
    let safe = |name: &str| {
        SAFE_SYSCTLS
            .iter()
            .any(|(since, s)| *since <= at.version && *s == name)
    };
    let bad: Vec<&Set<String>> = pod.sysctls.iter().filter(|s| !safe(&s.value)).collect();
    if bad.is_empty() {
        return None;
    }
    let allowed: Vec<&str> = SAFE_SYSCTLS
        .iter()
        .filter(|(since, _)| *since <= at.version)
        .map(|(_, s)| *s)
        .collect();
    failure(
        "forbidden sysctls",
        bad.iter()
            .map(|s| s.value.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        bad.iter().map(|s| s.at).collect(),
        format!(
            "remove the sysctl: at this policy version the baseline level allows only {}",
            allowed.join(", ")
        ),
    )
}

fn host_process(pod: &PodFacts, _: At) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut at = Vec::new();
    if let Some(h) = pod.security.host_process.as_ref().filter(|h| h.value) {
        setters.push("pod".to_owned());
        at.push(h.at);
    }
    let bad: Vec<&str> = pod
        .containers
        .iter()
        .filter_map(|c| {
            let h = c.security.host_process.as_ref().filter(|h| h.value)?;
            at.push(h.at);
            Some(c.name.as_str())
        })
        .collect();
    if !bad.is_empty() {
        setters.push(containers_text(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    failure(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
        at,
        "remove `hostProcess: true` from `windowsOptions`".to_owned(),
    )
}

// Restricted --------------------------------------------------------------------------------

/// From policy v1.25, Windows pods (`os.name: windows`) are exempt from the Linux-only checks.
fn windows_exempt(pod: &PodFacts, at: At) -> bool {
    at.version >= 25 && pod.windows
}

fn privilege_escalation(pod: &PodFacts, at: At) -> Option<Failure> {
    if windows_exempt(pod, at) {
        return None;
    }
    let bad: Vec<(&str, Location)> = pod
        .containers
        .iter()
        .filter_map(|c| match &c.security.allow_privilege_escalation {
            Some(Set { value: false, .. }) => None,
            Some(set) => Some((c.name.as_str(), set.at)),
            None => Some((c.name.as_str(), container_anchor(c))),
        })
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    failure(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_text(&names)
        ),
        bad.iter().map(|(_, l)| *l).collect(),
        format!(
            "set `securityContext.allowPrivilegeEscalation: false` {}",
            in_containers(&names)
        ),
    )
}

fn capabilities_restricted(pod: &PodFacts, at: At) -> Option<Failure> {
    if windows_exempt(pod, at) {
        return None;
    }
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut forbidden = Vec::new();
    let mut locations = Vec::new();
    for c in &pod.containers {
        let sc = &c.security;
        if sc.capabilities.is_none() || !sc.drop.iter().any(|d| d == "ALL") {
            missing_drop.push(c.name.as_str());
            locations.push(
                sc.drop_at
                    .or(sc.capabilities)
                    .unwrap_or_else(|| container_anchor(c)),
            );
        }
        let bad: Vec<&Set<String>> = sc
            .add
            .iter()
            .filter(|a| a.value != "NET_BIND_SERVICE")
            .collect();
        if !bad.is_empty() {
            adding.push(c.name.as_str());
            forbidden.extend(bad.iter().map(|a| a.value.clone()));
            locations.extend(bad.iter().map(|a| a.at));
        }
    }
    let mut details = Vec::new();
    let mut help = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_text(&missing_drop)
        ));
        help.push(format!(
            "add `capabilities: {{drop: [\"ALL\"]}}` to the securityContext {}",
            in_containers(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        let forbidden = sorted_set(forbidden);
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_text(&adding),
            join_quote(&forbidden)
        ));
        help.push(format!(
            "remove {} from `capabilities.add` (only NET_BIND_SERVICE may be added)",
            join_quote(&forbidden)
        ));
    }
    if details.is_empty() {
        return None;
    }
    failure(
        "unrestricted capabilities",
        details.join("; "),
        locations,
        help.join("; "),
    )
}

const RESTRICTED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The names the check gives the other volume sources (`check_restrictedVolumes.go`).
const NAMED_VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn restricted_volumes(pod: &PodFacts, at: At) -> Option<Failure> {
    let allowed = |s: &str| {
        RESTRICTED_VOLUME_SOURCES.contains(&s)
            // Allowed at every policy version by API servers from v1.33.
            || (s == "image" && at.target >= 33)
    };
    let bad: Vec<&super::facts::Volume> = pod
        .volumes
        .iter()
        .filter(|v| !v.source.as_deref().is_some_and(allowed))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|v| v.name.as_str()).collect();
    let types = sorted_set(
        bad.iter()
            .map(|v| {
                v.source
                    .as_deref()
                    .filter(|s| NAMED_VOLUME_SOURCES.contains(s))
                    .unwrap_or("unknown")
                    .to_owned()
            })
            .collect(),
    );
    failure(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        bad.iter().map(|v| v.at).collect(),
        format!(
            "the restricted level allows only {}{} volumes: use a `persistentVolumeClaim` for storage",
            RESTRICTED_VOLUME_SOURCES.join(", "),
            if at.target >= 33 { ", image" } else { "" }
        ),
    )
}

fn run_as_non_root(pod: &PodFacts, at: At) -> Option<Failure> {
    if at.version >= 35 && pod.user_namespace {
        return None;
    }
    let mut setters = Vec::new();
    let mut locations = Vec::new();
    let mut pod_non_root = false;
    if let Some(r) = &pod.security.run_as_non_root {
        if r.value {
            pod_non_root = true;
        } else {
            setters.push("pod".to_owned());
            locations.push(r.at);
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_at = Vec::new();
    for c in &pod.containers {
        match &c.security.run_as_non_root {
            Some(r) if !r.value => {
                explicit.push(c.name.as_str());
                locations.push(r.at);
            }
            Some(_) => {}
            None if !pod_non_root => {
                implicit.push(c.name.as_str());
                implicit_at.push(container_anchor(c));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_text(&explicit));
    }
    if !setters.is_empty() {
        return failure(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            locations,
            "set `runAsNonRoot: true` (the image must then run as a non-zero UID)".to_owned(),
        );
    }
    if implicit.is_empty() {
        return None;
    }
    // One line at the pod level covers every container.
    let at_pod = pod.security.at.unwrap_or(pod.spec_at);
    failure(
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_text(&implicit)
        ),
        std::iter::once(at_pod).chain(implicit_at).collect(),
        format!(
            "set `securityContext.runAsNonRoot: true` in {} (every container), or {}; the image must run as a non-zero UID",
            pod.spec_path,
            in_containers(&implicit)
        ),
    )
}

fn run_as_user(pod: &PodFacts, at: At) -> Option<Failure> {
    if at.version >= 35 && pod.user_namespace {
        return None;
    }
    let mut setters = Vec::new();
    let mut locations = Vec::new();
    if let Some(u) = pod.security.run_as_user.as_ref().filter(|u| u.value == 0) {
        setters.push("pod".to_owned());
        locations.push(u.at);
    }
    let bad: Vec<&str> = pod
        .containers
        .iter()
        .filter_map(|c| {
            let u = c.security.run_as_user.as_ref().filter(|u| u.value == 0)?;
            locations.push(u.at);
            Some(c.name.as_str())
        })
        .collect();
    if !bad.is_empty() {
        setters.push(containers_text(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    failure(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
        locations,
        "set `runAsUser` to a non-zero UID, or remove it".to_owned(),
    )
}

fn seccomp_restricted(pod: &PodFacts, at: At) -> Option<Failure> {
    if windows_exempt(pod, at) {
        return None;
    }
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut locations = Vec::new();
    let mut pod_set = false;
    if let Some(t) = &pod.security.seccomp_type {
        if valid_seccomp(&t.value) {
            pod_set = true;
        } else {
            setters.push("pod".to_owned());
            values.push(t.value.clone());
            locations.push(t.at);
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_at = Vec::new();
    for c in &pod.containers {
        match &c.security.seccomp_type {
            Some(t) if !valid_seccomp(&t.value) => {
                explicit.push(c.name.as_str());
                values.push(t.value.clone());
                locations.push(t.at);
            }
            Some(_) => {}
            None if !pod_set => {
                implicit.push(c.name.as_str());
                implicit_at.push(container_anchor(c));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_text(&explicit));
    }
    if !setters.is_empty() {
        return failure(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
            locations,
            "set the seccomp profile `type` to `RuntimeDefault` (or `Localhost`)".to_owned(),
        );
    }
    if implicit.is_empty() {
        return None;
    }
    let at_pod = pod.security.at.unwrap_or(pod.spec_at);
    failure(
        "seccompProfile",
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_text(&implicit)
        ),
        std::iter::once(at_pod).chain(implicit_at).collect(),
        format!(
            "set `securityContext.seccompProfile: {{type: RuntimeDefault}}` in {} (every container), or {}",
            pod.spec_path,
            in_containers(&implicit)
        ),
    )
}
