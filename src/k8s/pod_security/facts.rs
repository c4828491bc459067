//! What the Pod Security checks read of a pod template, extracted while the tree is in memory
//! (the per-file stage) so that the whole-repo stage can evaluate it against the level of the
//! namespace it lands in. Only the fields `k8s.io/pod-security-admission/policy/check_*.go`
//! read are kept, each with the location a finding points at.

use crate::k8s::object::Object;
use crate::load::tree::{Node, Value};
use crate::model::diagnostic::Location;
use crate::model::source::SourceFile;

/// What kind of object holds the pod: a Pod is rejected; a workload is accepted, but its
/// controller can create no pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Pod,
    Workload,
}

/// A field set to a value, with where it is written.
#[derive(Clone, Debug)]
pub struct Set<T> {
    pub value: T,
    /// The field's key (`privileged` in `privileged: true`).
    pub at: Location,
}

/// The fields a `securityContext` (the pod's or a container's) can hold that the checks read.
#[derive(Clone, Debug, Default)]
pub struct SecurityContext {
    /// The `securityContext` key itself: a missing field is added there.
    pub at: Option<Location>,
    pub run_as_non_root: Option<Set<bool>>,
    pub run_as_user: Option<Set<i64>>,
    pub seccomp_type: Option<Set<String>>,
    pub apparmor_type: Option<Set<String>>,
    pub selinux: Option<Set<SeLinux>>,
    pub host_process: Option<Set<bool>>,
    // Containers only.
    pub privileged: Option<Set<bool>>,
    pub allow_privilege_escalation: Option<Set<bool>>,
    pub proc_mount: Option<Set<String>>,
    /// `capabilities`, when present (nil capabilities is not the same as an empty list).
    pub capabilities: Option<Location>,
    pub add: Vec<Set<String>>,
    pub drop: Vec<String>,
    /// The `drop` key, when present.
    pub drop_at: Option<Location>,
}

#[derive(Clone, Debug, Default)]
pub struct SeLinux {
    pub type_: String,
    pub user: bool,
    pub role: bool,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub name: String,
    /// The container's `name` value (or the item): a missing `securityContext` is added there.
    pub at: Location,
    pub security: SecurityContext,
    pub host_ports: Vec<Set<i64>>,
    /// `host` of probes and lifecycle handlers (`httpGet`/`tcpSocket`), non-empty.
    pub probe_hosts: Vec<Set<String>>,
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub name: String,
    /// The first volume source key (`hostPath`, `nfs`...); `None` when it has none.
    pub source: Option<String>,
    /// The source key, else the volume's name.
    pub at: Location,
}

/// An annotation of the pod template the checks read (AppArmor, seccomp).
#[derive(Clone, Debug)]
pub struct Annotation {
    pub key: String,
    pub value: String,
    pub at: Location,
}

#[derive(Clone, Debug)]
pub struct PodFacts {
    pub holder: Holder,
    /// The field path of the pod spec, for help texts (`spec.template.spec`).
    pub spec_path: &'static str,
    /// The pod spec's key (or the object's `kind`): where pod-level fields go.
    pub spec_at: Location,
    pub annotations: Vec<Annotation>,
    pub host_network: Option<Location>,
    pub host_pid: Option<Location>,
    pub host_ipc: Option<Location>,
    /// `hostUsers: false`: the pod runs in a user namespace.
    pub user_namespace: bool,
    /// `os.name: windows`.
    pub windows: bool,
    pub runtime_class: Option<String>,
    pub security: SecurityContext,
    pub sysctls: Vec<Set<String>>,
    pub volumes: Vec<Volume>,
    /// Init, regular and ephemeral containers, in the order the checks visit them.
    pub containers: Vec<Container>,
}

/// The labels of a Namespace the admission reads, with their locations.
#[derive(Clone, Debug)]
pub struct NamespaceLabels {
    pub labels: Vec<Annotation>,
}

/// What the Pod Security checks keep of an object: its pod, or a Namespace's labels.
#[derive(Clone, Debug)]
pub enum Facts {
    Pod(Box<PodFacts>),
    Namespace(NamespaceLabels),
}

pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// The kinds whose pods the admission checks: Pods, and the workloads whose pod template it
/// evaluates (`PodSpecExtractor`).
pub fn runs_pods(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Pod" | "ReplicationController")
            | (
                "apps",
                "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
            )
            | ("batch", "Job" | "CronJob")
    )
}

// The fields are destructured whole: a location added to the facts must be moved too.
impl SecurityContext {
    fn locations_mut(&mut self, f: &mut dyn FnMut(&mut Location)) {
        let SecurityContext {
            at,
            run_as_non_root,
            run_as_user,
            seccomp_type,
            apparmor_type,
            selinux,
            host_process,
            privileged,
            allow_privilege_escalation,
            proc_mount,
            capabilities,
            add,
            drop: _,
            drop_at,
        } = self;
        let sets = [
            run_as_non_root.as_mut().map(|s| &mut s.at),
            run_as_user.as_mut().map(|s| &mut s.at),
            seccomp_type.as_mut().map(|s| &mut s.at),
            apparmor_type.as_mut().map(|s| &mut s.at),
            selinux.as_mut().map(|s| &mut s.at),
            host_process.as_mut().map(|s| &mut s.at),
            privileged.as_mut().map(|s| &mut s.at),
            allow_privilege_escalation.as_mut().map(|s| &mut s.at),
            proc_mount.as_mut().map(|s| &mut s.at),
        ];
        for l in sets
            .into_iter()
            .chain([at.as_mut(), capabilities.as_mut(), drop_at.as_mut()])
            .flatten()
        {
            f(l);
        }
        for s in add {
            f(&mut s.at);
        }
    }
}

impl Facts {
    /// Calls `f` on every location the facts hold (a rendered object's are moved from its
    /// build's virtual text into the files, as its summary's are).
    pub fn locations_mut(&mut self, f: &mut dyn FnMut(&mut Location)) {
        let pod = match self {
            Facts::Namespace(NamespaceLabels { labels }) => {
                for a in labels {
                    f(&mut a.at);
                }
                return;
            }
            Facts::Pod(pod) => pod,
        };
        let PodFacts {
            holder: _,
            spec_path: _,
            spec_at,
            annotations,
            host_network,
            host_pid,
            host_ipc,
            user_namespace: _,
            windows: _,
            runtime_class: _,
            security,
            sysctls,
            volumes,
            containers,
        } = &mut **pod;
        f(spec_at);
        for l in [host_network, host_pid, host_ipc].into_iter().flatten() {
            f(l);
        }
        for a in annotations {
            f(&mut a.at);
        }
        security.locations_mut(f);
        for s in sysctls {
            f(&mut s.at);
        }
        for v in volumes {
            f(&mut v.at);
        }
        for c in containers {
            let Container {
                name: _,
                at,
                security,
                host_ports,
                probe_hosts,
            } = c;
            f(at);
            security.locations_mut(f);
            for s in host_ports.iter_mut() {
                f(&mut s.at);
            }
            for s in probe_hosts.iter_mut() {
                f(&mut s.at);
            }
        }
    }
}

/// The facts of an object, if it has a pod or is a Namespace with pod-security labels.
pub fn extract(object: &Object<'_>, cx: &SourceFile) -> Option<Facts> {
    let kind = object.kind?;
    let group = object.group();
    if (group, kind) == ("", "Namespace") {
        namespace(object, cx)
    } else if runs_pods(group, kind) {
        pod(object, cx).map(|p| Facts::Pod(Box::new(p)))
    } else {
        None
    }
}

/// Where the index points at an object (its `metadata.name`, else `generateName`, else `kind`):
/// how an object loaded again is matched with its index entry.
pub fn anchor(object: &Object<'_>) -> crate::model::span::Span {
    object
        .metadata
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .or_else(|| object.root.get("kind"))
        .map_or(object.root.span, |n| n.span)
}

