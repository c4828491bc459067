//! `duplicate-object`: two objects with the same API group, kind, namespace and name that would
//! be applied together. API versions of one group are the same object; `generateName` objects
//! are new every time and exempt.

use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::index::Index;
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    id: "duplicate-object",
    severity: Severity::Error,
    summary: "Two objects with the same group, kind, namespace and name: one silently replaces the other.",
    doc: include_str!("../../rules/duplicate-object.md"),
};

pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    let mut groups: HashMap<(&str, &str, Option<&str>, &str), Vec<usize>> = HashMap::new();
    for (i, instance) in index.instances.iter().enumerate() {
        let o = &instance.object;
        if o.generated_name || o.name.is_empty() {
            continue;
        }
        groups
            .entry((
                o.group.as_str(),
                o.kind.as_str(),
                instance.namespace.as_deref(),
                o.name.as_str(),
            ))
            .or_default()
            .push(i);
    }
    for members in groups.values_mut().filter(|m| m.len() > 1) {
        members.sort_by_key(|&i| index.instances[i].object.location);
        for (n, &later) in members.iter().enumerate().skip(1) {
            let second = &index.instances[later];
            let first = members[..n]
                .iter()
                .map(|&i| &index.instances[i])
                .find(|first| {
                    first.scope.overlaps(&second.scope)
                        && first.object.location != second.object.location
                        && !index.same_file_by_link(first.object.file, second.object.file)
                });
            let Some(first) = first else { continue };
            let versions = if first.object.api_version != second.object.api_version {
                format!(
                    " ({} and {} are versions of the same object)",
                    first.object.api_version, second.object.api_version
                )
            } else {
                String::new()
            };
            out.push(
                second
                    .diagnostic(
                        &RULE,
                        second.object.location,
                        format!("duplicate object: {} is defined twice{versions}", second.display()),
                    )
                    .with_label("defined again here")
                    .with_secondary(first.object.location, "first defined here")
                    .with_help("applying both means the one applied last silently replaces the other; delete one, or rename it"),
            );
        }
    }
}
