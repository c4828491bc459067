//! The restricted level's checks (`check_*.go` of the restricted level): volume types,
//! privilege escalation, runAsNonRoot, runAsUser, seccomp, capabilities.

use super::*;

/// From policy v1.25, Windows pods (`os.name: windows`) are exempt from the Linux-only checks.
pub(super) fn windows_exempt(pod: &PodFacts, at: At) -> bool {
    at.version >= 25 && pod.windows
}

pub(super) fn privilege_escalation(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) fn capabilities_restricted(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) const RESTRICTED_VOLUME_SOURCES: &[&str] = &[
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
pub(super) const NAMED_VOLUME_SOURCES: &[&str] = &[
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

pub(super) fn restricted_volumes(pod: &PodFacts, at: At) -> Option<Failure> {
    let allowed = |s: &str| {
        RESTRICTED_VOLUME_SOURCES.contains(&s)
            // Allowed at every policy version by API servers from v1.33.
            || (s == "image" && at.target >= 33)
    };
    let bad: Vec<&crate::k8s::pod_security::facts::Volume> = pod
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

pub(super) fn run_as_non_root(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) fn run_as_user(pod: &PodFacts, at: At) -> Option<Failure> {
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

pub(super) fn seccomp_restricted(pod: &PodFacts, at: At) -> Option<Failure> {
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
