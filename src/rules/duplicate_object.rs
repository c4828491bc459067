//! `duplicate-object`: two objects with the same API group, kind, namespace and name in one
//! apply unit ([`crate::index::units`]). API versions of one group are the same object;
//! `generateName` objects are new every time and exempt.
//!
//! Severity follows what the apply does: kustomize (and Flux, which builds a directory as a
//! generated kustomization) refuses two resources with one id, an error; `kubectl apply` of one
//! file applies both documents, an error too (the later silently replaces the earlier); two files
//! of one directory tree or of an Argo CD application are applied one after the other, a warning,
//! and not even that when the copies are equal or the files are alternatives of each other.

use crate::model::diagnostic::{Diagnostic, Severity};
use crate::index::summary::Tool;
use crate::index::units::{Together, UnitKind};
use crate::index::{CanonicalFiles, Index, Instance};
use std::hash::BuildHasher;
use std::path::Path;

pub use crate::model::rule::duplicate_object as RULE;

/// Why two copies are a finding, and how bad.
struct Verdict {
    severity: Severity,
    together: Together,
}

fn verdict(
    repo: &super::Repo<'_>,
    first: &Instance,
    second: &Instance,
    canonical: &mut CanonicalFiles,
) -> Option<Verdict> {
    let index = repo.index;
    if first.object.location == second.object.location {
        return None;
    }
    // (Whether they are applied together first: it is cheaper than whether their files are
    // one, and most copies of a generated object in a repository of many builds are not.)
    let together = index.units.together(first, second)?;
    if index.same_file_by_link(first.object.file, second.object.file, canonical) {
        return None;
    }
    let severity = match &together {
        Together::SameFile => Severity::Error,
        Together::Unit(u) if index.units.units[*u as usize].rejects_duplicates() => Severity::Error,
        Together::Unit(_) => Severity::Warning,
        Together::Directory(_) => {
            // (Alternatives first: a set lookup, where equal copies need both digests, which
            // an object as written has only once its file is loaded again.)
            let digest = |i| repo.digests.of(i);
            if index
                .units
                .alternative_files(first.object.file, second.object.file)
                || digest(first).is_some_and(|d| Some(d) == digest(second))
            {
                return None;
            }
            Severity::Warning
        }
    };
    Some(Verdict { severity, together })
}

fn dir_name(path: &Path) -> String {
    let shown = path.display().to_string();
    if shown.is_empty() { ".".into() } else { shown }
}

/// What makes two objects the same: API group, kind, namespace and name.
type Identity<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

fn identity(instance: &Instance) -> Identity<'_> {
    let o = &instance.object;
    (
        o.group.as_str(),
        o.kind.as_str(),
        instance.namespace.as_deref(),
        o.name.as_str(),
    )
}

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    // One (hash of its identity, instance) pair per object, sorted, so that copies are
    // neighbours: 16 bytes an object, where a map from identities to vectors of instances held
    // about 170 (1.1 MB of the 2,000-file corpus's heap peak, in the whole-repo stage).
    let hasher = foldhash::fast::FixedState::with_seed(0);
    let mut keyed: Vec<(u64, u32)> = index
        .subjects()
        .filter(|(_, instance)| !instance.object.generated_name && !instance.object.name.is_empty())
        .map(|(i, instance)| (hasher.hash_one(identity(instance)), i as u32))
        .collect();
    keyed.sort_unstable();
    let mut members = Vec::new();
    let mut canonical = CanonicalFiles::default();
    for same_hash in keyed.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        // Identities whose hashes collide are told apart here (instances in index order).
        members.clear();
        members.extend(same_hash.iter().map(|&(_, i)| i as usize));
        members.sort_by(|&a, &b| identity(&index.instances[a]).cmp(&identity(&index.instances[b])));
        for copies in members.chunk_by(|&a, &b| {
            identity(&index.instances[a]) == identity(&index.instances[b])
        }) {
            if copies.len() > 1 {
                check_copies(repo, &mut copies.to_vec(), &mut canonical, out);
            }
        }
    }
}

