//! `invalid-probe`: probes and lifecycle hooks (reference §2.3 PROBE-HANDLER, PROBE-EXEC,
//! PROBE-HTTP, PROBE-PORT-STRING, PROBE-SUCCESS-1, PROBE-TGPS, §2.2 INIT-NO-PROBES): exactly one
//! handler, a command for exec, valid ports (a quoted number is a port *name*), successThreshold
//! 1 for liveness and startup probes, and no probes on plain init containers. Negative timings
//! are `negative-value`'s finding; named ports missing from the container `probe-port-not-found`'s.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_value;
use crate::k8s::field::Field;
use crate::k8s::intstr::PortRef;
use crate::k8s::pod::{Container, ContainerList};
use crate::k8s::workload;

pub use crate::model::rule::invalid_probe as RULE;

pub const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];
const PROBE_HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "grpc"];
const HOOK_HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "sleep"];

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        if container.list == ContainerList::Init && !container.is_sidecar() {
            for key in PROBES.iter().copied().chain(["lifecycle"]) {
                if let Some(f) = container.child(key).filter(|f| !f.is_null()) {
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(f.key), apimachinery::forbidden(&f.path, "may not be set for init containers without restartPolicy=Always"))
                            .with_label("init containers run to completion")
                            .with_help("an init container runs once before the others start, so it has no probes or hooks; remove them, or make it a sidecar with `restartPolicy: Always`"),
                    );
                }
            }
            continue;
        }
        if container.list == ContainerList::Ephemeral {
            continue;
        }
        for key in PROBES {
            let Some(probe) = container.child(key).filter(|f| f.node.is_map()) else {
                continue;
            };
            handlers(cx, &probe, PROBE_HANDLERS);
            ports(cx, &probe, container);
            if key != "readinessProbe"
                && let Some(f) = probe.child("successThreshold")
                && let Some(n) = f.int().filter(|n| *n > 1)
            {
                cx.report(
                            Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::invalid(&f.path, &n.to_string(), "must be 1"))
                                .with_label(format!("only 1 for a {key}"))
                                .with_help("one success is enough to count a liveness or startup probe as passed; remove successThreshold (it defaults to 1)"),
                        );
            }
            if let Some(f) = probe
                .child("terminationGracePeriodSeconds")
                .filter(|f| !f.is_null())
            {
                let Some(n) = f.int() else {
                    continue;
                };
                if key == "readinessProbe" {
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(f.key), apimachinery::invalid(&f.path, &n.to_string(), "must not be set for readinessProbes"))
                            .with_label("readiness probes do not kill the container")
                            .with_help("terminationGracePeriodSeconds applies when a failed liveness or startup probe kills the container; remove it here"),
                    );
                } else if n <= 0 {
                    cx.report(
                        Diagnostic::new(&RULE, cx.loc(f.node.span), apimachinery::invalid(&f.path, &n.to_string(), "must be greater than 0"))
                            .with_label("not positive")
                            .with_help("give the container at least 1 second to stop, or leave the field out to use the pod's terminationGracePeriodSeconds"),
                    );
                }
            }
        }
        if let Some(lifecycle) = container.child("lifecycle").filter(|f| f.node.is_map()) {
            for hook in ["postStart", "preStop"] {
                if let Some(h) = lifecycle.child(hook).filter(|f| f.node.is_map()) {
                    handlers(cx, &h, HOOK_HANDLERS);
                    ports(cx, &h, container);
                }
            }
        }
    }
}

/// Exactly one handler; exec has a command.
fn handlers(cx: &mut Context<'_>, probe: &Field<'_>, kinds: &[&str]) {
    let present: Vec<Field<'_>> = kinds
        .iter()
        .filter_map(|k| probe.child(k).filter(|f| !f.is_null()))
        .collect();
    match present.as_slice() {
        [] if cx.is_partial() => {}
        [] => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(probe.key),
                apimachinery::required(&probe.path, "must specify a handler type"),
            )
            .with_label("no handler")
            .with_help(format!(
                "say how to check, with one of {}",
                crate::model::text::join_or(&kinds.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>())
            )),
        ),
        [_] => {}
        [first, second, ..] => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(second.key),
                apimachinery::forbidden(&second.path, "may not specify more than 1 handler type"),
            )
            .with_label("second handler")
            .with_secondary(cx.loc(first.key), "first handler")
            .with_help("a probe or hook has exactly one handler; keep one"),
        ),
    }
    if let Some(exec) = probe.child("exec").filter(|f| f.node.is_map()) {
        let command = exec.child("command");
        let empty = match &command {
            None => true,
            Some(c) => c.is_null() || c.node.as_seq().is_some_and(<[_]>::is_empty),
        };
        if empty {
            let at = command.map_or(exec.key, |c| c.key);
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(at),
                    apimachinery::required(&format!("{}.command", exec.path), ""),
                )
                .with_label("no command")
                .with_help("give the command to run, e.g. `command: [cat, /tmp/healthy]`"),
            );
        }
    }
}

/// Port numbers and names of httpGet, tcpSocket and grpc.
fn ports(cx: &mut Context<'_>, probe: &Field<'_>, container: &Container<'_>) {
    for handler in ["httpGet", "tcpSocket", "grpc"] {
        let Some(port) = probe.at(&[handler, "port"]).filter(|f| !f.is_null()) else {
            continue;
        };
        let Some(value) = PortRef::of(port.node) else {
            continue;
        };
        let grpc_name = handler == "grpc" && matches!(value, PortRef::Name(_));
        let errors = value.errors();
        if errors.is_empty() || grpc_name {
            continue;
        }
        let quoted_number = matches!(value, PortRef::Name(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let help = if quoted_number {
            format!(
                "a quoted port is a port *name*; write the number without quotes: `port: {}`",
                port.str().unwrap_or_default()
            )
        } else {
            match value {
                PortRef::Number(_) => "port numbers run from 1 to 65535".to_owned(),
                PortRef::Name(_) => format!(
                    "use a port number, or the name of one of {}'s ports (at most 15 lower-case letters, digits and '-')",
                    container.describe()
                ),
            }
        };
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(port.node.span),
                apimachinery::invalid(&port.path, &go_value(port.node), &errors.join(", ")),
            )
            .with_label(if quoted_number {
                "a name, not a number"
            } else {
                "not a valid port"
            })
            .with_help(help),
        );
    }
}
