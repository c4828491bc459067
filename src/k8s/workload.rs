//! What the workload rules share: which built-in kind an object is, where its pod spec, Job spec
//! and selector live, the containers of a pod spec, label selectors and how they match,
//! int-or-percent values, and Kubernetes' field-error message formats (reference §0.1).
//!
//! Rules only check values of the type the API expects: a wrong type is the schema's finding.

use crate::k8s::object::Object;
use crate::load::tree::{Node, Value};
use crate::model::span::Span;
use crate::model::text::code_list;
use std::cell::OnceCell;
use std::fmt::{self, Write as _};
use std::rc::Rc;

/// The built-in kinds that carry a pod spec (reference §2-§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pod,
    PodTemplate,
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
    ReplicationController,
    Job,
    CronJob,
}

impl Kind {
    /// The kind of a built-in object in a version Kubernetes still serves (`v1`, `apps/v1`,
    /// `batch/v1`). Removed versions such as `apps/v1beta1` had other defaults (a selector taken
    /// from the template labels) and are rejected as a whole, which is not these rules' finding.
    /// Asked by many rules for every object: whole-string matches, no splitting.
    pub fn of(object: &Object<'_>) -> Option<Kind> {
        Some(match (object.api_version?, object.kind?) {
            ("v1", "Pod") => Kind::Pod,
            ("v1", "PodTemplate") => Kind::PodTemplate,
            ("v1", "ReplicationController") => Kind::ReplicationController,
            ("apps/v1", "Deployment") => Kind::Deployment,
            ("apps/v1", "ReplicaSet") => Kind::ReplicaSet,
            ("apps/v1", "DaemonSet") => Kind::DaemonSet,
            ("apps/v1", "StatefulSet") => Kind::StatefulSet,
            ("batch/v1", "Job") => Kind::Job,
            ("batch/v1", "CronJob") => Kind::CronJob,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::PodTemplate => "PodTemplate",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::ReplicationController => "ReplicationController",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
        }
    }

    /// Controllers that keep pods running: their template's restartPolicy must be Always.
    pub fn is_controller(self) -> bool {
        matches!(
            self,
            Kind::Deployment
                | Kind::ReplicaSet
                | Kind::DaemonSet
                | Kind::StatefulSet
                | Kind::ReplicationController
        )
    }

    /// Kinds whose pods run to completion.
    pub fn is_batch(self) -> bool {
        matches!(self, Kind::Job | Kind::CronJob)
    }
}

/// A field path as Kubernetes prints it (`spec.template.spec.containers[0].image`), built lazily:
/// walking the tree only links segments (borrowing key names from it), and the text is made
/// the first time a message needs it. Most fields are never reported, so most paths are never
/// formatted.
#[derive(Clone, Default)]
pub struct FieldPath<'a> {
    last: Option<Rc<Segment<'a>>>,
    text: OnceCell<String>,
}

struct Segment<'a> {
    parent: FieldPath<'a>,
    step: Step<'a>,
}

enum Step<'a> {
    Key(&'a str),
    /// A key that is not a string in the YAML (`on:`), as kubectl converts it.
    OwnedKey(String),
    Index(usize),
    /// A map entry as Kubernetes prints it: `limits[memory]`.
    MapKey(String),
}

impl<'a> FieldPath<'a> {
    /// This path followed by a map entry in brackets (`resources.limits[memory]`).
    pub fn map_key(&self, key: &str) -> FieldPath<'a> {
        self.push(Step::MapKey(key.to_owned()))
    }

    fn push(&self, step: Step<'a>) -> FieldPath<'a> {
        FieldPath {
            last: Some(Rc::new(Segment {
                parent: self.clone(),
                step,
            })),
            text: OnceCell::new(),
        }
    }

    fn render(&self, out: &mut String) {
        let Some(segment) = &self.last else { return };
        segment.parent.render(out);
        let key = match &segment.step {
            Step::Key(key) => key,
            Step::OwnedKey(key) => key.as_str(),
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
                return;
            }
            Step::MapKey(key) => {
                let _ = write!(out, "[{key}]");
                return;
            }
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    }
}

