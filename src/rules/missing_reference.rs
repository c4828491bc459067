//! `missing-reference`: a pod's ServiceAccount, ConfigMap, Secret or PersistentVolumeClaim, or an
//! HPA's scale target, that does not exist in its namespace — reported only for kinds the checked
//! paths define at least once in that namespace (Secrets are often created outside Git). Objects
//! the cluster creates (an operator's Secret, a StatefulSet's claims, `kube-root-ca.crt`) exist.
//! One missing object is one finding, however many references name it.

use crate::model::diagnostic::{Diagnostic, Location};
use crate::index::summary::{Created, RefKind, Reference};
use crate::index::{Index, Instance};
use crate::rules::{group_references, reference_count, with_other_references};
use crate::model::text::did_you_mean;
use foldhash::{HashMap, HashMapExt};

pub use crate::model::rule::missing_reference as RULE;

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

/// A missing object: its namespace, group, kind and name.
type Target<'a> = (&'a str, &'a str, &'a str, &'a str);

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    let created = created_index(index);
    let mut missing = Vec::new();
    for (_, instance) in index.subjects() {
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
            // Only where the paths define objects of the kind in the namespace (what operators
            // create does not say that the repository manages the others).
            let defined = index.of_kind(Some(ns), group, kind);
            if defined.is_empty()
                || index
                    .find_from(instance, Some(ns), group, kind, name)
                    .is_some()
                || index.may_lack_objects_in(ns)
            {
                continue;
            }
            missing.push((
                (ns, group, kind, name),
                reference.location,
                (reference, instance),
            ));
        }
    }
    for (target, references) in group_references(missing) {
        let names: Vec<&str> = created_in(&created, target.0, references[0].1.0.kind)
            .filter(|(c, _)| !c.per_pod)
            .map(|(c, _)| c.name.as_str())
            .collect();
        out.push(report(index, target, &references, &names));
    }
}

fn report(
    index: &Index,
    (ns, group, kind, name): Target<'_>,
    references: &[(Location, (&Reference, &Instance))],
    created: &[&str],
) -> Diagnostic {
    let (location, (_, instance)) = references[0];
    let names: Vec<&str> = index
        .of_kind(Some(ns), group, kind)
        .iter()
        .map(|&i| index.instances[i].object.name.as_str())
        .chain(created.iter().copied())
        .collect();
    // A Job that names the object in its arguments presumably creates it when it runs.
    let creator = index
        .workloads_in(ns)
        .filter(|w| w.object.group == "batch")
        .find_map(|w| {
            let pods = w.object.pods.as_ref()?;
            let (_, at) = pods.arguments.iter().find(|(s, _)| names_word(s, name))?;
            Some((w, *at))
        });
    let help = match (did_you_mean(name, names.iter().copied()), creator) {
        (Some(s), _) => format!("did you mean `{s}`?"),
        (None, Some((job, _))) => format!(
            "{} `{}` seems to create it when it runs: it does not exist when the objects are applied, and the pods wait for it (`ContainerCreating`) until then",
            job.object.kind, job.object.name
        ),
        (None, None) => format!(
            "the checked paths define other {kind}s in `{ns}`, but not `{name}`; if something creates it at run time (a Job, an operator), pods wait for it until then"
        ),
    };
    let message = format!(
        "{kind} `{name}` does not exist in namespace `{ns}`{}",
        reference_count(references)
    );
    let mut diagnostic = with_other_references(
        instance
            .diagnostic(&RULE, location, message)
            .with_label("not found")
            .with_help(help),
        references,
    );
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
