//! `undeclared-namespace`: an object in a namespace that no Namespace object in the checked
//! paths declares — only when the paths declare at least one Namespace, so that repositories that
//! manage namespaces elsewhere are not flooded.

use crate::model::diagnostic::Diagnostic;
use crate::index::BUILTIN_NAMESPACES;
use crate::rules::group_references;
use crate::model::text::did_you_mean;

pub use crate::model::rule::undeclared_namespace as RULE;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    // A document that could not be read may be the Namespace.
    if index.declared_namespaces.is_empty() || index.has_lost_documents() {
        return;
    }
    let mut undeclared = Vec::new();
    for (_, instance) in index.subjects() {
        let (Some(ns), Some(location)) = (&instance.namespace, instance.namespace_location) else {
            continue;
        };
        if index.declared_namespaces.contains(ns) || BUILTIN_NAMESPACES.contains(&ns.as_str()) {
            continue;
        }
        undeclared.push((ns.as_str(), location, instance));
    }
    let mut declared: Vec<&str> = index
        .declared_namespaces
        .iter()
        .map(String::as_str)
        .collect();
    declared.sort_unstable();
    // One missing Namespace is one finding, however many objects are in it.
    for (ns, objects) in group_references(undeclared) {
        let (location, instance) = objects[0];
        let help = match did_you_mean(ns, declared.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? Applying"),
            None => format!(
                "the checked paths declare {}; add a Namespace `{ns}`, or fix the name; applying",
                crate::model::text::code_list(&declared)
            ),
        };
        let count = match objects.len() {
            1 => String::new(),
            n => format!(" ({n} objects)"),
        };
        let mut diagnostic = instance
            .diagnostic(&RULE, location, format!("namespace `{ns}` is not declared by any Namespace in the checked paths{count}"))
            .with_label("undeclared namespace")
            .with_help(format!("{help} fails with `namespaces \"{ns}\" not found` unless it exists already"));
        for (location, _) in &objects[1..] {
            diagnostic = diagnostic.with_secondary(*location, "also in this namespace");
        }
        out.push(diagnostic);
    }
}
