//! `reserved-namespace`: declaring a Namespace whose name starts with `kube-`, a prefix reserved
//! for Kubernetes system namespaces.

use crate::model::diagnostic::Diagnostic;
use crate::index::BUILTIN_NAMESPACES;

pub use crate::model::rule::reserved_namespace as RULE;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    for instance in index.instances.iter().filter(|i| i.is("", "Namespace")) {
        let name = &instance.object.name;
        if name.starts_with("kube-") && !BUILTIN_NAMESPACES.contains(&name.as_str()) {
            out.push(
                instance
                    .diagnostic(&RULE, instance.object.location, format!("namespace `{name}` uses the reserved `kube-` prefix"))
                    .with_help("the `kube-` prefix is reserved for Kubernetes system namespaces; choose another name"),
            );
        }
    }
}