impl std::ops::Deref for FieldPath<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.text.get_or_init(|| {
            let mut out = String::new();
            self.render(&mut out);
            out
        })
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A child of a mapping: its value, the span of its key (where to point when something about
/// the field as a whole is wrong) and its field path as Kubernetes prints it.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    pub node: &'a Node,
    pub key: Span,
    pub path: FieldPath<'a>,
}

impl<'a> Field<'a> {
    /// The child `key` of this field's mapping value.
    pub fn child(&self, key: &str) -> Option<Field<'a>> {
        let entry = self.node.entry(key)?;
        let step = match entry.key.as_str() {
            Some(name) => Step::Key(name),
            None => Step::OwnedKey(key.to_owned()),
        };
        Some(Field {
            node: &entry.value,
            key: entry.key.span,
            path: self.path.push(step),
        })
    }

    /// The items of this field's sequence value, with their paths (`path[i]`).
    pub fn items(&self) -> Vec<Field<'a>> {
        self.node
            .as_seq()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, node)| Field {
                node,
                key: node.span,
                path: self.path.push(Step::Index(i)),
            })
            .collect()
    }

    /// Follows several keys.
    pub fn at(&self, keys: &[&str]) -> Option<Field<'a>> {
        keys.iter()
            .try_fold(self.clone(), |field, key| field.child(key))
    }

    pub fn str(&self) -> Option<&'a str> {
        self.node.as_str()
    }

    pub fn int(&self) -> Option<i64> {
        int(self.node)
    }

    /// Whether the value is null (YAML `~` or nothing), which kubectl treats as not set.
    pub fn is_null(&self) -> bool {
        self.node.is_null()
    }

    /// The span to point at when the value itself is at fault: the value, or the key when the
    /// value is empty.
    pub fn value_span(&self) -> Span {
        if self.node.is_null() && self.node.span.start == self.node.span.end {
            self.key
        } else {
            self.node.span
        }
    }
}

/// Every field at `path` below `base`; a `*` step takes each item of a sequence.
pub fn select<'a>(base: &Field<'a>, path: &[&str]) -> Vec<Field<'a>> {
    let mut out = Vec::new();
    select_into(base, path, &mut out);
    out
}

/// [`select`] into one vector: most paths select nothing, and then nothing is allocated.
fn select_into<'a>(base: &Field<'a>, path: &[&str], out: &mut Vec<Field<'a>>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(base.clone());
        return;
    };
    if *step == "*" {
        for item in base.items() {
            select_into(&item, rest, out);
        }
    } else if let Some(child) = base.child(step) {
        select_into(&child, rest, out);
    }
}

/// Help for a value that is not one of `supported`: the case-insensitive or nearest match.
pub fn enum_help(value: &str, supported: &[&str]) -> String {
    let list = code_list(supported);
    if let Some(exact) = supported.iter().find(|s| s.eq_ignore_ascii_case(value)) {
        return format!("values are case-sensitive: write `{exact}`");
    }
    match crate::model::text::did_you_mean(value, supported.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? The supported values are {list}"),
        None => format!("the supported values are {list}"),
    }
}

/// The root of an object as a field with an empty path.
pub fn root<'a>(object: &Object<'a>) -> Field<'a> {
    Field {
        node: object.root,
        key: object.root.span,
        path: FieldPath::default(),
    }
}

/// An integer value: an int, or a float without a fraction (`3.0` reaches the API server as 3).
pub fn int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => i64::try_from(i).ok(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    }
}

/// A pod spec and where it sits in its object.
#[derive(Clone, Debug)]
pub struct PodSpec<'a> {
    pub kind: Kind,
    /// The pod spec mapping (`spec` of a Pod, `spec.template.spec` of a Deployment, ...).
    pub spec: Field<'a>,
    /// The pod template holding it (`spec.template`); `None` for a Pod.
    pub template: Option<Field<'a>>,
    /// [`PodSpec::containers`], listed once for every rule (clones of a pod spec share it).
    containers: Rc<OnceCell<Vec<Container<'a>>>>,
    /// [`PodSpec::has`]: the optional pod spec fields present, found in one pass.
    keys: Rc<OnceCell<u32>>,
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

