//! What the whole-repo checks need to know about one object, extracted while its tree is still
//! in memory (in the parallel per-file stage). Only names, labels, selectors, ports and
//! references are kept, with their locations, so the index stays small for 100,000 objects.

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
    // The parts only some kinds have are boxed: a summary is kept for every object of the
    // repository until the whole-repo checks, so its size is most of a run's memory (the pod
    // part boxed: 496 → 360 bytes a summary).
    pub pods: Option<Box<PodSummary>>,
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
    /// digest are the same object, however they are written. `None` for an object as written:
    /// made from its file when `duplicate-object` asks ([`super::digests::Digests`]; few
    /// objects have a copy, and hashing every tree cost 3.5% of a check); `Some(0)` for an
    /// object of a kustomize build, which is never compared by value.
    pub digest: Option<u64>,
    /// What the Pod Security checks read of a *rendered* object (its pod, or a Namespace's
    /// labels), made on the rendered tree: the whole-repo stage cannot load a rendered object
    /// again from a file, as it does an object checked as written. `None` for the rest.
    pub security: Option<Box<crate::k8s::pod_security::facts::Facts>>,
    /// A rendered object's tree, kept for the admission policies of the whole-repo stage when
    /// the run has any (they evaluate what kustomize applies, not the base as written).
    pub tree: Option<std::sync::Arc<crate::load::tree::Node>>,
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
    pub(super) fn named(kind: RefKind, name: &str) -> Created {
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
            digest: Some(0),
            security: None,
            tree: None,
        }
    }
}

impl ObjectSummary {
    /// Calls `f` on every location the summary holds (to move them into another file's
    /// coordinates: a rendered object's, from its build's virtual text into the files).
    pub fn locations_mut(&mut self, f: &mut dyn FnMut(&mut Location)) {
        f(&mut self.location);
        if let Some(l) = &mut self.namespace_location {
            f(l);
        }
        if let Some(pods) = &mut self.pods {
            for (_, l) in &mut pods.arguments {
                f(l);
            }
        }
        if let Some(service) = &mut self.service {
            if let Some((_, l)) = &mut service.selector {
                f(l);
            }
            for p in &mut service.ports {
                f(&mut p.location);
            }
        }
        if let Some(s) = &mut self.pod_selector {
            f(&mut s.location);
        }
        if let Some(r) = &mut self.scale_target {
            f(&mut r.location);
        }
        for b in &mut self.ingress_backends {
            f(&mut b.location);
            if let Some(l) = &mut b.port_location {
                f(l);
            }
        }
        for r in &mut self.references {
            f(&mut r.location);
        }
        for h in &mut self.hosts {
            f(&mut h.location);
        }
        if let Some(d) = &mut self.deploys {
            if let Some((_, l)) = &mut d.namespace {
                f(l);
            }
            for s in &mut d.sources {
                f(&mut s.location);
            }
        }
        if let Some(facts) = &mut self.security {
            facts.locations_mut(f);
        }
    }
}

/// The value a controller gives one of the labels it adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The workload's name (a Job's `job-name`).
    Name,
    /// `<name>-<ordinal>`, one value a pod (a StatefulSet's `statefulset.kubernetes.io/pod-name`).
    NameOrdinal,
    /// The ordinal itself, one value a pod (`apps.kubernetes.io/pod-index`, an Indexed Job's
    /// completion index).
    Ordinal,
    /// A hash, a UID or a generated name: not known before the cluster makes it.
    Unknowable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddedLabel {
    pub key: &'static str,
    pub value: Added,
}

/// The ordinals of a workload's pods: `start..start + count` (StatefulSet `spec.ordinals.start`
/// and `replicas`; an Indexed Job's completions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ordinals {
    pub start: i64,
    /// `None` when the count is not a number the repository shows (a placeholder, say).
    pub count: Option<i64>,
}