/// The findings of one identity's copies (instance numbers, in index order).
fn check_copies(
    repo: &super::Repo<'_>,
    members: &mut [usize],
    canonical: &mut CanonicalFiles,
    out: &mut Vec<Diagnostic>,
) {
    let index = repo.index;
    members.sort_by_key(|&i| index.instances[i].object.location);
    for (n, &later) in members.iter().enumerate().skip(1) {
        let second = &index.instances[later];
        // The most severe way an earlier copy is applied with this one; the earliest of those.
        let found = members[..n]
            .iter()
            .map(|&i| &index.instances[i])
            .filter_map(|first| Some((first, verdict(repo, first, second, canonical)?)))
            .max_by_key(|(first, v)| (v.severity, std::cmp::Reverse(first.object.location)));
        let Some((first, verdict)) = found else {
            continue;
        };
        out.push(report(index, first, second, verdict));
    }
}

fn report(index: &Index, first: &Instance, second: &Instance, verdict: Verdict) -> Diagnostic {
    let versions = if first.object.api_version != second.object.api_version {
        format!(
            " ({} and {} are versions of the same object)",
            first.object.api_version, second.object.api_version
        )
    } else {
        String::new()
    };
    let what = second.display();
    let mut related = None;
    let (message, help) = match &verdict.together {
        Together::SameFile => (
            format!("duplicate object: {what} is defined twice in this file{versions}"),
            "kubectl applies both documents and the later one silently replaces the earlier; delete one, or rename it".to_owned(),
        ),
        Together::Unit(u) => {
            let unit = &index.units.units[*u as usize];
            match &unit.kind {
                UnitKind::Build(root) => (
                    format!(
                        "duplicate object: {what} is defined twice in the kustomize build of {}{versions}",
                        index.paths[root.0 as usize].display()
                    ),
                    "`kustomize build` fails: \"may not add resource with an already registered id\"; delete one, or rename it".to_owned(),
                ),
                UnitKind::Tool {
                    tool: Tool::Flux,
                    name,
                    defined,
                } => {
                    related = Some((*defined, "the Flux Kustomization applies this path"));
                    (
                        format!(
                            "duplicate object: {what} is defined twice under `{}`, which the Flux Kustomization `{name}` applies as one kustomization{versions}",
                            dir_name(&unit.dir)
                        ),
                        "Flux builds the directory with kustomize, which fails: \"may not add resource with an already registered id\"; delete one, or rename it".to_owned(),
                    )
                }
                UnitKind::Tool {
                    tool: Tool::ArgoCd,
                    name,
                    defined,
                } => {
                    related = Some((*defined, "the Argo CD application applies this path"));
                    (
                        format!(
                            "duplicate object: {what} is defined twice under `{}`, which the Argo CD application `{name}` applies{versions}",
                            dir_name(&unit.dir)
                        ),
                        "Argo CD reports the resource as repeated and applies only one of the copies; delete one, or rename it".to_owned(),
                    )
                }
                UnitKind::Declared => (
                    format!(
                        "duplicate object: {what} is defined twice in the apply unit `{}` (`applyUnits` in the configuration){versions}",
                        dir_name(&unit.dir)
                    ),
                    "the copy applied last replaces the other; delete one, or rename it".to_owned(),
                ),
            }
        }
        Together::Directory(dir) => (
            format!(
                "duplicate object: {what} is defined in two files that `kubectl apply -R {}` applies together, with different contents{versions}",
                dir_name(dir)
            ),
            "the copy applied last replaces the other; if the files are alternatives never applied together, name the directories you apply in `.kubevet.yaml` (`applyUnits`), or set `directoryUnits: false`".to_owned(),
        ),
    };
    let mut d = second
        .diagnostic(&RULE, second.object.location, message)
        .with_label("defined again here")
        .with_secondary(first.object.location, "first defined here")
        .with_help(help);
    if let Some((location, label)) = related {
        d = d.with_secondary(location, label);
    }
    d.severity = verdict.severity;
    d
}
