//! The references an object makes to others (ConfigMaps, Secrets, ServiceAccounts, claims,
//! HPA targets) and the service host names it mentions.

use super::read::*;
use super::summary::*;
use crate::check::Context;
use crate::k8s::placeholder;
use crate::load::tree::{Node, Value};
use crate::model::diagnostic::Location;

pub(super) fn reference(
    kind: RefKind,
    name: Option<&Node>,
    optional: Option<&Node>,
    cx: &Context<'_>,
    out: &mut Vec<Reference>,
) {
    let Some(name) = name else { return };
    let Some(text) = name
        .as_str()
        .filter(|s| !s.is_empty() && !placeholder::contains(s))
    else {
        return;
    };
    if optional.and_then(Node::as_bool) == Some(true) {
        return;
    }
    out.push(Reference {
        kind,
        target_kind: None,
        name: text.to_owned(),
        location: cx.loc(name.span),
    });
}

/// Where objects name other objects: (field holding the reference, key with the name, kind).
pub(super) type RefTable = [(&'static str, &'static str, RefKind)];
pub(super) const VOLUME_REFS: &RefTable = &[
    ("configMap", "name", RefKind::ConfigMap),
    ("secret", "secretName", RefKind::Secret),
    (
        "persistentVolumeClaim",
        "claimName",
        RefKind::PersistentVolumeClaim,
    ),
];
pub(super) const PROJECTED_REFS: &RefTable = &[
    ("configMap", "name", RefKind::ConfigMap),
    ("secret", "name", RefKind::Secret),
];
pub(super) const ENV_FROM_REFS: &RefTable = &[
    ("configMapRef", "name", RefKind::ConfigMap),
    ("secretRef", "name", RefKind::Secret),
];
pub(super) const VALUE_FROM_REFS: &RefTable = &[
    ("configMapKeyRef", "name", RefKind::ConfigMap),
    ("secretKeyRef", "name", RefKind::Secret),
];

/// Records the references a node holds according to a table (`optional: true` ones excepted).
pub(super) fn references_in(
    node: &Node,
    table: &RefTable,
    cx: &Context<'_>,
    out: &mut Vec<Reference>,
) {
    for (field, key, kind) in table {
        if let Some(source) = node.get(field) {
            reference(*kind, source.get(key), source.get("optional"), cx, out);
        }
    }
}

pub(super) fn collect_pod_refs(
    spec: &Node,
    claim_templates: &[&str],
    cx: &Context<'_>,
    summary: &mut ObjectSummary,
) {
    let refs = &mut summary.references;
    let account = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"));
    if account.and_then(Node::as_str) != Some("default") {
        reference(RefKind::ServiceAccount, account, None, cx, refs);
    }
    for secret in seq(spec.get("imagePullSecrets")) {
        reference(RefKind::Secret, secret.get("name"), None, cx, refs);
    }
    for volume in seq(spec.get("volumes")) {
        let name = volume.get("name").and_then(Node::as_str);
        if name.is_some_and(|n| claim_templates.contains(&n)) {
            continue;
        }
        references_in(volume, VOLUME_REFS, cx, refs);
        for source in seq(volume.get_path(&["projected", "sources"])) {
            references_in(source, PROJECTED_REFS, cx, refs);
        }
    }
}

pub(super) fn collect_arguments(
    container: &Node,
    cx: &Context<'_>,
    out: &mut Vec<(String, Location)>,
) {
    let env_values = seq(container.get("env"))
        .iter()
        .filter_map(|e| e.get("value"));
    let args = ["command", "args"]
        .into_iter()
        .flat_map(|key| seq(container.get(key)));
    for node in args.chain(env_values) {
        if let Value::Str(s) = &node.value {
            out.push((s.clone(), cx.loc(node.span)));
        }
    }
}

pub(super) fn collect_container_refs(
    container: &Node,
    cx: &Context<'_>,
    summary: &mut ObjectSummary,
) {
    for source in seq(container.get("envFrom")) {
        references_in(source, ENV_FROM_REFS, cx, &mut summary.references);
    }
    for env in seq(container.get("env")) {
        if let Some(value) = env.get("value") {
            collect_hosts(value, cx, &mut summary.hosts);
        }
        if let Some(from) = env.get("valueFrom") {
            references_in(from, VALUE_FROM_REFS, cx, &mut summary.references);
        }
    }
    for key in ["command", "args"] {
        for arg in seq(container.get(key)) {
            collect_hosts(arg, cx, &mut summary.hosts);
        }
    }
}

