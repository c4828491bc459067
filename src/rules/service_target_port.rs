//! `service-target-port`: a Service port whose `targetPort` is not a port of the pods it selects —
//! a name that no selected container declares, or a number that none declares where the
//! containers do declare their ports.

use crate::model::diagnostic::Diagnostic;
use crate::index::summary::{ContainerPort, PortRef};

pub use crate::model::rule::service_target_port as RULE;

pub fn check_repo(repo: &super::Repo<'_>, out: &mut Vec<Diagnostic>) {
    let index = repo.index;
    for (_, service) in index.subjects() {
        let Some(spec) = &service.object.service else {
            continue;
        };
        let (Some((selector, _)), Some(ns)) = (&spec.selector, service.namespace.as_deref()) else {
            continue;
        };
        let selected: Vec<_> = index
            .workloads_selected_by(selector)
            .into_iter()
            .filter(|w| w.namespace.as_deref() == Some(ns) && index.visible(service, w))
            .collect();
        if selected.is_empty() || index.may_lack_objects_in(ns) {
            // service-selects-nothing says so; or a document that could not be read may hold
            // other selected pods.
            continue;
        }
        let ports: Vec<&ContainerPort> = selected
            .iter()
            .flat_map(|w| &w.object.pods.as_ref().unwrap().ports)
            .collect();
        let names = || {
            let mut names: Vec<&str> = ports.iter().filter_map(|p| p.name.as_deref()).collect();
            names.sort_unstable();
            names.dedup();
            names
        };
        for port in &spec.ports {
            let target = port.target.clone().or(port.port.map(PortRef::Number));
            let (message, help) = match target {
                Some(PortRef::Name(name))
                    if !ports
                        .iter()
                        .any(|p| p.name.as_deref() == Some(name.as_str())) =>
                {
                    let known = names();
                    let suggestion = crate::model::text::did_you_mean(&name, known.iter().copied());
                    (
                        format!("targetPort `{name}` is not the name of a container port of the selected pods ({})", selected[0].display()),
                        match suggestion {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if known.is_empty() => "the selected containers declare no named ports; name one, or use the port number".to_owned(),
                            None => format!("the selected containers name their ports {}", crate::model::text::code_list(&known)),
                        },
                    )
                }
                Some(PortRef::Number(n))
                    if !ports.is_empty() && !ports.iter().any(|p| p.number == n) =>
                {
                    let mut numbers: Vec<i64> = ports.iter().map(|p| p.number).collect();
                    numbers.sort_unstable();
                    numbers.dedup();
                    (
                        format!(
                            "targetPort {n} is not a container port of the selected pods ({})",
                            selected[0].display()
                        ),
                        format!(
                            "the selected containers declare {}; traffic to port {n} is likely refused",
                            numbers
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                }
                _ => continue,
            };
            // Without a targetPort the Service sends to its own `port`: say so at the caret.
            let label = match (&port.target, port.port) {
                (None, Some(n)) => format!("no targetPort: it defaults to port {n}"),
                _ => "not a container port".to_owned(),
            };
            out.push(
                service
                    .diagnostic(&RULE, port.location, message)
                    .with_label(label)
                    .with_help(help),
            );
        }
    }
}