/// The object's pod spec, if it has one and has any of `keys`: rules about optional fields skip
/// most pod specs without cloning it.
pub fn pod_spec_with<'a>(object: &Object<'a>, keys: &[PodKey]) -> Option<PodSpec<'a>> {
    object
        .pod_spec
        .get_or_init(|| find_pod_spec(object))
        .as_ref()
        .filter(|p| p.has(keys))
        .cloned()
}

/// The object's pod spec, if it has one and it is a mapping (found once per object).
pub fn pod_spec<'a>(object: &Object<'a>) -> Option<PodSpec<'a>> {
    object
        .pod_spec
        .get_or_init(|| find_pod_spec(object))
        .clone()
}

fn find_pod_spec<'a>(object: &Object<'a>) -> Option<PodSpec<'a>> {
    let kind = Kind::of(object)?;
    let root = root(object);
    let template = match kind {
        Kind::Pod => {
            let spec = root.child("spec").filter(|f| f.node.is_map())?;
            return Some(PodSpec {
                kind,
                spec,
                template: None,
                containers: Rc::default(),
                keys: Rc::default(),
            });
        }
        Kind::PodTemplate => root.child("template")?,
        Kind::CronJob => root.at(&["spec", "jobTemplate", "spec", "template"])?,
        _ => root.at(&["spec", "template"])?,
    };
    let spec = template.child("spec").filter(|f| f.node.is_map())?;
    Some(PodSpec {
        kind,
        spec,
        template: Some(template).filter(|t| t.node.is_map()),
        containers: Rc::default(),
        keys: Rc::default(),
    })
}

/// The Job spec of a Job, or of a CronJob's `jobTemplate`.
#[derive(Clone, Debug)]
pub struct JobSpec<'a> {
    pub spec: Field<'a>,
    /// Whether this is a CronJob's `spec.jobTemplate.spec`.
    pub in_cronjob: bool,
}

pub fn job_spec<'a>(object: &Object<'a>) -> Option<JobSpec<'a>> {
    let root = root(object);
    let (spec, in_cronjob) = match Kind::of(object)? {
        Kind::Job => (root.child("spec")?, false),
        Kind::CronJob => (root.at(&["spec", "jobTemplate", "spec"])?, true),
        _ => return None,
    };
    spec.node.is_map().then_some(JobSpec { spec, in_cronjob })
}

/// The object's own `spec`, when it is a mapping.
pub fn spec<'a>(object: &Object<'a>) -> Option<Field<'a>> {
    root(object).child("spec").filter(|f| f.node.is_map())
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
                path: field.path.map_key(&name),
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

/// Help for an unknown field that schema validation rejects, where the mistake is about how the
/// kind works rather than a typo. `path` is the field's keys from the object root, without list
/// indices (`["spec", "template", "spec", "containers", "requests"]`). For the schema rule.
pub fn unknown_field_help(group: &str, kind: &str, path: &[&str]) -> Option<&'static str> {
    const CONTAINERS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
    let in_container = path.len() >= 2 && CONTAINERS.contains(&path[path.len() - 2]);
    Some(match (group, kind, path) {
        ("apps", "DaemonSet", ["spec", "replicas"]) => {
            "a DaemonSet has no replicas: it runs one pod on every node that matches its pod template; choose the nodes with `spec.template.spec.nodeSelector` or `affinity` (and `tolerations` for tainted nodes), or use a Deployment for a fixed number of pods"
        }
        ("batch", "Job", ["spec", "replicas"]) => {
            "a Job has no replicas: `spec.completions` says how many pods must succeed and `spec.parallelism` how many run at once"
        }
        ("batch", "CronJob", ["spec", "template"]) => {
            "a CronJob's pod template lives under `spec.jobTemplate.spec.template`"
        }
        (_, _, [.., "requests" | "limits"]) if in_container => {
            "requests and limits go under the container's `resources:`"
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Kubernetes field-error messages (apimachinery field/errors.go).

/// `path: Invalid value: value: detail`; `value` is already formatted (see [`go_value`]).
pub fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

/// `path: Unsupported value: "v": supported values: "A", "B"`.
pub fn unsupported(path: &str, value: &str, supported: &[&str]) -> String {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "{path}: Unsupported value: {}: supported values: {}",
        go_quote(value),
        list.join(", ")
    )
}

/// `path: Required value` with an optional detail.
pub fn required(path: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("{path}: Required value")
    } else {
        format!("{path}: Required value: {detail}")
    }
}

pub fn duplicate(path: &str, value: &str) -> String {
    format!("{path}: Duplicate value: {value}")
}

pub fn not_found(path: &str, value: &str) -> String {
    format!("{path}: Not found: {value}")
}

pub fn forbidden(path: &str, detail: &str) -> String {
    format!("{path}: Forbidden: {detail}")
}

/// A scalar as field errors print it: strings quoted like Go's `%q`, numbers and booleans bare.
pub fn go_value(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => go_quote(s),
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(_) => node.to_json().to_string(),
        Value::Seq(_) | Value::Map(_) => node.to_json().to_string(),
    }
}

