//! `latest-tag` (hygiene): an image with the `:latest` tag or no tag at all (which means
//! latest) is not reproducible: each node may run a different image, and rollbacks do not roll
//! back the code. Images pinned by digest are fine.

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::workload;

pub use crate::model::rule::latest_tag as RULE;

/// The tag of an image reference, `None` when it has none; digests count as pinned (`Some("@")`).
pub fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
}

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec(object) else {
        return;
    };
    for container in pod.containers() {
        let Some(field) = container.child("image") else {
            continue;
        };
        let Some(image) = field.str().map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        // Unrendered placeholders are not images yet.
        if crate::k8s::placeholder::contains(image) {
            continue;
        }
        let untagged = image
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(image, |(n, _)| n);
        if cx.project.image_tagged_by_tool(untagged).is_some() {
            continue; // skaffold or kustomize sets the tag when deploying
        }
        let message = match tag(image) {
            Some("latest") => format!(
                "{}.image: {image:?} uses the `latest` tag",
                container.field.path
            ),
            None => format!(
                "{}.image: {image:?} has no tag, which means `latest`",
                container.field.path
            ),
            Some(_) => continue,
        };
        cx.report(
            Diagnostic::new(&RULE, cx.loc(field.node.span), message)
                .with_label("not pinned")
                .with_help(format!("pin a version tag (`{untagged}:1.2.3`) or a digest (`{untagged}@sha256:…`): with `latest` each node may run a different image, a rollback does not roll back the code, and imagePullPolicy defaults to Always")),
        );
    }
}
