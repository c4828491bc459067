//! The apiVersion/kind/metadata view of a document.

use crate::k8s::kind::Kind;
use crate::load::tree::Node;
use crate::model::diagnostic::ObjectRef;

/// A Kubernetes object: a document (or an item of a `kind: List`) that looks like one.
/// YAML that does not (Helm values and charts, CI configs) is not checked.
#[derive(Clone)]
pub struct Object<'a> {
    pub root: &'a Node,
    /// 0-based document index in the file (a List's items share the List's index).
    pub document: u32,
    pub api_version: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub metadata: Option<&'a Node>,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    /// The pod spec, found once for the many rules that look at it.
    pub(crate) pod_spec: std::cell::OnceCell<Option<crate::k8s::pod::PodSpec<'a>>>,
    /// [`Object::label_maps`], found once for the rules that look at labels.
    label_maps: std::cell::OnceCell<Vec<(&'static str, &'a Node)>>,
    /// A CronJob's schedule, parsed once for the rules that read it
    /// ([`crate::rules::cron_schedule::parsed`]).
    pub(crate) schedule:
        std::cell::OnceCell<Result<crate::k8s::cron::Parsed, crate::k8s::cron::CronError>>,
}

impl<'a> Object<'a> {
    /// A document is an object if it has a `kind`, or an `apiVersion` and `metadata`: Helm's
    /// `Chart.yaml` has an `apiVersion` and is not one.
    pub fn from_node(root: &'a Node, document: u32) -> Option<Object<'a>> {
        let has = |key| root.get(key).is_some();
        if !(has("kind") || (has("apiVersion") && has("metadata"))) {
            return None;
        }
        Object::view(root, document)
    }

    /// Views any mapping as an object (list items must be objects even when they lack a kind).
    pub fn view(root: &'a Node, document: u32) -> Option<Object<'a>> {
        if !root.is_map() {
            return None;
        }
        let metadata = root.get("metadata").filter(|m| m.is_map());
        let meta_str = |key| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
        Some(Object {
            root,
            document,
            api_version: root.get("apiVersion").and_then(Node::as_str),
            kind: root.get("kind").and_then(Node::as_str),
            metadata,
            name: meta_str("name"),
            namespace: meta_str("namespace"),
            pod_spec: std::cell::OnceCell::new(),
            label_maps: std::cell::OnceCell::new(),
            schedule: std::cell::OnceCell::new(),
        })
    }

    /// The API group: "" for the core group (`v1`), `apps` for `apps/v1`.
    pub fn group(&self) -> &'a str {
        match self.api_version {
            Some(v) => last_slash(v).map_or("", |at| &v[..at]),
            None => "",
        }
    }

    pub fn version(&self) -> &'a str {
        match self.api_version {
            Some(v) => last_slash(v).map_or(v, |at| &v[at + 1..]),
            None => "",
        }
    }

