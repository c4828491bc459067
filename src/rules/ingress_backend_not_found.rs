//! `ingress-backend-not-found`: an Ingress backend naming a Service that the checked paths do not
//! define in the Ingress's namespace, or a port that Service does not have.

use crate::diagnostics::{Diagnostic, Rule, Severity};
use crate::index::Index;
use crate::index::summary::PortRef;
use crate::validate::did_you_mean;

pub static RULE: Rule = Rule {
    id: "ingress-backend-not-found",
    severity: Severity::Warning,
    summary: "An Ingress routes to a Service (or Service port) that does not exist in its namespace.",
    doc: include_str!("../../rules/ingress-backend-not-found.md"),
};

pub fn check_repo(index: &Index, out: &mut Vec<Diagnostic>) {
    for ingress in &index.instances {
        let Some(ns) = ingress.namespace.as_deref() else {
            continue;
        };
        let services = index.of_kind(Some(ns), "", "Service");
        for backend in &ingress.object.ingress_backends {
            let Some(service) = index.find(Some(ns), "", "Service", &backend.service) else {
                if services.is_empty() || index.may_lack_objects_in(ns) {
                    // The namespace's Services are defined elsewhere, or in a document that
                    // could not be read.
                    continue;
                }
                let names: Vec<&str> = services
                    .iter()
                    .map(|&i| index.instances[i].object.name.as_str())
                    .collect();
                let help = match did_you_mean(&backend.service, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "no Service `{}` in namespace `{ns}` in the checked paths",
                        backend.service
                    ),
                };
                out.push(
                    ingress
                        .diagnostic(
                            &RULE,
                            backend.location,
                            format!(
                                "Ingress backend Service `{}` does not exist in namespace `{ns}`",
                                backend.service
                            ),
                        )
                        .with_help(help),
                );
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
                None => (true, String::new()),
            };
            if !ok {
                let have: Vec<String> = spec
                    .ports
                    .iter()
                    .map(|p| match (&p.name, p.port) {
                        (Some(name), Some(port)) => format!("{port} (`{name}`)"),
                        (None, Some(port)) => port.to_string(),
                        (Some(name), None) => format!("`{name}`"),
                        (None, None) => "?".into(),
                    })
                    .collect();
                out.push(
                    ingress
                        .diagnostic(
                            &RULE,
                            backend.port_location.unwrap_or(backend.location),
                            format!("Service `{}` has no port {wanted}", backend.service),
                        )
                        .with_secondary(service.object.location, "Service defined here")
                        .with_help(format!("its ports are {}", have.join(", "))),
                );
            }
        }
    }
}
