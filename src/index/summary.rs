//! What the whole-repo checks need to know about one object, extracted while its tree is still
//! in memory (in the parallel per-file stage). Only names, labels, selectors, ports and
//! references are kept, with their locations, so the index stays small for 100,000 objects.

use super::pods::{AddedLabel, Ordinals};
use crate::check::Context;
use crate::k8s::object::Object;
use crate::k8s::placeholder;
use crate::load::tree::{Node, Value};
use crate::model::diagnostic::{FileId, Location};

pub type Labels = Vec<(String, String)>;

#[derive(Clone, Debug)]
pub struct ObjectSummary {
    pub file: FileId,
    pub document: u32,
    pub api_version: String,
    pub group: String,
    pub kind: String,
    pub name: String,
    /// Named by `generateName`: a new object every time, never a duplicate.
    pub generated_name: bool,
    pub namespace: Option<String>,
    /// Where to point at the object: its `metadata.name` value (or its `kind`).
    pub location: Location,
    pub namespace_location: Option<Location>,
    pub labels: Labels,
    pub pods: Option<PodSummary>,
    // The parts only some kinds have are boxed: a summary is kept for every object of the
    // repository until the whole-repo checks, so its size is most of a run's memory.
    pub service: Option<Box<ServiceSummary>>,
    /// PodDisruptionBudget `spec.selector`, NetworkPolicy `spec.podSelector`.
    pub pod_selector: Option<Box<Selector>>,
    /// HorizontalPodAutoscaler `spec.scaleTargetRef`.
    pub scale_target: Option<Box<Reference>>,
    pub ingress_backends: Vec<Backend>,
    /// ServiceAccounts, ConfigMaps, Secrets and PVCs the pods use.
    pub references: Vec<Reference>,
    /// Objects the cluster creates because of this one: references to them are not missing.
    pub creates: Box<[Created]>,
    /// `<service>.<namespace>[.svc[.cluster.local]]` found in env values, args, commands and
    /// ConfigMap data.
    pub hosts: Vec<HostMention>,
    /// For a CustomResourceDefinition: the group, kind and scope it defines.
    pub defines: Option<Box<DefinedKind>>,
    /// For a Flux `Kustomization` or an Argo CD `Application`/`ApplicationSet`: the paths of
    /// the repository it applies (each an apply unit, [`super::units`]).
    pub deploys: Option<Box<Deploys>>,
    /// A hash of the object's decoded value (mapping order ignored): two copies with the same
    /// digest are the same object, however they are written.
    pub digest: u64,
}

/// The GitOps tool that applies a path of the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Flux `Kustomization`: a directory without a kustomization.yaml is applied as one
    /// generated kustomization of every manifest below it.
    Flux,
    /// Argo CD `Application` or `ApplicationSet` (directory, recurse, include/exclude).
    ArgoCd,
}

/// The paths a GitOps tool's object applies.
#[derive(Clone, Debug)]
pub struct Deploys {
    pub tool: Tool,
    pub sources: Vec<DeploySource>,
    /// The namespace the tool applies objects in: Flux `spec.targetNamespace` (which replaces
    /// every object's namespace), Argo CD `spec.destination.namespace` (for objects without one).
    pub namespace: Option<(String, Location)>,
    /// The namespace replaces the objects' own (Flux), rather than only filling it in (Argo CD).
    pub overrides_namespace: bool,
    /// Argo CD's `CreateNamespace=true` sync option: the tool creates the namespace.
    pub creates_namespace: bool,
}

#[derive(Clone, Debug)]
pub struct DeploySource {
    /// As written, relative to the repository's root; for an `ApplicationSet` git directory
    /// generator a glob (`apps/*`).
    pub path: String,
    /// Whether subdirectories are applied too (Flux always; Argo CD `directory.recurse`).
    pub recurse: bool,
    /// Argo CD `directory.include` / `directory.exclude` globs.
    pub include: Option<String>,
    pub exclude: Option<String>,
    /// A glob of directories (ApplicationSet generators), not one path.
    pub glob: bool,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct PodSummary {
    /// The pod template's labels.
    pub labels: Labels,
    /// The labels the workload's controller adds to each pod ([`super::pods`]).
    pub added: Vec<AddedLabel>,
    /// The ordinals of the pods, for workloads whose pods are numbered.
    pub ordinals: Option<Ordinals>,
    /// A StatefulSet's `serviceName`: its pods are `<pod>.<serviceName>` in DNS.
    pub subdomain: Option<String>,
    pub ports: Vec<ContainerPort>,
    /// For Jobs and CronJobs: the strings of their containers' `command`, `args` and `env`
    /// values (a Job may create the objects it names there when it runs).
    pub arguments: Vec<(String, Location)>,
}

#[derive(Clone, Debug)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: i64,
}

