//! `probe-port-not-found`: a probe or hook that refers to a port by name must find that name
//! among the container's ports. The API server does not check this; the kubelet fails the probe
//! at run time, so the container never becomes ready or is restarted over and over.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::text::did_you_mean;
use crate::k8s::intstr::{PortRef, port_name_errors};
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;
use crate::model::text::code_list;

pub use crate::model::rule::probe_port_not_found as RULE;

const HANDLERS: [&[&str]; 5] = [
    &["livenessProbe"],
    &["readinessProbe"],
    &["startupProbe"],
    &["lifecycle", "postStart"],
    &["lifecycle", "preStop"],
];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        if container.list == ContainerList::Ephemeral {
            continue;
        }
        let names: Vec<String> = container
            .child("ports")
            .map(|p| {
                p.items()
                    .iter()
                    .filter_map(|port| port.child("name").and_then(|n| n.str().map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default();
        for path in HANDLERS {
            let Some(handler) = container.field.at(path).filter(|f| f.node.is_map()) else {
                continue;
            };
            for kind in ["httpGet", "tcpSocket"] {
                let Some(port) = handler.at(&[kind, "port"]) else {
                    continue;
                };
                let Some(PortRef::Name(name)) = PortRef::of(port.node) else {
                    continue;
                };
                // Malformed names are invalid-probe's finding.
                if !port_name_errors(name).is_empty() || names.iter().any(|n| n == name) {
                    continue;
                }
                let help = match did_you_mean(name, names.iter().map(String::as_str)) {
                    Some(near) => format!(
                        "did you mean `{near}`? {} has {} {}",
                        container.describe(),
                        if names.len() == 1 { "the port" } else { "the ports" },
                        code_list(&names)
                    ),
                    None if names.is_empty() => format!(
                        "{} declares no named ports: add `ports: [{{name: {name}, containerPort: ...}}]` or use the port number",
                        container.describe()
                    ),
                    None if names.len() == 1 => format!(
                        "{} has the port {}; use it or the port number",
                        container.describe(),
                        code_list(&names)
                    ),
                    None => format!(
                        "{} has the ports {}; use one of them or the port number",
                        container.describe(),
                        code_list(&names)
                    ),
                };
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(port.node.span),
                        format!(
                            "{}: port {name:?} is not a named port of {}",
                            port.path,
                            container.describe()
                        ),
                    )
                    .with_label("no port with this name")
                    .with_help(format!(
                        "{help}; the kubelet cannot resolve the name, so the check fails every time"
                    )),
                );
            }
        }
    }
}
