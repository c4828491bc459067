//! `unknown-service-host`: a cluster DNS name `<service>.<namespace>[.svc[.cluster.local]]` in an
//! env value, command, argument or ConfigMap value, whose namespace the checked paths declare or
//! use, but where no Service of that name exists. Hosts in unknown namespaces are never reported
//! (they may be external names).

use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::index::Index;
use crate::validate::did_you_mean;

pub static RULE: Rule = Rule {
    id: "unknown-service-host",
    severity: Severity::Warning,
    summary: "A `<service>.<namespace>` host name points at a Service that does not exist there.",
    doc: include_str!("../../rules/unknown-service-host.md"),
};

pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    let known = index.known_namespaces();
    for instance in &index.instances {
        for host in &instance.object.hosts {
            let ns = host.namespace.as_str();
            let services: Vec<&str> = index
                .of_kind(Some(ns), "", "Service")
                .iter()
                .map(|&i| index.instances[i].object.name.as_str())
                .collect();
            // Only where the paths show the namespace's Services: a single file checked on
            // its own says nothing about Services defined elsewhere.
            if !known.contains(ns)
                || services.is_empty()
                || services.contains(&host.service.as_str())
                || index.may_lack_objects_in(ns)
            {
                continue;
            }
            let elsewhere = index.instances.iter().find(|i| {
                i.is("", "Service") && i.object.name == host.service && i.namespace.is_some()
            });
            let help = match (
                did_you_mean(&host.service, services.iter().copied()),
                elsewhere,
            ) {
                (Some(s), _) => format!(
                    "did you mean `{}`?",
                    host.text.replacen(&host.service, s, 1)
                ),
                (None, Some(other)) => format!(
                    "Service `{}` exists in namespace `{}`, not `{ns}`",
                    host.service,
                    other.namespace.as_deref().unwrap_or_default()
                ),
                (None, None) => format!(
                    "no Service `{}` in namespace `{ns}` in the checked paths",
                    host.service
                ),
            };
            out.push(
                instance
                    .diagnostic(
                        &RULE,
                        host.location,
                        format!(
                            "`{}` names Service `{}` in namespace `{ns}`, which does not exist",
                            host.text, host.service
                        ),
                    )
                    .with_label("unknown Service")
                    .with_help(help),
            );
        }
    }
}