fn namespace(object: &Object<'_>, cx: &SourceFile) -> Option<Facts> {
    let labels = object.metadata?.get("labels")?;
    let labels: Vec<Annotation> = labels
        .entries()
        .iter()
        .filter_map(|e| {
            let key = e.key.as_str()?;
            key.starts_with(LABEL_PREFIX).then(|| Annotation {
                key: key.to_owned(),
                value: scalar(&e.value).unwrap_or_default(),
                at: cx.location(e.value.span),
            })
        })
        .collect();
    (!labels.is_empty()).then_some(Facts::Namespace(NamespaceLabels { labels }))
}

/// A scalar as a string label value (`v1.30` is a string; a number would be written as such).
fn scalar(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

fn pod(object: &Object<'_>, cx: &SourceFile) -> Option<PodFacts> {
    let template = object.pod_template()?;
    let spec = template.spec.filter(|s| s.is_map())?;
    let holder = if template.path.is_empty() {
        Holder::Pod
    } else {
        Holder::Workload
    };
    let spec_path = match template.path.len() {
        0 => "spec",
        2 => "spec.template.spec",
        _ => "spec.jobTemplate.spec.template.spec",
    };
    let holder_node = if template.path.is_empty() {
        Some(object.root)
    } else {
        object.get(template.path)
    };
    let spec_at = holder_node
        .and_then(|h| h.entry("spec"))
        .map(|e| e.key.span)
        .or_else(|| object.root.entry("kind").map(|e| e.key.span))
        .map_or_else(|| cx.location(object.root.span), |s| cx.location(s));
    let loc = |n: &Node| cx.location(n.span);
    let is_true = |map: &Node, key: &str| {
        map.entry(key)
            .filter(|e| e.value.as_bool() == Some(true))
            .map(|e| cx.location(e.key.span))
    };
    let annotations = template
        .metadata
        .and_then(|m| m.get("annotations"))
        .map(|a| {
            a.entries()
                .iter()
                .filter_map(|e| {
                    let key = e.key.as_str()?;
                    let relevant = key
                        .starts_with("container.apparmor.security.beta.kubernetes.io/")
                        || key.starts_with("container.seccomp.security.alpha.kubernetes.io/")
                        || key == "seccomp.security.alpha.kubernetes.io/pod";
                    relevant.then(|| Annotation {
                        key: key.to_owned(),
                        value: scalar(&e.value).unwrap_or_default(),
                        at: loc(&e.value),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let pod_context = spec.entry("securityContext").filter(|e| e.value.is_map());
    let mut sysctls = Vec::new();
    if let Some(list) = pod_context
        .and_then(|e| e.value.get("sysctls"))
        .and_then(Node::as_seq)
    {
        for item in list {
            if let Some(name) = item.get("name")
                && let Some(value) = name.as_str()
            {
                sysctls.push(Set {
                    value: value.to_owned(),
                    at: loc(name),
                });
            }
        }
    }
    let volumes = spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|v| v.is_map())
        .map(|v| {
            let source = v
                .entries()
                .iter()
                .find(|e| e.key.as_str().is_some_and(|k| k != "name") && !e.value.is_null());
            let name_node = v.get("name");
            Volume {
                name: name_node
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                source: source.and_then(|e| e.key.as_str()).map(str::to_owned),
                at: source
                    .map(|e| loc(&e.key))
                    .or_else(|| name_node.map(loc))
                    .unwrap_or_else(|| loc(v)),
            }
        })
        .collect();
    let containers = template
        .containers()
        .filter(|c| c.is_map())
        .map(|c| {
            let name_node = c.get("name");
            let mut host_ports = Vec::new();
            for port in c.get("ports").and_then(Node::as_seq).unwrap_or_default() {
                if let Some(e) = port.entry("hostPort")
                    && let Some(n) = e.value.as_i64()
                    && n != 0
                {
                    host_ports.push(Set {
                        value: n,
                        at: loc(&e.value),
                    });
                }
            }
            let mut probe_hosts = Vec::new();
            let mut handler = |h: Option<&Node>| {
                for action in ["httpGet", "tcpSocket"] {
                    if let Some(host) = h.and_then(|h| h.get(action)).and_then(|a| a.get("host"))
                        && let Some(value) = host.as_str().filter(|s| !s.is_empty())
                    {
                        probe_hosts.push(Set {
                            value: value.to_owned(),
                            at: loc(host),
                        });
                    }
                }
            };
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                handler(c.get(probe));
            }
            let lifecycle = c.get("lifecycle");
            handler(lifecycle.and_then(|l| l.get("postStart")));
            handler(lifecycle.and_then(|l| l.get("preStop")));
            Container {
                name: name_node
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                at: name_node.map_or_else(|| loc(c), loc),
                security: c
                    .entry("securityContext")
                    .filter(|e| e.value.is_map())
                    .map(|e| security_context(e, cx))
                    .unwrap_or_default(),
                host_ports,
                probe_hosts,
            }
        })
        .collect();
    Some(PodFacts {
        holder,
        spec_path,
        spec_at,
        annotations,
        host_network: is_true(spec, "hostNetwork"),
        host_pid: is_true(spec, "hostPID"),
        host_ipc: is_true(spec, "hostIPC"),
        user_namespace: spec.get("hostUsers").and_then(Node::as_bool) == Some(false),
        windows: spec
            .get("os")
            .and_then(|o| o.get("name"))
            .and_then(Node::as_str)
            == Some("windows"),
        runtime_class: spec
            .get("runtimeClassName")
            .and_then(Node::as_str)
            .map(str::to_owned),
        security: pod_context
            .map(|e| security_context(e, cx))
            .unwrap_or_default(),
        sysctls,
        volumes,
        containers,
    })
}

fn security_context(entry: &crate::load::tree::Entry, cx: &SourceFile) -> SecurityContext {
    let sc = &entry.value;
    let set_bool = |key: &str| {
        sc.entry(key).and_then(|e| {
            Some(Set {
                value: e.value.as_bool()?,
                at: cx.location(e.key.span),
            })
        })
    };
    let set_str = |map: Option<&Node>, key: &str| {
        map?.entry(key).and_then(|e| {
            Some(Set {
                value: e.value.as_str()?.to_owned(),
                at: cx.location(e.value.span),
            })
        })
    };
    let selinux = sc
        .entry("seLinuxOptions")
        .filter(|e| e.value.is_map())
        .map(|e| {
            let field = |k: &str| e.value.get(k).and_then(Node::as_str).unwrap_or_default();
            Set {
                value: SeLinux {
                    type_: field("type").to_owned(),
                    user: !field("user").is_empty(),
                    role: !field("role").is_empty(),
                },
                at: cx.location(e.key.span),
            }
        });
    let capabilities = sc.entry("capabilities").filter(|e| e.value.is_map());
    let mut add = Vec::new();
    let mut drop = Vec::new();
    let mut drop_at = None;
    if let Some(caps) = capabilities {
        for item in caps
            .value
            .get("add")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(value) = item.as_str() {
                add.push(Set {
                    value: value.to_owned(),
                    at: cx.location(item.span),
                });
            }
        }
        if let Some(e) = caps.value.entry("drop") {
            drop_at = Some(cx.location(e.key.span));
            drop = e
                .value
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
        }
    }
    SecurityContext {
        at: Some(cx.location(entry.key.span)),
        run_as_non_root: set_bool("runAsNonRoot"),
        run_as_user: sc.entry("runAsUser").and_then(|e| {
            Some(Set {
                value: e.value.as_i64()?,
                at: cx.location(e.key.span),
            })
        }),
        seccomp_type: set_str(sc.get("seccompProfile"), "type"),
        apparmor_type: set_str(sc.get("appArmorProfile"), "type"),
        selinux,
        host_process: sc.get("windowsOptions").and_then(|w| {
            w.entry("hostProcess").and_then(|e| {
                Some(Set {
                    value: e.value.as_bool()?,
                    at: cx.location(e.key.span),
                })
            })
        }),
        privileged: set_bool("privileged"),
        allow_privilege_escalation: set_bool("allowPrivilegeEscalation"),
        proc_mount: set_str(Some(sc), "procMount"),
        capabilities: capabilities.map(|e| cx.location(e.key.span)),
        add,
        drop,
        drop_at,
    }
}
