//! `unknown-service-host`: a cluster DNS name `<service>.<namespace>[.svc[.cluster.local]]` in an
//! env value, command, argument or ConfigMap value, whose namespace the checked paths declare or
//! use, but where no Service of that name exists. Hosts in unknown namespaces are never reported
//! (they may be external names).

use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::index::pods;
use crate::index::{Index, Instance};
use crate::validate::did_you_mean;

pub static RULE: Rule = Rule {
    id: "unknown-service-host",
    severity: Severity::Warning,
    summary: "A `<service>.<namespace>` host name points at a Service that does not exist there.",
    doc: include_str!("../../rules/unknown-service-host.md"),
};

/// Whether `<pod>.<subdomain>` is the DNS name of a StatefulSet's pod in the namespace of the
/// object that names it (`web-0.nginx`: pod `web-0` of a StatefulSet whose `serviceName` is
/// `nginx`), which the resolver finds before a Service `web-0` in a namespace `nginx`.
fn is_statefulset_pod(index: &Index, from: &Instance, pod: &str, subdomain: &str) -> bool {
    let Some(ns) = from.namespace.as_deref() else {
        return false;
    };
    index.workloads_in(ns).any(|w| {
        w.object
            .pods
            .as_ref()
            .is_some_and(|p| p.subdomain.as_deref() == Some(subdomain))
            && pods::has_pod_named(&w.object, pod)
    })
}

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
                || is_statefulset_pod(index, instance, &host.service, ns)
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
