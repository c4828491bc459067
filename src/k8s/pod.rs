//! Pod specs and Job specs as rules read them: the containers of every list (init, ephemeral),
//! their resources, and the optional fields present, each found once per object.

use crate::k8s::field::{Field, FieldPath};
use crate::k8s::kind::Kind;
use crate::load::tree::{Node, Value};
use crate::model::span::Span;
use std::cell::OnceCell;

/// A pod spec and where it sits in its object (found once per object, and lent to the rules).
#[derive(Clone, Debug)]
pub struct PodSpec<'a> {
    pub kind: Kind,
    /// The pod spec mapping (`spec` of a Pod, `spec.template.spec` of a Deployment, ...).
    pub spec: Field<'a>,
    /// The pod template holding it (`spec.template`); `None` for a Pod.
    pub template: Option<Field<'a>>,
    /// [`PodSpec::containers`], listed once for every rule.
    containers: OnceCell<Vec<Container<'a>>>,
    /// [`PodSpec::has`]: the optional pod spec fields present, found in one pass.
    keys: OnceCell<u32>,
}

/// Optional pod spec fields that rules look for in every pod spec. Most pod specs have few of
/// them, so one pass over the spec's keys tells the rules which to skip, instead of a failed
/// lookup per field and rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodKey {
    Affinity = 1,
    Tolerations = 1 << 1,
    TopologySpreadConstraints = 1 << 2,
    HostAliases = 1 << 3,
    DnsConfig = 1 << 4,
    DnsPolicy = 1 << 5,
    Os = 1 << 6,
    SecurityContext = 1 << 7,
    ShareProcessNamespace = 1 << 8,
    /// hostname, subdomain, serviceAccountName, nodeName, priorityClassName, runtimeClassName,
    /// readinessGates or schedulingGates.
    Names = 1 << 9,
    HostNetwork = 1 << 10,
}

fn pod_keys(spec: &Node) -> u32 {
    let mut keys = 0;
    for entry in spec.entries() {
        keys |= match entry.key.as_str().unwrap_or("") {
            "affinity" => PodKey::Affinity as u32,
            "tolerations" => PodKey::Tolerations as u32,
            "topologySpreadConstraints" => PodKey::TopologySpreadConstraints as u32,
            "hostAliases" => PodKey::HostAliases as u32,
            "dnsConfig" => PodKey::DnsConfig as u32,
            "dnsPolicy" => PodKey::DnsPolicy as u32,
            "os" => PodKey::Os as u32,
            "securityContext" => PodKey::SecurityContext as u32,
            "shareProcessNamespace" => PodKey::ShareProcessNamespace as u32,
            "hostNetwork" => PodKey::HostNetwork as u32,
            "hostname" | "subdomain" | "serviceAccountName" | "nodeName" | "priorityClassName"
            | "runtimeClassName" | "readinessGates" | "schedulingGates" => PodKey::Names as u32,
            _ => 0,
        };
    }
    keys
}

impl<'a> PodSpec<'a> {
    pub fn new(kind: Kind, spec: Field<'a>, template: Option<Field<'a>>) -> PodSpec<'a> {
        PodSpec {
            kind,
            spec,
            template,
            containers: OnceCell::new(),
            keys: OnceCell::new(),
        }
    }

    /// The template's labels, if it has a labels mapping.
    pub fn template_labels(&self) -> Option<Field<'a>> {
        self.template
            .as_ref()?
            .at(&["metadata", "labels"])
            .filter(|f| f.node.is_map())
    }

    /// Every container: regular ones first, then init and ephemeral containers (the order
    /// Kubernetes validates names in, so a duplicate is reported on the later list).
    pub fn containers(&self) -> &[Container<'a>] {
        self.containers.get_or_init(|| self.list_containers())
    }

    fn list_containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for list in [
            ContainerList::Regular,
            ContainerList::Init,
            ContainerList::Ephemeral,
        ] {
            let Some(items) = self.spec.child(list.field()) else {
                continue;
            };
            for item in items.items() {
                if item.node.is_map() {
                    out.push(Container {
                        list,
                        field: item,
                        resources: OnceCell::new(),
                        keys: OnceCell::new(),
                    });
                }
            }
        }
        out
    }

    /// The pod spec's restartPolicy, as the defaulting sees it (null and "" are unset).
    pub fn restart_policy(&self) -> Option<Field<'a>> {
        self.spec
            .child("restartPolicy")
            .filter(|f| !f.is_null() && f.str() != Some(""))
    }

    /// Whether the pod spec has any of `keys` (see [`PodKey`]).
    pub fn has(&self, keys: &[PodKey]) -> bool {
        let present = *self.keys.get_or_init(|| pod_keys(self.spec.node));
        keys.iter().any(|k| present & *k as u32 != 0)
    }

    /// Where to point for something missing from the pod spec: its `spec:` key.
    pub fn anchor(&self) -> Span {
        self.spec.key
    }
}

