//! `duplicate-env-var`: the same env var name twice in a container. The API server accepts it
//! with a warning (reference §2.2 CTR-ENV-DUP): the last definition wins, and `kubectl apply`
//! may drop one of them when it merges.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::workload;

pub use crate::model::rule::duplicate_env_var as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        let Some(env) = container.child("env") else {
            continue;
        };
        let mut seen: Vec<(String, Span)> = Vec::new();
        for var in env.items() {
            let Some(name_field) = var.child("name") else {
                continue;
            };
            let Some(name) = name_field.str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let Some((_, first)) = seen.iter().find(|(n, _)| n == name) else {
                seen.push((name.to_owned(), name_field.node.span));
                continue;
            };
            // `X=$(X):extra` deliberately builds on the earlier definition.
            let refers_back = var
                .child("value")
                .and_then(|v| v.str())
                .is_some_and(|v| v.contains(&format!("$({name})")));
            if refers_back {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(name_field.node.span),
                    format!("{}: hides previous definition of {name:?}, which may be dropped when using apply", var.path),
                )
                .with_label("defined again")
                .with_secondary(cx.loc(*first), "first defined here")
                .with_help("only the last definition takes effect; remove one of them"),
            );
        }
    }
}