    /// Whether this is `kind` in the given group (any version).
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == Some(kind) && self.api_version.is_some() && self.group() == group
    }

    pub fn get(&self, path: &[&str]) -> Option<&'a Node> {
        self.root.get_path(path)
    }

    /// Whether the object belongs to a built-in API group whose field semantics kubevet knows
    /// (custom resources may use the same field names for other things).
    pub fn is_builtin(&self) -> bool {
        matches!(
            self.group(),
            "" | "apps" | "batch" | "policy" | "networking.k8s.io" | "autoscaling"
        )
    }

    /// Every map of labels or label-shaped keys/values in the object, with its field path:
    /// object and template labels, selectors and node selectors (reference §1.3 LBL-WHERE).
    pub fn label_maps(&self) -> &[(&'static str, &'a Node)] {
        self.label_maps.get_or_init(|| self.find_label_maps())
    }

    /// Each shared step (`spec`, `spec.template`, `spec.jobTemplate.spec.template`) is looked
    /// up once, not once a path: this runs for every object.
    fn find_label_maps(&self) -> Vec<(&'static str, &'a Node)> {
        let mut maps = Vec::new();
        let mut add = |name: &'static str, node: Option<&'a Node>| {
            if let Some(node) = node.filter(|n| n.is_map()) {
                maps.push((name, node));
            }
        };
        let labels = |holder: Option<&'a Node>| holder?.get("metadata")?.get("labels");
        add("metadata.labels", labels(Some(self.root)));
        if !self.is_builtin() {
            return maps;
        }
        let Some(spec) = self.root.get("spec") else {
            return maps;
        };
        let template = spec.get("template");
        let job_template = spec.get("jobTemplate");
        let job_pod_template = job_template.and_then(|j| j.get("spec")?.get("template"));
        let match_labels = |key| spec.get(key)?.get("matchLabels");
        let node_selector = |template: Option<&'a Node>| template?.get("spec")?.get("nodeSelector");
        add("spec.template.metadata.labels", labels(template));
        add("spec.jobTemplate.metadata.labels", labels(job_template));
        add(
            "spec.jobTemplate.spec.template.metadata.labels",
            labels(job_pod_template),
        );
        add("spec.selector.matchLabels", match_labels("selector"));
        add("spec.podSelector.matchLabels", match_labels("podSelector"));
        add("spec.nodeSelector", spec.get("nodeSelector"));
        add("spec.template.spec.nodeSelector", node_selector(template));
        add(
            "spec.jobTemplate.spec.template.spec.nodeSelector",
            node_selector(job_pod_template),
        );
        // A Service's and a ReplicationController's selector is a plain label map.
        if self.group().is_empty() && matches!(self.kind, Some("Service" | "ReplicationController"))
        {
            add("spec.selector", spec.get("selector"));
        }
        maps
    }

    /// The pod template of a workload (or the Pod itself): its metadata and spec, with the
    /// field path that leads to it. `None` for kinds that run no pods.
    pub fn pod_template(&self) -> Option<PodTemplate<'a>> {
        let path: &'static [&'static str] = match (self.group(), self.kind?) {
            ("", "Pod") => &[],
            ("", "ReplicationController" | "PodTemplate")
            | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job") => &["spec", "template"],
            ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template"],
            _ => return None,
        };
        let template = if path.is_empty() {
            Some(self.root)
        } else {
            self.get(path)
        }?;
        Some(PodTemplate {
            path,
            metadata: template.get("metadata"),
            spec: template.get("spec"),
        })
    }

    /// Configuration files of tools that borrow the Kubernetes shape but are never sent to an
    /// API server: kustomize, skaffold, kpt, kind and k3d cluster configs, and component
    /// configs (`kubelet.config.k8s.io`, `kubeadm.k8s.io`, audit policies, ...), and the
    /// configurations of kustomize's built-in plugins (`apiVersion: builtin`, named by a
    /// kustomization's `transformers`, `generators` or `validators`).
    pub fn is_tool_config(&self) -> bool {
        const TOOL_GROUPS: &[&str] = &[
            "kustomize.config.k8s.io",
            "config.kubernetes.io",
            "kpt.dev",
            "fn.kpt.dev",
            "skaffold",
            "kind.x-k8s.io",
            "k3d.io",
            "kubeadm.k8s.io",
            "audit.k8s.io",
            "ctlptl.dev",
        ];
        let group = self.group();
        TOOL_GROUPS.contains(&group)
            || group.ends_with(".config.k8s.io")
            || self
                .api_version
                .is_some_and(|v| v.starts_with("skaffold/") || v == "builtin")
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.map(str::to_owned),
            kind: self.kind.map(str::to_owned),
            namespace: self.namespace.map(str::to_owned),
            name: self
                .name
                .or_else(|| {
                    self.metadata
                        .and_then(|m| m.get("generateName"))
                        .and_then(Node::as_str)
                })
                .map(str::to_owned),
        }
    }
}

/// A pod template inside an object (or a Pod's own metadata and spec).
#[derive(Clone, Copy)]
pub struct PodTemplate<'a> {
    /// Field path from the object root to the template (empty for a Pod).
    pub path: &'static [&'static str],
    pub metadata: Option<&'a Node>,
    pub spec: Option<&'a Node>,
}

impl<'a> PodTemplate<'a> {
    pub fn labels(&self) -> Option<&'a Node> {
        self.metadata?.get("labels")
    }

    /// Init, regular and ephemeral containers, in that order.
    pub fn containers(&self) -> impl Iterator<Item = &'a Node> {
        let spec = self.spec;
        ["initContainers", "containers", "ephemeralContainers"]
            .into_iter()
            .filter_map(move |key| spec?.get(key)?.as_seq())
            .flatten()
    }
}

/// The objects of a document: the document itself, or each item of a `kind: List`
/// (and of typed lists such as `ConfigMapList`), as kubectl flattens them.
pub fn objects_of(root: &Node, document: u32) -> Vec<Object<'_>> {
    let Some(object) = Object::from_node(root, document) else {
        return Vec::new();
    };
    match list_items(root) {
        Some(items) => items
            .iter()
            .filter_map(|item| Object::view(item, document))
            .collect(),
        None => vec![object],
    }
}

/// The items of a `kind: List` document (or of a typed list such as `ConfigMapList`), which
/// kubectl applies one by one ([`objects_of`]); `None` for any other document.
pub fn list_items(root: &Node) -> Option<&[Node]> {
    let kind = root.get("kind").and_then(Node::as_str)?;
    if !kind.ends_with("List") {
        return None;
    }
    root.get("items").and_then(Node::as_seq)
}

/// Where the last `/` of an apiVersion is: a plain byte loop, as apiVersions are short and
/// asked for by many rules of every object (`rsplit_once('/')` cost over 100 instructions).
fn last_slash(api_version: &str) -> Option<usize> {
    api_version.bytes().rposition(|b| b == b'/')
}

/// Which workload kind an object is (here, where the object view is: [`Kind`] knows no objects).
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
}
