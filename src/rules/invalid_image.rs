//! `invalid-image`: every container needs an `image`; a bare Pod's image may not have leading
//! or trailing white space (reference §2.2 CTR-IMAGE, CTR-IMAGE-WS).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::pod::ContainerList;
use crate::k8s::workload;

pub use crate::model::rule::invalid_image as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        let field = container.child("image");
        let image = match &field {
            Some(f) if !f.is_null() => match f.str() {
                Some(s) => s,
                None => continue,
            },
            _ => "",
        };
        // Formatted only for a finding: most containers have none.
        let path = || format!("{}.image", container.field.path);
        if image.is_empty() {
            if container.list == ContainerList::Ephemeral || cx.is_partial() {
                continue;
            }
            let at = field
                .as_ref()
                .map_or_else(|| container.name_span(), |f| f.value_span());
            cx.report(
                Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&path(), ""))
                    .with_label(format!("{} has no image", container.describe()))
                    .with_help("set the container image, e.g. `image: nginx:1.27`"),
            );
        } else if pod.kind == Kind::Pod && image.trim() != image {
            let node = field.as_ref().expect("a non-empty image has a field").node;
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(node.span),
                    apimachinery::invalid(
                        &path(),
                        &go_quote(image),
                        "must not have leading or trailing whitespace",
                    ),
                )
                .with_label("white space around the image")
                .with_help(format!("write `image: {}`", image.trim())),
            );
        }
    }
}
