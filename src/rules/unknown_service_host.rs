//! `unknown-service-host`: a cluster DNS name `<service>.<namespace>[.svc[.cluster.local]]` in an
//! env value, command, argument or ConfigMap value, whose namespace the checked paths declare or
//! use, but where no Service of that name exists. Hosts in unknown namespaces are never reported
//! (they may be external names).

use crate::model::diagnostic::Diagnostic;
use crate::index::pods;
use crate::index::{Index, Instance};
use crate::rules::{group_references, reference_count, with_other_references};
use crate::model::text::did_you_mean;

pub use crate::model::rule::unknown_service_host as RULE;

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

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    let known = index.known_namespaces();
    let mut unknown = Vec::new();
    for instance in &index.instances {
        for host in &instance.object.hosts {
            let ns = host.namespace.as_str();
            let services = index.of_kind(Some(ns), "", "Service");
            // Only where the paths show the namespace's Services: a single file checked on
            // its own says nothing about Services defined elsewhere.
            if !known.contains(ns)
                || services.is_empty()
                || index
                    .find_from(instance, Some(ns), "", "Service", &host.service)
                    .is_some()
                || is_statefulset_pod(index, instance, &host.service, ns)
                || index.may_lack_objects_in(ns)
            {
                continue;
            }
            unknown.push(((ns, host.service.as_str()), host.location, (instance, host)));
        }
    }
    // One missing Service is one finding, however many values name it.
    for ((ns, service), mentions) in group_references(unknown) {
        let (location, (instance, host)) = mentions[0];
        let services: Vec<&str> = index
            .of_kind(Some(ns), "", "Service")
            .iter()
            .map(|&i| index.instances[i].object.name.as_str())
            .collect();
        let elsewhere = index
            .instances
            .iter()
            .find(|i| i.is("", "Service") && i.object.name == service && i.namespace.is_some());
        let help = match (did_you_mean(service, services.iter().copied()), elsewhere) {
            (Some(s), _) => format!("did you mean `{}`?", host.text.replacen(service, s, 1)),
            (None, Some(other)) => format!(
                "Service `{service}` exists in namespace `{}`, not `{ns}`",
                other.namespace.as_deref().unwrap_or_default()
            ),
            (None, None) => {
                format!("no Service `{service}` in namespace `{ns}` in the checked paths")
            }
        };
        let diagnostic = instance
            .diagnostic(
                &RULE,
                location,
                format!(
                    "`{}` names Service `{service}` in namespace `{ns}`, which does not exist{}",
                    host.text,
                    reference_count(&mentions)
                ),
            )
            .with_label("unknown Service")
            .with_help(help);
        out.push(with_other_references(diagnostic, &mentions));
    }
}