#[derive(Clone, Debug)]
pub struct ServiceSummary {
    pub selector: Option<(Labels, Location)>,
    pub external_name: bool,
    pub ports: Vec<ServicePort>,
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub target: Option<PortRef>,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
    /// An unrendered placeholder (`{{ .Values.port }}`): any port, for all the index knows.
    Unrendered,
}

#[derive(Clone, Debug)]
pub struct Selector {
    pub match_labels: Labels,
    pub expressions: Vec<Requirement>,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct Requirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl Selector {
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefKind {
    ServiceAccount,
    ConfigMap,
    Secret,
    PersistentVolumeClaim,
    Service,
    /// An HPA's target; the kind is in `Reference::target_kind`.
    ScaleTarget,
}

impl RefKind {
    pub fn kind(self) -> &'static str {
        match self {
            RefKind::ServiceAccount => "ServiceAccount",
            RefKind::ConfigMap => "ConfigMap",
            RefKind::Secret => "Secret",
            RefKind::PersistentVolumeClaim => "PersistentVolumeClaim",
            RefKind::Service => "Service",
            RefKind::ScaleTarget => "scale target",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Reference {
    pub kind: RefKind,
    /// For scale targets: the target's kind and API group.
    pub target_kind: Option<(String, String)>,
    pub name: String,
    pub location: Location,
}

/// An object that another one makes the cluster create: the Secret of a cert-manager
/// Certificate or an ExternalSecret, the PersistentVolumeClaims of a StatefulSet's
/// `volumeClaimTemplates`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub kind: RefKind,
    pub name: String,
    /// The name is `<name>-<workload>-<ordinal>`, one object a pod (a volumeClaimTemplate).
    pub per_pod: bool,
    /// Created in every namespace (by a cluster-scoped object, such as a trust-manager Bundle).
    pub every_namespace: bool,
}

impl Created {
    fn named(kind: RefKind, name: &str) -> Created {
        Created {
            kind,
            name: name.to_owned(),
            per_pod: false,
            every_namespace: false,
        }
    }

    /// Whether this is the object `name` (for `per_pod`, of the workload `workload`).
    pub fn is(&self, name: &str, workload: &str) -> bool {
        if !self.per_pod {
            return self.name == name;
        }
        name.strip_prefix(self.name.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_prefix(workload))
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|ordinal| {
                !ordinal.is_empty() && ordinal.bytes().all(|b| b.is_ascii_digit())
            })
    }
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub service: String,
    pub port: Option<PortRef>,
    pub location: Location,
    pub port_location: Option<Location>,
}

#[derive(Clone, Debug)]
pub struct HostMention {
    pub service: String,
    pub namespace: String,
    pub text: String,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct DefinedKind {
    pub group: String,
    pub kind: String,
    pub namespaced: bool,
}

impl ObjectSummary {
    /// An object known only by its identity; the rest is filled in by whoever knows more.
    pub fn new(
        file: FileId,
        document: u32,
        api_version: &str,
        kind: &str,
        name: &str,
        location: Location,
    ) -> ObjectSummary {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        ObjectSummary {
            file,
            document,
            api_version: api_version.to_owned(),
            group: group.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            generated_name: false,
            namespace: None,
            location,
            namespace_location: None,
            labels: Vec::new(),
            pods: None,
            service: None,
            pod_selector: None,
            scale_target: None,
            ingress_backends: Vec::new(),
            references: Vec::new(),
            creates: Box::default(),
            hosts: Vec::new(),
            defines: None,
            deploys: None,
            digest: 0,
        }
    }
}

/// A map of labels. A key or value that is an unquoted `{{ ... }}` (YAML mappings) is kept as
/// its text, so that it is seen as the placeholder it is.
fn string_map(node: Option<&Node>, cx: &Context<'_>) -> Labels {
    let text = |n: &Node| match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Map(_) if unrendered(n, cx) => Some(cx.text(n.span).to_owned()),
        _ => None,
    };
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| {
                let key = match e.key.key_string() {
                    Some(k) => k.into_owned(),
                    None => text(&e.key)?,
                };
                Some((key, text(&e.value)?))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn str_at<'a>(node: Option<&'a Node>, path: &[&str]) -> Option<&'a str> {
    node?.get_path(path)?.as_str()
}

fn port_ref(node: &Node, cx: &Context<'_>) -> Option<PortRef> {
    if unrendered(node, cx) {
        return Some(PortRef::Unrendered);
    }
    match &node.value {
        Value::Int(i) => Some(PortRef::Number(i64::try_from(*i).ok()?)),
        Value::Str(s) => Some(PortRef::Name(s.clone())),
        _ => None,
    }
}

/// Whether a value is (or holds) an unrendered placeholder ([`placeholder`]): a string holding
/// one, or an unquoted `{{ ... }}`, which YAML reads as nested mappings. The whole-repo checks
/// treat such a value as unknown; `unrendered-placeholder` reports it where it is invalid.
fn unrendered(node: &Node, cx: &Context<'_>) -> bool {
    match &node.value {
        Value::Str(s) => placeholder::contains(s),
        Value::Map(_) => cx.text(node.span).starts_with("{{"),
        _ => false,
    }
}

/// Whether a label map holds a placeholder in a key or value.
fn has_unrendered(labels: &Labels) -> bool {
    labels
        .iter()
        .any(|(k, v)| placeholder::contains(k) || placeholder::contains(v))
}

fn selector(node: &Node, cx: &Context<'_>) -> Selector {
    let expressions = node
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some(Requirement {
                key: e.get("key")?.as_str()?.to_owned(),
                operator: e.get("operator")?.as_str()?.to_owned(),
                values: e
                    .get("values")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            })
        })
        .collect();
    Selector {
        match_labels: string_map(node.get("matchLabels"), cx),
        expressions,
        location: cx.loc(node.span),
    }
}