/// Go's `%q`.
pub fn go_quote(s: &str) -> String {
    crate::k8s::cron::go_strconv_quote(s)
}

/// Go's `%#v` of a `map[string]string`, as selector messages print template labels:
/// `map[string]string{"app":"web"}`, or `map[string]string(nil)` when there are none.
pub fn go_string_map(labels: Option<&[(String, String)]>) -> String {
    let Some(labels) = labels else {
        return "map[string]string(nil)".to_owned();
    };
    let mut sorted: Vec<&(String, String)> = labels.iter().collect();
    sorted.sort();
    let items: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    format!("map[string]string{{{}}}", items.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Values written inside a scalar.

// ---------------------------------------------------------------------------------------------
// Label selectors.

/// Labels as (key, value) strings; non-string values (reported by the label rules) are compared
/// as kubectl would stringify them.
pub fn labels_of(map: &Node) -> Vec<(String, String)> {
    map.entries()
        .iter()
        .filter_map(|e| {
            let key = e.key.key_string()?.into_owned();
            let value = match &e.value.value {
                Value::Null => String::new(),
                _ => e.value.key_string()?.into_owned(),
            };
            Some((key, value))
        })
        .collect()
}

/// One requirement of a selector, and the node it was written as.
#[derive(Clone, Debug)]
pub struct Requirement<'a> {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
    pub node: &'a Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl<'a> Requirement<'a> {
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = labels
            .iter()
            .find(|(k, _)| *k == self.key)
            .map(|(_, v)| v.as_str());
        match self.op {
            Op::Equals | Op::In => value.is_some_and(|v| self.values.iter().any(|w| w == v)),
            Op::NotIn => value.is_none_or(|v| !self.values.iter().any(|w| w == v)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
        }
    }

    /// How the requirement reads: `app=web`, `tier in (a, b)`, `!canary`.
    pub fn describe(&self) -> String {
        match self.op {
            Op::Equals => format!("{}={}", self.key, self.values.join("")),
            Op::In => format!("{} in ({})", self.key, self.values.join(", ")),
            Op::NotIn => format!("{} notin ({})", self.key, self.values.join(", ")),
            Op::Exists => self.key.clone(),
            Op::DoesNotExist => format!("!{}", self.key),
        }
    }
}

/// A selector's requirements: `matchLabels` entries and well-formed `matchExpressions`
/// (malformed expressions are `invalid-selector`'s finding and are left out here), or a plain
/// label map (a ReplicationController's or a Service's selector).
#[derive(Clone, Debug, Default)]
pub struct Selector<'a> {
    pub requirements: Vec<Requirement<'a>>,
    /// Whether an expression could not be understood (then matching is not judged).
    pub malformed: bool,
}

