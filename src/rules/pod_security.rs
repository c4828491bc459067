//! `pod-security`: Pod Security admission, predicted. A pod (or a workload's pod template) is
//! evaluated against the levels its namespace's `pod-security.kubernetes.io/*` labels set, with
//! the checks of [`crate::pod_security::checks`]: `enforce` rejects a Pod (error) and leaves a
//! workload unable to create any pod (error); `warn` gives warnings, `audit` infos. A Namespace
//! whose labels the admission cannot parse is itself rejected.
//!
//! The index keeps no security fields of objects checked as written: a run in which no Namespace
//! has a pod-security label (and no default level is set) pays nothing. Otherwise the files
//! holding the pods to evaluate are read and loaded again, once each, for the fields the checks
//! read ([`facts`]). A rendered object (of a kustomize build) cannot be loaded again from a file:
//! its facts are made on the rendered tree and kept in its summary.

use crate::index::{Index, Instance};
use crate::k8s::pod_security::checks::{self, At, Failure};
use crate::k8s::pod_security::facts::{
    self, Facts, Holder, LABEL_PREFIX, NamespaceLabels, PodFacts,
};
use crate::k8s::pod_security::{Level, Settings, Version};
use crate::load::Limits;
use crate::model::KubeVersion;
use crate::model::diagnostic::{Diagnostic, FileId, Location, Severity};
use crate::model::source::SourceFile;
use crate::model::span::Span;
use foldhash::{HashMap, HashMapExt};

pub use crate::model::rule::pod_security as RULE;

/// What the rule needs of the run (its stage runs after the index, with the files' texts).
pub struct Inputs<'a> {
    pub settings: &'a Settings,
    pub kubernetes_version: KubeVersion,
    /// The limits the files were loaded with, to load them again alike.
    pub limits: &'a Limits,
    /// The text of a file as it was checked (read again, or kept for stdin).
    pub source: &'a (dyn Fn(FileId) -> Option<String> + Sync),
}

/// One mode of a namespace's policy: its level and version, and where the label is.
#[derive(Clone, Debug)]
struct Mode {
    level: Level,
    version: Version,
    /// The level label's value (or the Namespace, for a label a kustomization adds).
    at: Location,
    /// `pod-security.kubernetes.io/enforce: restricted`.
    label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Enforce,
    Warn,
    Audit,
    /// `--pod-security` / `podSecurity.level`: no label sets enforce.
    Default,
}

#[derive(Default)]
struct Policy {
    enforce: Option<Mode>,
    warn: Option<Mode>,
    audit: Option<Mode>,
}

/// What the checks read of the objects of the files loaded again: by file, each object's
/// document and location (as the index has them) and its facts.
struct Reread<'a> {
    index: &'a Index,
    inputs: &'a Inputs<'a>,
    files: HashMap<FileId, Vec<(u32, Span, Facts)>>,
}

impl Reread<'_> {
    /// The objects of a file the checks read, from its text loaded again.
    fn load(&self, file: FileId) -> Vec<(u32, Span, Facts)> {
        let Some(text) = (self.inputs.source)(file) else {
            return Vec::new();
        };
        let name = self.index.paths[file.0 as usize].display().to_string();
        let source = SourceFile::new(file, name, text);
        let loaded = crate::load::load(&source, self.inputs.limits);
        let mut out = Vec::new();
        for document in &loaded.documents {
            for object in crate::k8s::object::objects_of(&document.root, document.index) {
                if let Some(f) = facts::extract(&object, &source) {
                    out.push((document.index, facts::anchor(&object), f));
                }
            }
        }
        out
    }

    /// Loads these files again, in parallel.
    fn preload(&mut self, mut files: Vec<FileId>) {
        use rayon::prelude::*;
        files.sort_unstable();
        files.dedup();
        files.retain(|f| !self.files.contains_key(f));
        let this = &*self;
        let loaded: Vec<_> = files.into_par_iter().map(|f| (f, this.load(f))).collect();
        self.files.extend(loaded);
    }

    /// The facts of an instance's object, loading its file the first time.
    fn facts<'i>(&'i mut self, instance: &'i Instance) -> Option<&'i Facts> {
        // A rendered object's, made on its rendered tree.
        if let Some(facts) = &instance.object.security {
            return Some(facts);
        }
        let file = instance.object.file;
        if !self.files.contains_key(&file) {
            let objects = self.load(file);
            self.files.insert(file, objects);
        }
        let at = instance.object.location.span;
        self.files[&file]
            .iter()
            .find(|(doc, span, _)| *doc == instance.object.document && *span == at)
            .map(|(_, _, f)| f)
    }
}