/// A PodDisruptionBudget's or NetworkPolicy's selector, unless it holds a placeholder.
fn pod_selector(node: &Node, cx: &Context<'_>) -> Option<Box<Selector>> {
    let s = selector(node, cx);
    let unrendered = has_unrendered(&s.match_labels)
        || s.expressions.iter().any(|r| {
            placeholder::contains(&r.key) || r.values.iter().any(|v| placeholder::contains(v))
        });
    (!unrendered).then(|| Box::new(s))
}

/// Extracts the summary of one object.
pub fn summarize(object: &Object<'_>, cx: &Context<'_>) -> Option<ObjectSummary> {
    let kind = object.kind?.to_owned();
    let api_version = object.api_version?.to_owned();
    let metadata = object.metadata;
    let generate_name = str_at(metadata, &["generateName"]);
    let name = object.name.or(generate_name).unwrap_or("").to_owned();
    let name_node = metadata.and_then(|m| m.get("name").or_else(|| m.get("generateName")));
    let location = cx.loc(
        name_node
            .or_else(|| object.root.get("kind"))
            .map_or(object.root.span, |n| n.span),
    );
    let namespace_node = metadata
        .and_then(|m| m.get("namespace"))
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
    let mut summary = ObjectSummary::new(
        cx.file.id,
        object.document,
        &api_version,
        &kind,
        &name,
        location,
    );
    // A name holding a placeholder is not known until rendered: never a duplicate.
    summary.generated_name =
        (object.name.is_none() && generate_name.is_some()) || placeholder::contains(&name);
    summary.digest = digest(object.root);
    summary.namespace = namespace_node.and_then(Node::as_str).map(str::to_owned);
    // Nor is a namespace (kept, so objects sharing it are resolved together).
    summary.namespace_location = namespace_node
        .filter(|n| !unrendered(n, cx))
        .map(|n| cx.loc(n.span));
    summary.labels = string_map(metadata.and_then(|m| m.get("labels")), cx);
    let creates = created_by(object);
    if let Some(template) = object.pod_template() {
        let mut ports = Vec::new();
        let mut arguments = Vec::new();
        let is_batch =
            summary.group == "batch" && matches!(summary.kind.as_str(), "Job" | "CronJob");
        for container in template.containers() {
            if is_batch {
                collect_arguments(container, cx, &mut arguments);
            }
            for port in container
                .get("ports")
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                if let Some(number) = port.get("containerPort").and_then(Node::as_i64) {
                    let name = port.get("name").and_then(Node::as_str).map(str::to_owned);
                    ports.push(ContainerPort { name, number });
                }
            }
            collect_container_refs(container, cx, &mut summary);
        }
        if let Some(spec) = template.spec {
            // A StatefulSet's controller replaces the pod volumes named like its
            // volumeClaimTemplates by the claims it creates (`updateStorage`).
            let claim_templates: Vec<&str> = creates
                .iter()
                .filter(|c| c.per_pod)
                .map(|c| c.name.as_str())
                .collect();
            collect_pod_refs(spec, &claim_templates, cx, &mut summary);
        }
        let labels = string_map(template.labels(), cx);
        let (added, ordinals) =
            super::pods::added_labels(object, &labels, cx.options.kubernetes_version);
        let subdomain = (summary.group == "apps" && summary.kind == "StatefulSet")
            .then(|| str_at(object.root.get("spec"), &["serviceName"]))
            .flatten()
            .map(str::to_owned);
        summary.pods = Some(PodSummary {
            labels,
            added,
            ordinals,
            subdomain,
            ports,
            arguments,
        });
    }
    summary.creates = creates.into_boxed_slice();
    let spec = object.root.get("spec");
    match (summary.group.as_str(), summary.kind.as_str()) {
        ("", "Service") => summary.service = Some(Box::new(service(spec, cx))),
        ("", "ConfigMap") => {
            for entry in object
                .root
                .get("data")
                .map(Node::entries)
                .unwrap_or_default()
            {
                collect_hosts(&entry.value, cx, &mut summary.hosts);
            }
        }
        ("policy", "PodDisruptionBudget") => {
            summary.pod_selector = spec
                .and_then(|s| s.get("selector"))
                .filter(|n| n.is_map())
                .and_then(|n| pod_selector(n, cx));
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            summary.pod_selector = spec
                .and_then(|s| s.get("podSelector"))
                .filter(|n| n.is_map())
                .and_then(|n| pod_selector(n, cx));
        }
        ("networking.k8s.io", "Ingress") => summary.ingress_backends = ingress_backends(spec, cx),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            let target = spec.and_then(|s| s.get("scaleTargetRef"));
            if let (Some(kind), Some(name)) = (
                str_at(target, &["kind"]),
                target.and_then(|t| t.get("name")),
            ) {
                let group = str_at(target, &["apiVersion"])
                    .and_then(|v| v.rsplit_once('/'))
                    .map_or("", |(g, _)| g);
                if let Some(n) = name.as_str().filter(|n| !placeholder::contains(n)) {
                    summary.scale_target = Some(Box::new(Reference {
                        kind: RefKind::ScaleTarget,
                        target_kind: Some((group.to_owned(), kind.to_owned())),
                        name: n.to_owned(),
                        location: cx.loc(name.span),
                    }));
                }
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if let (Some(group), Some(kind)) =
                (str_at(spec, &["group"]), str_at(spec, &["names", "kind"]))
            {
                summary.defines = Some(Box::new(DefinedKind {
                    group: group.to_owned(),
                    kind: kind.to_owned(),
                    namespaced: str_at(spec, &["scope"]) != Some("Cluster"),
                }));
            }
        }
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
            summary.deploys = flux_deploys(spec, cx);
        }
        ("argoproj.io", "Application") => {
            summary.deploys = argo_deploys(spec, cx, None);
        }
        ("argoproj.io", "ApplicationSet") => {
            let template = spec.and_then(|s| s.get_path(&["template", "spec"]));
            summary.deploys = argo_deploys(template, cx, spec.and_then(|s| s.get("generators")));
        }
        _ => {}
    }
    Some(summary)
}