impl<'a> Selector<'a> {
    /// A `metav1.LabelSelector` (`matchLabels` / `matchExpressions`).
    pub fn label_selector(node: &'a Node) -> Selector<'a> {
        let mut selector = Selector::default();
        if let Some(labels) = node.get("matchLabels") {
            selector.push_map(labels);
        }
        if let Some(exprs) = node.get("matchExpressions") {
            for expr in exprs.as_seq().unwrap_or_default() {
                match parse_expression(expr) {
                    Some(req) => selector.requirements.push(req),
                    None => selector.malformed = true,
                }
            }
        }
        selector
    }

    /// A plain `map[string]string` selector.
    pub fn map(node: &'a Node) -> Selector<'a> {
        let mut selector = Selector::default();
        selector.push_map(node);
        selector
    }

    fn push_map(&mut self, map: &'a Node) {
        for entry in map.entries() {
            let Some(key) = entry.key.key_string() else {
                continue;
            };
            let value = match &entry.value.value {
                Value::Null => String::new(),
                _ => match entry.value.key_string() {
                    Some(v) => v.into_owned(),
                    None => {
                        self.malformed = true;
                        continue;
                    }
                },
            };
            self.requirements.push(Requirement {
                key: key.into_owned(),
                op: Op::Equals,
                values: vec![value],
                node: &entry.value,
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.malformed
    }

    /// The requirements the labels do not satisfy.
    pub fn unmatched(&self, labels: &[(String, String)]) -> Vec<&Requirement<'a>> {
        self.requirements
            .iter()
            .filter(|r| !r.matches(labels))
            .collect()
    }
}

fn parse_expression(expr: &Node) -> Option<Requirement<'_>> {
    let key = expr.get("key")?.as_str()?.to_owned();
    let op = match expr.get("operator")?.as_str()? {
        "In" => Op::In,
        "NotIn" => Op::NotIn,
        "Exists" => Op::Exists,
        "DoesNotExist" => Op::DoesNotExist,
        _ => return None,
    };
    let values: Vec<String> = match expr.get("values") {
        None => Vec::new(),
        Some(v) if v.is_null() => Vec::new(),
        Some(v) => v
            .as_seq()?
            .iter()
            .map(|n| n.key_string().map(|s| s.into_owned()))
            .collect::<Option<_>>()?,
    };
    let needs_values = matches!(op, Op::In | Op::NotIn);
    if needs_values == values.is_empty() {
        return None;
    }
    Some(Requirement {
        key,
        op,
        values,
        node: expr,
    })
}

// ---------------------------------------------------------------------------------------------
// Int-or-percent values (maxSurge, maxUnavailable).

/// An `IntOrString` of a rolling update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    Percent(u64),
    /// A string that is not `[0-9]+%`.
    BadString,
}

pub const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

impl IntOrPercent {
    /// `None` for null or a type the schema reports.
    pub fn of(node: &Node) -> Option<IntOrPercent> {
        if let Some(i) = int(node) {
            return Some(IntOrPercent::Int(i));
        }
        let s = node.as_str()?;
        let digits = s
            .strip_suffix('%')
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        Some(match digits.and_then(|d| d.parse::<u64>().ok()) {
            Some(p) => IntOrPercent::Percent(p),
            None => IntOrPercent::BadString,
        })
    }

    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

// ---------------------------------------------------------------------------------------------
// Ports.

/// apimachinery `IsValidPortName` (IANA_SVC_NAME), its messages in order.
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push(crate::k8s::validate::max_len_error(15));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_owned(),
        );
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_owned());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".to_owned());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_owned());
    }
    errs
}

pub const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";

/// A port given as a number or a name (probe and Service target ports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortRef<'a> {
    Number(i64),
    Name(&'a str),
}

