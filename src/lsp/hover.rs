//! `textDocument/hover`: on a finding, its rule; on a CronJob `schedule`, what it means and when
//! it fires next; on `apiVersion`, which releases serve it; on a label of a selector, which
//! objects of the workspace it selects.

use super::state::{Doc, Server, Texts, to_lsp};
use super::text::LineIndex;
use crate::diagnostics::FileId;
use crate::schema::apis::{self, Lifecycle};
use crate::schema::catalog;
use crate::source::SourceFile;
use crate::tree::{Entry, Node, Value};
use crate::{KubeVersion, cron, load};
use lsp_types as lsp;
use std::fmt::Write;

pub fn hover(server: &Server, params: &lsp::HoverParams) -> Option<lsp::Hover> {
    let at = &params.text_document_position_params;
    let doc = server.doc(&at.text_document.uri)?;
    let index = LineIndex::new(&doc.text);
    let offset = index.offset(&doc.text, at.position);
    let mut parts = Vec::new();
    if let Some(text) = findings_at(server, doc, at.position) {
        parts.push(text);
    }
    if let Some(text) = node_hover(server, doc, offset) {
        parts.push(text);
    }
    if parts.is_empty() {
        return None;
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

/// The rules of the findings whose range holds the position.
fn findings_at(server: &Server, doc: &Doc, position: lsp::Position) -> Option<String> {
    let found = server.findings_of(doc)?;
    let mut texts = Texts::new(server);
    let mut out = String::new();
    let mut seen = Vec::new();
    for d in &found.diagnostics {
        let range = to_lsp(d, &found, &mut texts).range;
        if range.start <= position && position <= range.end && !seen.contains(&d.rule.id) {
            seen.push(d.rule.id);
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            let _ = write!(
                out,
                "**{}** ({}): {}\n\n{}\n\n[{} documentation]({})",
                d.rule.id,
                d.severity,
                d.rule.summary,
                d.message,
                d.rule.id,
                d.rule.doc_url()
            );
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The YAML document at the offset and the mapping entries from its root to the offset.
fn node_hover(server: &Server, doc: &Doc, offset: usize) -> Option<String> {
    let engine = doc.path.as_deref().and_then(|p| server.engine_for(p));
    let limits = engine.map(|e| e.options.limits.clone()).unwrap_or_default();
    let target = engine.map_or(KubeVersion::NEWEST, |e| e.options.kubernetes_version);
    let file = SourceFile::new(FileId(0), String::new(), doc.text.clone());
    let loaded = load::load(&file, &limits);
    let offset = offset as u32;
    let document = loaded
        .documents
        .iter()
        .find(|d| d.root.span.start <= offset && offset <= d.root.span.end)?;
    let mut path = Vec::new();
    locate(&document.root, offset, &mut path);
    let keys: Vec<&str> = path.iter().filter_map(|e| e.key.as_str()).collect();
    let kind = document
        .root
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or("");
    let last = *path.last()?;
    match keys.as_slice() {
        ["apiVersion"] => api_version_hover(last.value.as_str()?, kind, target),
        ["spec", "schedule"] if kind == "CronJob" => {
            let zone = document
                .root
                .get_path(&["spec", "timeZone"])
                .and_then(Node::as_str);
            schedule_hover(last.value.as_str()?, zone)
        }
        [.., "selector", _]
        | [.., "selector", "matchLabels", _]
        | [.., "podSelector", "matchLabels", _] => {
            let selector = path.get(path.len().checked_sub(2)?)?;
            let Value::Map(pairs) = &selector.value.value else {
                return None;
            };
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .filter_map(|e| Some((e.key.as_str()?, scalar(&e.value)?)))
                .collect();
            let hovered = (last.key.as_str()?, scalar(&last.value)?);
            engine.map(|e| selector_hover(e, hovered, &pairs))
        }
        _ => None,
    }
}

fn scalar(node: &Node) -> Option<&str> {
    node.as_str()
}

/// Pushes the mapping entries whose key or value holds the offset, outermost first.
fn locate<'a>(node: &'a Node, offset: u32, path: &mut Vec<&'a Entry>) {
    let holds = |n: &Node| n.span.start <= offset && offset <= n.span.end;
    match &node.value {
        Value::Map(entries) => {
            if let Some(entry) = entries
                .iter()
                .find(|e| holds(&e.key) || (holds(&e.value) && e.value.span != e.key.span))
            {
                path.push(entry);
                if !holds(&entry.key) {
                    locate(&entry.value, offset, path);
                }
            }
        }
        Value::Seq(items) => {
            if let Some(item) = items.iter().find(|i| holds(i)) {
                locate(item, offset, path);
            }
        }
        _ => {}
    }
}

/// Which releases serve an apiVersion/kind.
fn api_version_hover(api_version: &str, kind: &str, target: KubeVersion) -> Option<String> {
    let catalog = catalog::catalog();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    if !apis::is_builtin_group(catalog, group) {
        return Some(format!(
            "`{api_version}` is not a built-in API group: a custom resource, served where its CustomResourceDefinition is installed"
        ));
    }
    let mut rows: Vec<(KubeVersion, KubeVersion, String)> = Vec::new();
    for (i, version) in catalog.versions.iter().enumerate() {
        let state = match apis::lifecycle(catalog, i, api_version, kind) {
            Lifecycle::Served {
                deprecation: None, ..
            } => "served".to_owned(),
            Lifecycle::Served {
                deprecation: Some(d),
                ..
            } => {
                let mut s = "served, deprecated".to_owned();
                if let Some(r) = d.removed_in {
                    let _ = write!(s, " (removed in {r})");
                }
                if let Some(instead) = d.instead {
                    let _ = write!(s, "; use {instead}");
                }
                s
            }
            Lifecycle::Removed {
                removed_in,
                replacement,
                ..
            } => {
                let mut s = format!("removed in {removed_in}");
                if let Some(r) = replacement {
                    let _ = write!(s, "; use {r}");
                }
                s
            }
            Lifecycle::NotYet { since, .. } => format!("not served yet (from {since})"),
            Lifecycle::Unknown { .. } => "not served".to_owned(),
        };
        match rows.last_mut() {
            Some((_, end, s)) if *s == state => *end = *version,
            _ => rows.push((*version, *version, state)),
        }
    }
    let mut out = format!("**{api_version} {kind}** by Kubernetes release (target {target}):\n");
    for (start, end, state) in rows {
        if start == end {
            let _ = writeln!(out, "- {start}: {state}");
        } else {
            let _ = writeln!(out, "- {start}–{end}: {state}");
        }
    }
    Some(out)
}

/// A CronJob schedule in words and its next five fire times.
fn schedule_hover(expr: &str, zone: Option<&str>) -> Option<String> {
    let parsed = match cron::parse_standard(expr) {
        Ok(parsed) => parsed,
        Err(e) => return Some(format!("Kubernetes rejects this schedule: {}", e.message)),
    };
    let zone_name = zone.unwrap_or("UTC");
    let schedule = parsed.schedule;
    let mut out = format!("**`{expr}`**: {}\n\n", schedule.describe());
    let Some(tz) = cron::time_zone(zone_name) else {
        let _ = write!(out, "unknown time zone `{zone_name}`");
        return Some(out);
    };
    if schedule.never_fires() {
        out.push_str("It never fires: Kubernetes accepts it but never creates a Job.");
        return Some(out);
    }
    let _ = writeln!(out, "Next runs ({zone_name}):");
    for fire in schedule.next_fires(&jiff::Timestamp::now().to_zoned(tz), 5) {
        let _ = writeln!(out, "- {}", fire.strftime("%a %Y-%m-%d %H:%M %Z"));
    }
    Some(out)
}

/// The workloads whose pods carry the hovered label, and those the whole selector selects.
fn selector_hover(
    engine: &super::engine::Engine,
    hovered: (&str, &str),
    selector: &[(&str, &str)],
) -> String {
    let mut with_label = Vec::new();
    let mut selected = Vec::new();
    for o in engine.objects() {
        let Some(pods) = &o.pods else {
            continue;
        };
        let has = |(k, v): (&str, &str)| pods.labels.iter().any(|(a, b)| a == k && b == v);
        let name = format!(
            "{} {}/{}",
            o.kind,
            o.namespace.as_deref().unwrap_or("default"),
            o.name
        );
        if has(hovered) {
            with_label.push(name.clone());
        }
        if selector.iter().all(|&p| has(p)) {
            selected.push(name);
        }
    }
    let list = |names: &[String]| {
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    format!(
        "Pod templates labelled `{}: {}`: {}\n\nSelected by the whole selector: {}",
        hovered.0,
        hovered.1,
        list(&with_label),
        list(&selected)
    )
}