/// A hash of a decoded value, the same for values kubectl decodes alike: mapping entries are
/// combined without regard to their order, scalars by their decoded value (so `80` and `0x50`
/// agree, `"80"` and `80` do not).
pub fn digest(node: &Node) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // A fixed seed: digests are compared within one run only, but must not depend on it.
    let state = foldhash::quality::FixedState::with_seed(0x006b_7562_6576_6574);
    fn walk(node: &Node, state: &foldhash::quality::FixedState) -> u64 {
        let mut h = state.build_hasher();
        match &node.value {
            Value::Null => h.write_u8(0),
            Value::Bool(b) => {
                h.write_u8(1);
                h.write_u8(u8::from(*b));
            }
            Value::Int(i) => {
                h.write_u8(2);
                h.write_i128(*i);
            }
            Value::Float(f) => {
                h.write_u8(3);
                h.write_u64(f.to_bits());
            }
            Value::Str(s) => {
                h.write_u8(4);
                h.write(s.as_bytes());
            }
            Value::Seq(items) => {
                h.write_u8(5);
                for item in items {
                    h.write_u64(walk(item, state));
                }
            }
            Value::Map(entries) => {
                h.write_u8(6);
                // Order-independent: a sum of the entries' own hashes.
                let sum = entries.iter().fold(0u64, |sum, e| {
                    let mut eh = state.build_hasher();
                    eh.write_u64(walk(&e.key, state));
                    eh.write_u64(walk(&e.value, state));
                    sum.wrapping_add(eh.finish())
                });
                h.write_u64(sum);
                h.write_usize(entries.len());
            }
        }
        h.finish()
    }
    walk(node, &state)
}