/// The namespace's policy from its labels (`api.PolicyToEvaluate`), and the labels the
/// admission cannot parse (it rejects the Namespace).
fn policy(
    ns: &Instance,
    reread: &mut Reread<'_>,
) -> (Policy, Vec<(String, String, Location, &'static str)>) {
    let mut policy = Policy::default();
    let mut invalid = Vec::new();
    let located: Option<&NamespaceLabels> = match reread.facts(ns) {
        Some(Facts::Namespace(labels)) => Some(labels),
        _ => None,
    };
    let at = |key: &str| {
        located
            .and_then(|l| l.labels.iter().find(|a| a.key == key))
            .map_or(ns.object.location, |a| a.at)
    };
    let value = |key: &str| {
        ns.object
            .labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    for (mode, slot) in [
        ("enforce", &mut policy.enforce),
        ("warn", &mut policy.warn),
        ("audit", &mut policy.audit),
    ] {
        let level_key = format!("{LABEL_PREFIX}{mode}");
        let version_key = format!("{level_key}-version");
        let version = match value(&version_key) {
            None => Version::Latest,
            Some(v) => Version::parse(v).unwrap_or_else(|| {
                invalid.push((
                    version_key.clone(),
                    v.to_owned(),
                    at(&version_key),
                    "must be \"latest\" or \"v1.x\"",
                ));
                Version::Latest
            }),
        };
        if let Some(v) = value(&level_key) {
            let level = Level::parse(v).unwrap_or_else(|| {
                invalid.push((
                    level_key.clone(),
                    v.to_owned(),
                    at(&level_key),
                    "must be one of privileged, baseline, restricted",
                ));
                Level::Restricted
            });
            *slot = Some(Mode {
                level,
                version,
                at: at(&level_key),
                label: format!("{level_key}: {v}"),
            });
        }
    }
    (policy, invalid)
}

pub fn check_repo(index: &Index, inputs: &Inputs<'_>, out: &mut Vec<Diagnostic>) {
    let settings = inputs.settings;
    let target = inputs.kubernetes_version.minor;
    let namespaces = index.of_kind(None, "", "Namespace");
    let labelled = |ns: &Instance| {
        ns.object
            .labels
            .iter()
            .any(|(k, _)| k.starts_with(LABEL_PREFIX))
    };
    // Nothing to do (the common case): no label and no default level.
    if settings.level.is_none() && !namespaces.iter().any(|&i| labelled(&index.instances[i])) {
        return;
    }
    let mut reread = Reread {
        index,
        inputs,
        files: HashMap::new(),
    };
    // The labelled Namespaces by name, and the pods the admission evaluates with their
    // Namespace (if labelled): their files are loaded again, in parallel.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in namespaces {
        if labelled(&index.instances[i]) {
            by_name
                .entry(index.instances[i].object.name.as_str())
                .or_default()
                .push(i);
        }
    }
    let mut pods: Vec<(&Instance, &str, Option<usize>)> = Vec::new();
    for pod in &index.instances {
        let (Some(ns_name), Some(_)) = (pod.namespace.as_deref(), &pod.object.pods) else {
            continue;
        };
        if !facts::runs_pods(&pod.object.group, &pod.object.kind)
            || settings.exempt_namespaces.iter().any(|n| n == ns_name)
        {
            continue;
        }
        let ns = by_name.get(ns_name).and_then(|list| {
            list.iter()
                .copied()
                .find(|&i| index.visible(pod, &index.instances[i]))
        });
        if ns.is_some() || settings.level.is_some() {
            pods.push((pod, ns_name, ns));
        }
    }
    reread.preload(
        by_name
            .values()
            .flatten()
            .map(|&i| &index.instances[i])
            .chain(pods.iter().map(|(p, _, _)| *p))
            .filter(|i| i.object.security.is_none())
            .map(|i| i.object.file)
            .collect(),
    );
    // Each labelled Namespace's policy, by instance.
    let mut policies: HashMap<usize, Policy> = HashMap::new();
    for &i in by_name.values().flatten() {
        let ns = &index.instances[i];
        let (policy, invalid) = policy(ns, &mut reread);
        policies.insert(i, policy);
        for (key, value, at, why) in invalid {
            out.push(
                ns.diagnostic(
                    &RULE,
                    at,
                    format!(
                        "namespaces \"{}\" is invalid: metadata.labels[{key}]: Invalid value: \"{value}\": {why}",
                        ns.object.name
                    ),
                )
                .with_label("rejected by the PodSecurity admission")
                .with_help(format!(
                    "the API server refuses the Namespace; {}",
                    if key.ends_with("-version") {
                        "write `latest` or a version such as `v1.33`"
                    } else {
                        "write `privileged`, `baseline` or `restricted`"
                    }
                )),
            );
        }
    }
    let no_policy = Policy::default();
    for (pod, ns_name, ns) in pods {
        let policy = ns.and_then(|i| policies.get(&i)).unwrap_or(&no_policy);
        let Some(Facts::Pod(facts)) = reread.facts(pod) else {
            continue;
        };
        if facts
            .runtime_class
            .as_ref()
            .is_some_and(|rc| settings.exempt_runtime_classes.contains(rc))
        {
            continue;
        }
        let mut modes: Vec<(Kind, Mode)> = Vec::new();
        if let Some(m) = policy.enforce.clone() {
            modes.push((Kind::Enforce, m));
        } else if let Some(level) = settings.level {
            modes.push((
                Kind::Default,
                Mode {
                    level,
                    version: Version::Latest,
                    at: pod.object.location,
                    label: String::new(),
                },
            ));
        }
        modes.extend(policy.warn.clone().map(|m| (Kind::Warn, m)));
        modes.extend(policy.audit.clone().map(|m| (Kind::Audit, m)));
        let mut reported: Vec<&'static str> = Vec::new();
        let mut evaluated: Vec<(Level, u32)> = Vec::new();
        for (kind, mode) in modes {
            let version = mode.version.effective(target);
            if evaluated.contains(&(mode.level, version)) {
                continue;
            }
            evaluated.push((mode.level, version));
            let failures = checks::evaluate(facts, mode.level, At { version, target });
            for failure in failures {
                if reported.contains(&failure.check) {
                    continue;
                }
                reported.push(failure.check);
                out.push(finding(pod, facts, ns_name, kind, &mode, &failure));
            }
        }
    }
}

fn finding(
    pod: &Instance,
    facts: &PodFacts,
    namespace: &str,
    kind: Kind,
    mode: &Mode,
    failure: &Failure,
) -> Diagnostic {
    let level_version = format!("{}:{}", mode.level, mode.version);
    let what = &pod.object.kind;
    let (severity, message) = match (kind, facts.holder) {
        (Kind::Enforce, Holder::Pod) => (
            Severity::Error,
            format!(
                "{what} rejected in namespace `{namespace}`: violates PodSecurity \"{level_version}\": {}",
                failure.text()
            ),
        ),
        (Kind::Enforce, Holder::Workload) => (
            Severity::Error,
            format!(
                "{what} accepted, but no pod can be created in namespace `{namespace}`: violates PodSecurity \"{level_version}\": {}",
                failure.text()
            ),
        ),
        (Kind::Warn, _) => (
            Severity::Warning,
            format!(
                "namespace `{namespace}` warns: would violate PodSecurity \"{level_version}\": {}",
                failure.text()
            ),
        ),
        (Kind::Audit, _) => (
            Severity::Info,
            format!(
                "namespace `{namespace}` audits: would violate PodSecurity \"{level_version}\": {}",
                failure.text()
            ),
        ),
        (Kind::Default, _) => (
            Severity::Warning,
            format!(
                "would violate PodSecurity \"{level_version}\": {} (checked against the configured level: namespace `{namespace}` enforces none)",
                failure.text()
            ),
        ),
    };
    let mut d = pod
        .diagnostic(&RULE, failure.at, message)
        .with_label(format!("forbidden by the {} level", mode.level))
        .with_help(failure.help.clone());
    d.severity = severity;
    for &also in &failure.also {
        d = d.with_secondary(also, "also forbidden");
    }
    if kind != Kind::Default {
        let verb = match kind {
            Kind::Enforce => "enforced",
            Kind::Warn => "warned about",
            _ => "audited",
        };
        d = d.with_secondary(
            mode.at,
            format!("{level_version} {verb} here (`{}`)", mode.label),
        );
    }
    d
}
