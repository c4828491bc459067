//! `missing-reference`: a pod's ServiceAccount, ConfigMap, Secret or PersistentVolumeClaim, or an
//! HPA's scale target, that does not exist in its namespace — reported only for kinds the checked
//! paths define at least once in that namespace (Secrets are often created outside Git). Objects
//! the cluster creates (an operator's Secret, a StatefulSet's claims, `kube-root-ca.crt`) exist.
//! One missing object is one finding, however many references name it.

use crate::diagnostics::{Diagnostic, Location, Rule, Severity};
use crate::index::summary::{Created, RefKind, Reference};
use crate::index::{Index, Instance};
use crate::validate::did_you_mean;
use foldhash::{HashMap, HashMapExt};

pub static RULE: Rule = Rule {
    id: "missing-reference",
    severity: Severity::Warning,
    summary: "A reference to a ServiceAccount, ConfigMap, Secret, PVC or scale target that does not exist in the namespace.",
    doc: include_str!("../../rules/missing-reference.md"),
};

/// Objects every namespace has: the ConfigMap the root CA publisher writes (Kubernetes
/// `pkg/controller/certificates/rootcacertpublisher`).
const IN_EVERY_NAMESPACE: &[(RefKind, &str)] = &[(RefKind::ConfigMap, "kube-root-ca.crt")];

/// What the cluster creates, by namespace (`None`: every namespace) and kind.
type CreatedIndex<'a> = HashMap<(Option<&'a str>, RefKind), Vec<(&'a Created, &'a Instance)>>;

fn created_index(index: &Index) -> CreatedIndex<'_> {
    let mut created: CreatedIndex<'_> = HashMap::new();
    for instance in &index.instances {
        for c in instance.object.creates.iter() {
            let ns = if c.every_namespace {
                None
            } else {
                instance.namespace.as_deref()
            };
            created.entry((ns, c.kind)).or_default().push((c, instance));
        }
    }
    created
}

/// What the cluster creates of a kind in a namespace.
fn created_in<'a>(
    created: &'a CreatedIndex<'a>,
    ns: &'a str,
    kind: RefKind,
) -> impl Iterator<Item = &'a (&'a Created, &'a Instance)> {
    [Some(ns), None]
        .into_iter()
        .filter_map(move |n| created.get(&(n, kind)))
        .flatten()
}

/// The references to one missing object, in the order of their locations.
struct Missing<'a> {
    references: Vec<(&'a Reference, &'a Instance)>,
    kind: &'a str,
    ns: &'a str,
}

pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    let created = created_index(index);
    let mut missing: HashMap<(&str, &str, &str, &str), Missing<'_>> = HashMap::new();
    for instance in &index.instances {
        let Some(ns) = instance.namespace.as_deref() else {
            continue;
        };
        for reference in instance
            .object
            .references
            .iter()
            .chain(instance.object.scale_target.as_deref())
        {
            let (group, kind) = match (&reference.kind, &reference.target_kind) {
                (RefKind::ScaleTarget, Some((group, kind))) => (group.as_str(), kind.as_str()),
                (other, _) => ("", other.kind()),
            };
            let name = reference.name.as_str();
            if IN_EVERY_NAMESPACE.contains(&(reference.kind, name))
                || created_in(&created, ns, reference.kind)
                    .any(|(c, by)| c.is(name, &by.object.name))
            {
                continue;
            }
            let defined = index.of_kind(Some(ns), group, kind);
            let shown =
                !defined.is_empty() || created_in(&created, ns, reference.kind).next().is_some();
            if !shown || index.find(Some(ns), group, kind, name).is_some() {
                continue;
            }
            missing
                .entry((ns, group, kind, name))
                .or_insert_with(|| Missing {
                    references: Vec::new(),
                    kind,
                    ns,
                })
                .references
                .push((reference, instance));
        }
    }
    let mut missing: Vec<Missing<'_>> = missing.into_values().collect();
    for m in &mut missing {
        m.references.sort_by_key(|(r, _)| r.location);
        // A base included by several builds is one reference.
        m.references.dedup_by_key(|(r, _)| r.location);
    }
    missing.sort_by_key(|m| m.references[0].0.location);
    for m in missing {
        let names: Vec<&str> = created_in(&created, m.ns, m.references[0].0.kind)
            .filter(|(c, _)| !c.per_pod)
            .map(|(c, _)| c.name.as_str())
            .collect();
        out.push(report(index, &m, &names));
    }
}

fn report(index: &Index, m: &Missing<'_>, created: &[&str]) -> Diagnostic {
    let (first, instance) = m.references[0];
    let (kind, ns, name) = (m.kind, m.ns, first.name.as_str());
    let group = first.target_kind.as_ref().map_or("", |(g, _)| g.as_str());
    let names: Vec<&str> = index
        .of_kind(Some(ns), group, kind)
        .iter()
        .map(|&i| index.instances[i].object.name.as_str())
        .chain(created.iter().copied())
        .collect();
    let help = match did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the checked paths define other {kind}s in `{ns}`, but not `{name}`; if something creates it at run time (a Job, an operator), pods wait for it until then"
        ),
    };
    // A Job that names the object in its arguments presumably creates it when it runs.
    let creator = index
        .workloads_in(ns)
        .filter(|w| w.object.group == "batch")
        .find_map(|w| {
            let pods = w.object.pods.as_ref()?;
            let (_, at) = pods.arguments.iter().find(|(s, _)| names_word(s, name))?;
            Some((w, *at))
        });
    let help = match creator {
        Some((job, _)) if help.starts_with("the checked paths") => format!(
            "{} `{}` seems to create it when it runs: it does not exist when the objects are applied, and the pods wait for it (`ContainerCreating`) until then",
            job.object.kind, job.object.name
        ),
        _ => help,
    };
    let count = m.references.len();
    let message = if count == 1 {
        format!("{kind} `{name}` does not exist in namespace `{ns}`")
    } else {
        format!("{kind} `{name}` does not exist in namespace `{ns}` ({count} references)")
    };
    let mut diagnostic = instance
        .diagnostic(&RULE, first.location, message)
        .with_label("not found")
        .with_help(help);
    let mut seen: Vec<Location> = vec![first.location];
    for (r, _) in &m.references[1..] {
        if !seen.contains(&r.location) {
            seen.push(r.location);
            diagnostic = diagnostic.with_secondary(r.location, "also referenced here");
        }
    }
    if let Some((job, at)) = creator {
        diagnostic = diagnostic.with_secondary(
            at,
            format!("named by {} `{}`", job.object.kind, job.object.name),
        );
    }
    diagnostic
}

/// Whether `text` holds `name` as a whole word of an object name (`--secret-name=tls-a` holds
/// `tls-a`, not `tls`).
fn names_word(text: &str, name: &str) -> bool {
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    text.match_indices(name).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| text.as_bytes()[i]);
        let after = text.as_bytes().get(at + name.len()).copied();
        !before.is_some_and(is_name_byte) && !after.is_some_and(is_name_byte)
    })
}