/// A Flux `Kustomization`'s `spec.path` (the source's root when empty).
fn flux_deploys(spec: Option<&Node>, cx: &Context<'_>) -> Option<Box<Deploys>> {
    let spec = spec?;
    let path = spec.get("path");
    Some(Box::new(Deploys {
        namespace: namespace_at(spec.get("targetNamespace"), cx),
        overrides_namespace: true,
        creates_namespace: false,
        tool: Tool::Flux,
        sources: vec![DeploySource {
            path: path.and_then(Node::as_str).unwrap_or("./").to_owned(),
            recurse: true,
            include: None,
            exclude: None,
            glob: false,
            location: cx.loc(path.map_or(spec.span, |p| p.span)),
        }],
    }))
}

/// An Argo CD application's `source.path` / `sources[].path` (with `directory` options); for an
/// ApplicationSet whose template path is templated, the directories of its git generators.
fn argo_deploys(
    spec: Option<&Node>,
    cx: &Context<'_>,
    generators: Option<&Node>,
) -> Option<Box<Deploys>> {
    let spec = spec?;
    let sources = spec
        .get("source")
        .into_iter()
        .chain(seq(spec.get("sources")))
        .filter(|s| s.get("chart").is_none());
    let mut out = Vec::new();
    for source in sources {
        let Some(path) = source.get("path").filter(|p| p.as_str().is_some()) else {
            continue;
        };
        let directory = source.get("directory");
        let text = |key: &str| {
            directory
                .and_then(|d| d.get(key))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let recurse = directory
            .and_then(|d| d.get("recurse"))
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let (include, exclude) = (text("include"), text("exclude"));
        let written = path.as_str().unwrap_or_default();
        if !written.contains("{{") {
            out.push(DeploySource {
                path: written.to_owned(),
                recurse,
                include,
                exclude,
                glob: false,
                location: cx.loc(path.span),
            });
            continue;
        }
        // `{{path}}` from git directory generators (also inside matrix/merge generators).
        for dir in git_directories(generators) {
            out.push(DeploySource {
                path: dir.as_str().unwrap_or_default().to_owned(),
                recurse,
                include: include.clone(),
                exclude: exclude.clone(),
                glob: true,
                location: cx.loc(dir.span),
            });
        }
    }
    let creates_namespace = seq(spec.get_path(&["syncPolicy", "syncOptions"]))
        .iter()
        .any(|o| o.as_str() == Some("CreateNamespace=true"));
    (!out.is_empty()).then(|| {
        Box::new(Deploys {
            tool: Tool::ArgoCd,
            sources: out,
            namespace: namespace_at(spec.get_path(&["destination", "namespace"]), cx),
            overrides_namespace: false,
            creates_namespace,
        })
    })
}

/// A literal namespace (not a template) and where it is written.
fn namespace_at(node: Option<&Node>, cx: &Context<'_>) -> Option<(String, Location)> {
    let node = node?;
    let name = node
        .as_str()
        .filter(|s| !s.is_empty() && !s.contains("{{"))?;
    Some((name.to_owned(), cx.loc(node.span)))
}

/// The `path` globs of an ApplicationSet's git directory generators that are not excluded.
fn git_directories(generators: Option<&Node>) -> Vec<&Node> {
    let mut out = Vec::new();
    for generator in seq(generators) {
        for directory in seq(generator.get_path(&["git", "directories"])) {
            if directory.get("exclude").and_then(Node::as_bool) != Some(true)
                && let Some(path) = directory.get("path").filter(|p| p.as_str().is_some())
            {
                out.push(path);
            }
        }
        for nested in ["matrix", "merge"] {
            out.extend(git_directories(generator.get_path(&[nested, "generators"])));
        }
    }
    out
}

/// The objects an object makes the cluster create, where the repository can know their names:
/// the PersistentVolumeClaims of a StatefulSet, the Secrets that secret operators write
/// (cert-manager, External Secrets, Sealed Secrets, the Vault Secrets Operator, 1Password,
/// the Secrets Store CSI driver, the SOPS operator) and trust-manager's ConfigMaps and Secrets.
fn created_by(object: &Object<'_>) -> Vec<Created> {
    let spec = object.root.get("spec");
    let name = object.name.unwrap_or_default();
    let secret = |n: Option<&str>| {
        n.filter(|n| !n.is_empty())
            .map(|n| Created::named(RefKind::Secret, n))
    };
    let names_in = |list: &str, key: &str| -> Vec<Created> {
        seq(spec.and_then(|s| s.get(list)))
            .iter()
            .filter_map(|item| secret(item.get(key).and_then(Node::as_str)))
            .collect()
    };
    let (group, kind) = (object.group(), object.kind.unwrap_or_default());
    match (group, kind) {
        ("apps", "StatefulSet") => seq(spec.and_then(|s| s.get("volumeClaimTemplates")))
            .iter()
            .filter_map(|t| str_at(Some(t), &["metadata", "name"]))
            .map(|template| Created {
                per_pod: true,
                ..Created::named(RefKind::PersistentVolumeClaim, template)
            })
            .collect(),
        ("cert-manager.io", "Certificate") => {
            secret(str_at(spec, &["secretName"])).into_iter().collect()
        }
        ("external-secrets.io", "ExternalSecret") => {
            secret(str_at(spec, &["target", "name"]).or(Some(name)))
                .into_iter()
                .collect()
        }
        ("external-secrets.io", "ClusterExternalSecret") => {
            let external = str_at(spec, &["externalSecretName"]).unwrap_or(name);
            secret(str_at(spec, &["externalSecretSpec", "target", "name"]).or(Some(external)))
                .map(|c| Created {
                    every_namespace: true,
                    ..c
                })
                .into_iter()
                .collect()
        }
        ("bitnami.com", "SealedSecret")
        | ("onepassword.com", "OnePasswordItem")
        | ("kubernetes-client.io", "ExternalSecret") => secret(Some(name)).into_iter().collect(),
        (
            "secrets.hashicorp.com",
            "VaultStaticSecret" | "VaultDynamicSecret" | "VaultPKISecret" | "HCPVaultSecretsApp",
        ) => secret(str_at(spec, &["destination", "name"]))
            .into_iter()
            .collect(),
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
            names_in("secretObjects", "secretName")
        }
        ("isindir.github.com", "SopsSecret") => names_in("secretTemplates", "name"),
        ("trust.cert-manager.io", "Bundle") => {
            let target = spec.and_then(|s| s.get("target"));
            [
                ("configMap", RefKind::ConfigMap),
                ("secret", RefKind::Secret),
            ]
            .into_iter()
            .filter(|(field, _)| target.and_then(|t| t.get(field)).is_some())
            .map(|(_, kind)| Created {
                every_namespace: true,
                ..Created::named(kind, name)
            })
            .collect()
        }
        _ => Vec::new(),
    }
}

