//! `invalid-container-name`: container names are required DNS-1123 labels, unique across
//! `containers`, `initContainers` and `ephemeralContainers` (reference §2.2 CTR-NAME,
//! CTR-NAME-UNIQUE).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::model::span::Span;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::invalid_container_name as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    let mut seen: Vec<(String, Span)> = Vec::new();
    for container in pod.containers() {
        let field = container.child("name");
        let name = match &field {
            Some(f) if !f.is_null() => match f.str() {
                Some(s) => s,
                None => continue, // another type: the schema's finding
            },
            _ => "",
        };
        // Formatted only for a finding: most containers have none.
        let path = || format!("{}.name", container.field.path);
        if name.is_empty() && cx.is_partial() {
            continue;
        }
        if name.is_empty() {
            let at = field
                .as_ref()
                .map_or(container.field.node.span, |f| f.value_span());
            cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&path(), ""))
                    .with_label("container without a name")
                    .with_help(
                        "every container needs a name: a lower-case DNS label such as `app`",
                    ),
            );
            continue;
        }
        let node = field.as_ref().expect("a non-empty name has a field").node;
        let errors = validate::dns1123_label(name);
        if !errors.is_empty() {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(node.span), apimachinery::invalid(&path(), &go_quote(name), &errors.join(", ")))
                    .with_label("not a DNS label")
                    .with_help("a container name has at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"),
            );
        }
        if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(node.span), apimachinery::duplicate(&path(), &go_quote(name)))
                    .with_label("used twice")
                    .with_secondary(cx.loc(*first), "first used here")
                    .with_help("names must be unique across containers, init containers and ephemeral containers; rename one of them"),
            );
        } else {
            seen.push((name.to_owned(), node.span));
        }
    }
}