/// The Job spec of a Job, or of a CronJob's `jobTemplate`.
#[derive(Clone, Debug)]
pub struct JobSpec<'a> {
    pub spec: Field<'a>,
    /// Whether this is a CronJob's `spec.jobTemplate.spec`.
    pub in_cronjob: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerList {
    Regular,
    Init,
    Ephemeral,
}

impl ContainerList {
    pub fn field(self) -> &'static str {
        match self {
            ContainerList::Regular => "containers",
            ContainerList::Init => "initContainers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Container<'a> {
    pub list: ContainerList,
    /// The container mapping, with its path (`spec.template.spec.containers[0]`).
    pub field: Field<'a>,
    /// [`Container::resources`], read once for the rules that look at quantities.
    resources: OnceCell<Vec<ResourceEntry<'a>>>,
    /// [`Container::has`], found in one pass over the container's keys.
    keys: OnceCell<u8>,
}

/// Optional container fields that rules of every pod spec look for (see [`PodKey`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKey {
    SecurityContext = 1,
    ResizePolicy = 1 << 1,
}

/// One `resources.requests[name]` or `resources.limits[name]` entry.
#[derive(Clone, Debug)]
pub struct ResourceEntry<'a> {
    /// "requests" or "limits".
    pub map: &'static str,
    pub name: String,
    pub node: &'a Node,
    /// `...resources.limits[memory]`.
    pub path: FieldPath<'a>,
    /// The quantity as the API server reads it, or why not.
    pub quantity: Result<crate::k8s::quantity::Quantity, &'static str>,
    /// What was written, as the server would see the string.
    pub text: String,
}

/// The resource entries of a container (non-string, non-number values are left to the schema).
fn resource_entries<'a>(container: &Container<'a>) -> Vec<ResourceEntry<'a>> {
    let mut out = Vec::new();
    if container.list == ContainerList::Ephemeral {
        return out;
    }
    for map in ["requests", "limits"] {
        let Some(field) = container.field.at(&["resources", map]) else {
            continue;
        };
        for entry in field.node.entries() {
            let Some(name) = entry.key.key_string() else {
                continue;
            };
            let text = match &entry.value.value {
                Value::Str(s) => s.clone(),
                Value::Int(i) => match i64::try_from(*i) {
                    Ok(i) => i.to_string(),
                    Err(_) => entry.value.to_json().to_string(),
                },
                // `.inf` and `.nan` do not survive kubectl's conversion to JSON at all.
                Value::Float(f) if f.is_finite() => entry.value.to_json().to_string(),
                _ => continue,
            };
            out.push(ResourceEntry {
                map,
                path: field.path.map_key(&entry.value),
                name: name.into_owned(),
                node: &entry.value,
                quantity: crate::k8s::quantity::parse(&text),
                text,
            });
        }
    }
    out
}

impl<'a> Container<'a> {
    /// Its `resources.requests` and `resources.limits` entries, each quantity parsed (once, for
    /// every rule).
    pub fn resources(&self) -> &[ResourceEntry<'a>] {
        self.resources.get_or_init(|| resource_entries(self))
    }

    pub fn name(&self) -> Option<&'a str> {
        self.field.child("name").and_then(|f| f.str())
    }

    pub fn child(&self, key: &str) -> Option<Field<'a>> {
        self.field.child(key)
    }

    /// Whether the container has the field `key`.
    pub fn has(&self, key: ContainerKey) -> bool {
        let keys = *self.keys.get_or_init(|| {
            let mut keys = 0;
            for entry in self.field.node.entries() {
                keys |= match entry.key.as_str().unwrap_or("") {
                    "securityContext" => ContainerKey::SecurityContext as u8,
                    "resizePolicy" => ContainerKey::ResizePolicy as u8,
                    _ => 0,
                };
            }
            keys
        });
        keys & key as u8 != 0
    }

    /// An init container with `restartPolicy: Always` is a sidecar: it runs alongside the
    /// regular containers and may have probes.
    pub fn is_sidecar(&self) -> bool {
        self.list == ContainerList::Init
            && self.child("restartPolicy").and_then(|f| f.str()) == Some("Always")
    }

    /// Where to point at the container as a whole: its `name`, or the container itself.
    pub fn name_span(&self) -> Span {
        self.child("name")
            .map_or(self.field.node.span, |f| f.node.span)
    }

    /// How to name the container in a message: "container `app`" or the path.
    pub fn describe(&self) -> String {
        match self.name() {
            Some(name) if !name.is_empty() => format!("container `{name}`"),
            _ => format!("the container at {}", self.field.path),
        }
    }
}