fn service(spec: Option<&Node>, cx: &Context<'_>) -> ServiceSummary {
    let selector = spec
        .and_then(|s| s.get("selector"))
        .filter(|n| n.is_map() && !n.entries().is_empty())
        .map(|n| (string_map(Some(n), cx), cx.loc(n.span)))
        // A selector holding a placeholder selects nothing the index can know.
        .filter(|(labels, _)| !has_unrendered(labels));
    let ports = spec
        .and_then(|s| s.get("ports"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let target = p.get("targetPort");
            ServicePort {
                name: p.get("name").and_then(Node::as_str).map(str::to_owned),
                port: p.get("port").and_then(Node::as_i64),
                target: target.and_then(|t| port_ref(t, cx)),
                location: cx.loc(target.or_else(|| p.get("port")).map_or(p.span, |n| n.span)),
            }
        })
        .collect();
    ServiceSummary {
        selector,
        external_name: str_at(spec, &["type"]) == Some("ExternalName"),
        ports,
    }
}

fn ingress_backends(spec: Option<&Node>, cx: &Context<'_>) -> Vec<Backend> {
    let mut backends = Vec::new();
    let mut add = |backend: Option<&Node>| {
        let Some(service) = backend.and_then(|b| b.get("service")) else {
            return;
        };
        let Some(name) = service
            .get("name")
            .filter(|n| n.as_str().is_some() && !unrendered(n, cx))
        else {
            return;
        };
        let port = service
            .get("port")
            .and_then(|p| p.get("number").or_else(|| p.get("name")));
        backends.push(Backend {
            service: name.as_str().unwrap_or_default().to_owned(),
            port: port.and_then(|p| port_ref(p, cx)),
            location: cx.loc(name.span),
            port_location: port.map(|p| cx.loc(p.span)),
        });
    };
    add(spec.and_then(|s| s.get("defaultBackend")));
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        for path in rule
            .get_path(&["http", "paths"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            add(path.get("backend"));
        }
    }
    backends
}

