//! `missing-reference`: a pod's ServiceAccount, ConfigMap, Secret or PersistentVolumeClaim, or an
//! HPA's scale target, that does not exist in its namespace — reported only for kinds the checked
//! paths define at least once in that namespace (Secrets are often created outside Git).

use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::index::Index;
use crate::index::summary::RefKind;
use crate::validate::did_you_mean;

pub static RULE: Rule = Rule {
    id: "missing-reference",
    severity: Severity::Warning,
    summary: "A reference to a ServiceAccount, ConfigMap, Secret, PVC or scale target that does not exist in the namespace.",
    doc: include_str!("../../rules/missing-reference.md"),
};

pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
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
            let defined = index.of_kind(Some(ns), group, kind);
            if defined.is_empty()
                || index.find(Some(ns), group, kind, &reference.name).is_some()
                || index.may_lack_objects_in(ns)
            {
                continue;
            }
            let names: Vec<&str> = defined
                .iter()
                .map(|&i| index.instances[i].object.name.as_str())
                .collect();
            let help = match did_you_mean(&reference.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the checked paths define other {kind}s in `{ns}`, but not `{}`",
                    reference.name
                ),
            };
            out.push(
                instance
                    .diagnostic(
                        &RULE,
                        reference.location,
                        format!(
                            "{kind} `{}` does not exist in namespace `{ns}`",
                            reference.name
                        ),
                    )
                    .with_label("not found")
                    .with_help(help),
            );
        }
    }
}
