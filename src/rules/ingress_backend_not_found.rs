//! `ingress-backend-not-found`: an Ingress backend naming a Service that the checked paths do not
//! define in the Ingress's namespace, or a port that Service does not have. One missing Service
//! (or port) is one finding, however many backends name it.

use crate::model::diagnostic::Diagnostic;
use crate::index::summary::{Backend, PortRef};
use crate::index::Instance;
use crate::rules::{group_references, reference_count, with_other_references};
use crate::model::text::did_you_mean;

pub use crate::model::rule::ingress_backend_not_found as RULE;

/// What a backend names that does not exist: a Service, or a port of an existing Service.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Missing<'a> {
    Service {
        ns: &'a str,
        name: &'a str,
    },
    Port {
        ns: &'a str,
        service: &'a str,
        wanted: String,
    },
}

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    let mut missing = Vec::new();
    for ingress in &index.instances {
        let Some(ns) = ingress.namespace.as_deref() else {
            continue;
        };
        for backend in &ingress.object.ingress_backends {
            let Some(service) = index.find_from(ingress, Some(ns), "", "Service", &backend.service)
            else {
                if index.of_kind(Some(ns), "", "Service").is_empty()
                    || index.may_lack_objects_in(ns)
                {
                    // The namespace's Services are defined elsewhere, or in a document that
                    // could not be read.
                    continue;
                }
                let key = Missing::Service {
                    ns,
                    name: &backend.service,
                };
                missing.push((key, backend.location, (ingress, backend)));
                continue;
            };
            let Some(spec) = &service.object.service else {
                continue;
            };
            let (ok, wanted) = match &backend.port {
                Some(PortRef::Number(n)) => {
                    (spec.ports.iter().any(|p| p.port == Some(*n)), n.to_string())
                }
                Some(PortRef::Name(name)) => (
                    spec.ports.iter().any(|p| p.name.as_deref() == Some(name)),
                    format!("`{name}`"),
                ),
                None | Some(PortRef::Unrendered) => (true, String::new()),
            };
            if !ok {
                let at = backend.port_location.unwrap_or(backend.location);
                let key = Missing::Port {
                    ns,
                    service: &service.object.name,
                    wanted,
                };
                missing.push((key, at, (ingress, backend)));
            }
        }
    }
    for (what, references) in group_references(missing) {
        let (location, (ingress, backend)): (_, (&Instance, &Backend)) = references[0];
        let count = reference_count(&references);
        let diagnostic = match what {
            Missing::Service { ns, name } => {
                let names: Vec<&str> = index
                    .of_kind(Some(ns), "", "Service")
                    .iter()
                    .map(|&i| index.instances[i].object.name.as_str())
                    .collect();
                let help = match did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("no Service `{name}` in namespace `{ns}` in the checked paths"),
                };
                ingress
                    .diagnostic(
                        &RULE,
                        location,
                        format!(
                            "Ingress backend Service `{name}` does not exist in namespace `{ns}`{count}"
                        ),
                    )
                    .with_help(help)
            }
            Missing::Port {
                ns,
                service,
                wanted,
            } => {
                let Some(service) = index.find_from(ingress, Some(ns), "", "Service", service)
                else {
                    continue;
                };
                let have: Vec<String> = service
                    .object
                    .service
                    .as_ref()
                    .map_or(&[][..], |s| s.ports.as_slice())
                    .iter()
                    .map(|p| match (&p.name, p.port) {
                        (Some(name), Some(port)) => format!("{port} (`{name}`)"),
                        (None, Some(port)) => port.to_string(),
                        (Some(name), None) => format!("`{name}`"),
                        (None, None) => "?".into(),
                    })
                    .collect();
                ingress
                    .diagnostic(
                        &RULE,
                        location,
                        format!("Service `{}` has no port {wanted}{count}", backend.service),
                    )
                    .with_secondary(service.object.location, "Service defined here")
                    .with_help(format!("its ports are {}", have.join(", ")))
            }
        };
        out.push(with_other_references(diagnostic, &references));
    }
}