impl<'a> PortRef<'a> {
    pub fn of(node: &'a Node) -> Option<PortRef<'a>> {
        if let Some(n) = int(node) {
            return Some(PortRef::Number(n));
        }
        node.as_str().map(PortRef::Name)
    }

    /// apimachinery `ValidatePortNumOrName`: the problems, empty when valid.
    pub fn errors(self) -> Vec<String> {
        match self {
            PortRef::Number(n) if !(1..=65535).contains(&n) => vec![PORT_RANGE_MSG.to_owned()],
            PortRef::Number(_) => Vec::new(),
            PortRef::Name(name) => port_name_errors(name),
        }
    }
}

/// Writes a list of the selector requirements the template does not satisfy, for help texts.
pub fn describe_mismatch(unmatched: &[&Requirement<'_>], labels: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, req) in unmatched.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let have = labels.iter().find(|(k, _)| *k == req.key);
        match (req.op, have) {
            (Op::Equals, Some((_, v))) => {
                let _ = write!(
                    out,
                    "the selector wants `{}: {}` but the template has `{}: {v}`",
                    req.key, req.values[0], req.key
                );
            }
            (Op::Equals, None) => {
                let _ = write!(
                    out,
                    "the selector wants `{}: {}` but the template has no `{}` label",
                    req.key, req.values[0], req.key
                );
            }
            (_, Some((_, v))) => {
                let _ = write!(
                    out,
                    "the template's `{}: {v}` does not satisfy `{}`",
                    req.key,
                    req.describe()
                );
            }
            (_, None) => {
                let _ = write!(
                    out,
                    "the template has no `{}` label, which `{}` needs",
                    req.key,
                    req.describe()
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, load};
    use crate::model::source::SourceFile;

    fn doc(text: &str) -> Node {
        let file = SourceFile::new(crate::model::diagnostic::FileId(0), "t".into(), text.into());
        load(&file, &Limits::default())
            .documents
            .into_iter()
            .next()
            .unwrap()
            .root
    }

    #[test]
    fn selector_matching() {
        let sel = doc(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        let selector = Selector::label_selector(&sel);
        assert!(!selector.malformed);
        let labels = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(
            selector
                .unmatched(&labels(&[("app", "web"), ("tier", "a")]))
                .is_empty()
        );
        let missing = labels(&[("app", "web"), ("tier", "c"), ("canary", "")]);
        let unmatched = selector.unmatched(&missing);
        assert_eq!(unmatched.len(), 2);
        assert_eq!(unmatched[0].describe(), "tier in (a, b)");
        assert_eq!(unmatched[1].describe(), "!canary");
        let bad = doc("matchExpressions:\n- {key: tier, operator: in, values: [a]}\n");
        assert!(Selector::label_selector(&bad).malformed);
    }

    #[test]
    fn unknown_field_hints() {
        assert!(
            unknown_field_help("apps", "DaemonSet", &["spec", "replicas"])
                .unwrap()
                .contains("nodeSelector")
        );
        assert!(unknown_field_help("apps", "Deployment", &["spec", "replicas"]).is_none());
        let requests = ["spec", "template", "spec", "containers", "requests"];
        assert!(unknown_field_help("apps", "Deployment", &requests).is_some());
        assert!(unknown_field_help("", "Pod", &["spec", "requests"]).is_none());
    }

    #[test]
    fn int_or_percent() {
        assert_eq!(
            IntOrPercent::of(&doc("25%")),
            Some(IntOrPercent::Percent(25))
        );
        assert_eq!(IntOrPercent::of(&doc("3")), Some(IntOrPercent::Int(3)));
        assert_eq!(
            IntOrPercent::of(&doc("'25'")),
            Some(IntOrPercent::BadString)
        );
        assert_eq!(IntOrPercent::of(&doc("-1%")), Some(IntOrPercent::BadString));
        assert_eq!(IntOrPercent::of(&doc("true")), None);
    }

    #[test]
    fn go_formats() {
        assert_eq!(go_string_map(None), "map[string]string(nil)");
        let labels = vec![
            ("tier".to_string(), "web".to_string()),
            ("app".to_string(), "x".to_string()),
        ];
        assert_eq!(
            go_string_map(Some(&labels)),
            r#"map[string]string{"app":"x", "tier":"web"}"#
        );
        assert_eq!(
            unsupported("spec.x", "always", &["Always", "Never"]),
            r#"spec.x: Unsupported value: "always": supported values: "Always", "Never""#
        );
    }
}