fn reference(
    kind: RefKind,
    name: Option<&Node>,
    optional: Option<&Node>,
    cx: &Context<'_>,
    out: &mut Vec<Reference>,
) {
    let Some(name) = name else { return };
    let Some(text) = name
        .as_str()
        .filter(|s| !s.is_empty() && !placeholder::contains(s))
    else {
        return;
    };
    if optional.and_then(Node::as_bool) == Some(true) {
        return;
    }
    out.push(Reference {
        kind,
        target_kind: None,
        name: text.to_owned(),
        location: cx.loc(name.span),
    });
}

/// Where objects name other objects: (field holding the reference, key with the name, kind).
type RefTable = [(&'static str, &'static str, RefKind)];
const VOLUME_REFS: &RefTable = &[
    ("configMap", "name", RefKind::ConfigMap),
    ("secret", "secretName", RefKind::Secret),
    (
        "persistentVolumeClaim",
        "claimName",
        RefKind::PersistentVolumeClaim,
    ),
];
const PROJECTED_REFS: &RefTable = &[
    ("configMap", "name", RefKind::ConfigMap),
    ("secret", "name", RefKind::Secret),
];
const ENV_FROM_REFS: &RefTable = &[
    ("configMapRef", "name", RefKind::ConfigMap),
    ("secretRef", "name", RefKind::Secret),
];
const VALUE_FROM_REFS: &RefTable = &[
    ("configMapKeyRef", "name", RefKind::ConfigMap),
    ("secretKeyRef", "name", RefKind::Secret),
];

/// Records the references a node holds according to a table (`optional: true` ones excepted).
fn references_in(node: &Node, table: &RefTable, cx: &Context<'_>, out: &mut Vec<Reference>) {
    for (field, key, kind) in table {
        if let Some(source) = node.get(field) {
            reference(*kind, source.get(key), source.get("optional"), cx, out);
        }
    }
}

fn seq(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or_default()
}