/// Finds `<service>.<namespace>`, `<service>.<namespace>.svc` and
/// `<service>.<namespace>.svc.cluster.local` in a string value (with any scheme, port or path
/// around them). Whether `<namespace>` is one the repository knows is decided later.
pub(super) fn collect_hosts(node: &Node, cx: &Context<'_>, out: &mut Vec<HostMention>) {
    // A mention is reported where it is written: in a context file, never (and scanning
    // dashboards' worth of ConfigMap data is a fifth of indexing a repository).
    if cx.context_only {
        return;
    }
    let Value::Str(text) = &node.value else {
        return;
    };
    let bytes = text.as_bytes();
    let is_host_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let mut found = Vec::new();
    // Every mention has a dot: the maximal runs of host bytes around each dot are those to
    // look at (a run without one, most words and numbers, is never read byte by byte; the dots
    // are found with memchr, which reads dashboards' worth of ConfigMap data a word at a time).
    let mut from = 0;
    while let Some(dot) = memchr::memchr(b'.', &bytes[from..]).map(|d| from + d) {
        let mut start = dot;
        while start > from && is_host_byte(bytes[start - 1]) {
            start -= 1;
        }
        let mut i = dot + 1;
        while i < bytes.len() && is_host_byte(bytes[i]) {
            i += 1;
        }
        from = i;
        // A run glued to `@` or `/` before it is a user, path or image name, not a host;
        // one followed by `@`, `(` or `/` without `://` is not one either.
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i).copied();
        if matches!(before, Some(b'@' | b'_' | b'$')) || matches!(after, Some(b'@' | b'(' | b'_')) {
            continue;
        }
        if before == Some(b'/') && !text[..start].ends_with("//") {
            continue;
        }
        let run = text[start..i].trim_end_matches('.');
        // Two, three or five labels (the shapes below): most runs (words, numbers) have no
        // dot and are passed over without splitting them.
        if !matches!(memchr::memchr_iter(b'.', run.as_bytes()).count(), 1 | 2 | 4) {
            continue;
        }
        let labels: Vec<&str> = run.split('.').collect();
        let shape_ok = matches!(
            labels.as_slice(),
            [_, _] | [_, _, "svc"] | [_, _, "svc", "cluster", "local"]
        );
        if !shape_ok
            || !labels
                .iter()
                .take(2)
                .all(|l| crate::k8s::validate::dns1123_label(l).is_empty())
        {
            continue;
        }
        if labels[0].bytes().all(|b| b.is_ascii_digit())
            || labels[1].bytes().all(|b| b.is_ascii_digit())
        {
            continue; // version numbers, IP fragments
        }
        found.push((start..start + run.len(), labels[0], labels[1]));
    }
    // Placed in one reading of the scalar's text.
    let ranges: Vec<std::ops::Range<usize>> = found.iter().map(|(r, ..)| r.clone()).collect();
    for ((range, service, namespace), span) in found.into_iter().zip(cx.spans_within(node, &ranges))
    {
        out.push(HostMention {
            service: service.to_owned(),
            namespace: namespace.to_owned(),
            text: text[range].to_owned(),
            location: cx.loc(span),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckOptions;
    use crate::load::{Limits, load};
    use crate::model::diagnostic::FileId;
    use crate::model::source::SourceFile;

    /// The mentions of a plain scalar: (service, namespace, text, line, column).
    fn hosts(value: &str) -> Vec<(String, String, String, u32, u32)> {
        let text = format!("value: {value}\n");
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text);
        let root = load(&file, &Limits::default()).documents.remove(0).root;
        let options = CheckOptions::default();
        let cx = Context::new(&file, &options);
        let mut out = Vec::new();
        collect_hosts(root.get("value").unwrap(), &cx, &mut out);
        out.into_iter()
            .map(|h| {
                let p = h.location.start;
                (h.service, h.namespace, h.text, p.line, p.column)
            })
            .collect()
    }

    #[test]
    fn hosts_are_found_in_every_shape_and_nothing_else() {
        let found = hosts(
            "http://api.prod.svc.cluster.local:8080/x db.staging v1.2 user@mail.ns \
             /path/a.b a.b.c.d cache.ops.svc. 10.prod x.y_z ./rel.ns web.edge.svc",
        );
        let want: Vec<(String, String, String, u32, u32)> = [
            ("api", "prod", "api.prod.svc.cluster.local", 1, 15),
            ("db", "staging", "db.staging", 1, 49),
            ("cache", "ops", "cache.ops.svc", 1, 96),
            ("web", "edge", "web.edge.svc", 1, 134),
        ]
        .into_iter()
        .map(|(s, n, t, l, c)| (s.into(), n.into(), t.into(), l, c))
        .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn a_string_without_a_dot_or_with_only_dots_has_no_host() {
        assert!(hosts("plain words and 42 numbers").is_empty());
        assert!(hosts("'...'").is_empty());
        assert!(hosts("'.prod'").is_empty());
        assert!(hosts("'api.'").is_empty());
    }
}
