//! The baseline level's checks (`check_*.go` of the baseline level): host namespaces,
//! privileged, capabilities, hostPath, host ports, AppArmor, SELinux, /proc mount, seccomp,
//! sysctls, Windows hostProcess.

use super::*;

pub(super) fn app_armor(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) const BASELINE_CAPABILITIES: &[&str] = &[
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

pub(super) fn capabilities_baseline(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) fn host_namespaces(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) fn host_path_volumes(pod: &PodFacts, _: At) -> Option<Failure> {
    let bad: Vec<&crate::k8s::pod_security::facts::Volume> = pod
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

pub(super) fn host_ports(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) fn probe_hosts(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) fn privileged(pod: &PodFacts, _: At) -> Option<Failure> {
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

pub(super) fn proc_mount(pod: &PodFacts) -> Option<Failure> {
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
pub(super) fn proc_mount_baseline(pod: &PodFacts, at: At) -> Option<Failure> {
    if at.version >= 35 && pod.user_namespace {
        return None;
    }
    proc_mount(pod)
}

pub(super) fn proc_mount_restricted(pod: &PodFacts, _: At) -> Option<Failure> {
    proc_mount(pod)
}

pub(super) fn selinux(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) fn valid_seccomp(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

pub(super) fn seccomp_baseline(pod: &PodFacts, at: At) -> Option<Failure> {
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
pub(super) fn seccomp_annotations(pod: &PodFacts) -> Option<Failure> {
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
pub(super) const SAFE_SYSCTLS: &[(u32, &str)] = &[
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

pub(super) fn sysctls(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) fn host_process(pod: &PodFacts, _: At) -> Option<Failure> {
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