fn collect_pod_refs(
    spec: &Node,
    claim_templates: &[&str],
    cx: &Context<'_>,
    summary: &mut ObjectSummary,
) {
    let refs = &mut summary.references;
    let account = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"));
    if account.and_then(Node::as_str) != Some("default") {
        reference(RefKind::ServiceAccount, account, None, cx, refs);
    }
    for secret in seq(spec.get("imagePullSecrets")) {
        reference(RefKind::Secret, secret.get("name"), None, cx, refs);
    }
    for volume in seq(spec.get("volumes")) {
        let name = volume.get("name").and_then(Node::as_str);
        if name.is_some_and(|n| claim_templates.contains(&n)) {
            continue;
        }
        references_in(volume, VOLUME_REFS, cx, refs);
        for source in seq(volume.get_path(&["projected", "sources"])) {
            references_in(source, PROJECTED_REFS, cx, refs);
        }
    }
}

fn collect_arguments(container: &Node, cx: &Context<'_>, out: &mut Vec<(String, Location)>) {
    let env_values = seq(container.get("env"))
        .iter()
        .filter_map(|e| e.get("value"));
    let args = ["command", "args"]
        .into_iter()
        .flat_map(|key| seq(container.get(key)));
    for node in args.chain(env_values) {
        if let Value::Str(s) = &node.value {
            out.push((s.clone(), cx.loc(node.span)));
        }
    }
}

fn collect_container_refs(container: &Node, cx: &Context<'_>, summary: &mut ObjectSummary) {
    for source in seq(container.get("envFrom")) {
        references_in(source, ENV_FROM_REFS, cx, &mut summary.references);
    }
    for env in seq(container.get("env")) {
        if let Some(value) = env.get("value") {
            collect_hosts(value, cx, &mut summary.hosts);
        }
        if let Some(from) = env.get("valueFrom") {
            references_in(from, VALUE_FROM_REFS, cx, &mut summary.references);
        }
    }
    for key in ["command", "args"] {
        for arg in seq(container.get(key)) {
            collect_hosts(arg, cx, &mut summary.hosts);
        }
    }
}

/// Finds `<service>.<namespace>`, `<service>.<namespace>.svc` and
/// `<service>.<namespace>.svc.cluster.local` in a string value (with any scheme, port or path
/// around them). Whether `<namespace>` is one the repository knows is decided later.
fn collect_hosts(node: &Node, cx: &Context<'_>, out: &mut Vec<HostMention>) {
    // A mention is reported where it is written: in a context file, never (and scanning
    // dashboards' worth of ConfigMap data is a fifth of indexing a repository).
    if cx.context_only {
        return;
    }
    let Value::Str(text) = &node.value else {
        return;
    };
    let bytes = text.as_bytes();
    let is_host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let mut i = 0;
    while i < bytes.len() {
        if !is_host_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_host_byte(bytes[i]) {
            i += 1;
        }
        // A run glued to `@` or `/` before it is a user, path or image name, not a host;
        // one followed by `@`, `(` or `/` without `://` is not one either.
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i).copied();
        if matches!(before, Some(b'@' | b'_' | b'$')) || matches!(after, Some(b'@' | b'(' | b'_')) {
            continue;
        }
        if before == Some(b'/') && !text[..start].ends_with("//") {
            continue;
        }
        let run = text[start..i].trim_end_matches('.');
        let labels: Vec<&str> = run.split('.').collect();
        let shape_ok = matches!(
            labels.as_slice(),
            [_, _] | [_, _, "svc"] | [_, _, "svc", "cluster", "local"]
        );
        if !shape_ok
            || !labels
                .iter()
                .take(2)
                .all(|l| crate::k8s::validate::dns1123_label(l).is_empty())
        {
            continue;
        }
        if labels[0].bytes().all(|b| b.is_ascii_digit())
            || labels[1].bytes().all(|b| b.is_ascii_digit())
        {
            continue; // version numbers, IP fragments
        }
        out.push(HostMention {
            service: labels[0].to_owned(),
            namespace: labels[1].to_owned(),
            text: run.to_owned(),
            location: cx.loc(cx.span_within(node, start..start + run.len())),
        });
    }
}
