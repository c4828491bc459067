//! `replacements`, as kustomize 5.5 applies them (sigs.k8s.io/kustomize
//! `api/filters/replacement/replacement.go`): the value at a source's `fieldPath` (a part of it
//! with `options.delimiter`/`index`) is copied into the `fieldPaths` of every selected target.
//! A scalar target keeps its type (only its text changes); a map, a list or a created field
//! takes the source node.

use super::kust::{Kust, Walk, same_ns};
use super::node::{Origin, RNode, RValue};
use super::scalars;
use super::target::Selector;
use super::{Files, RenderError, Resource};
use crate::load::tree::Node;

/// kustomize's `ResId` as a selector: empty fields select anything.
#[derive(Default)]
struct IdSel {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
}

impl IdSel {
    fn read(node: &Node) -> IdSel {
        let text = |key: &str| {
            node.get(key)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        IdSel {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
        }
    }

    fn is_empty(&self) -> bool {
        self.group.is_none()
            && self.version.is_none()
            && self.kind.is_none()
            && self.name.is_none()
            && self.namespace.is_none()
    }

    /// Whether any of the ids the object had is selected (`ResId.IsSelectedBy`).
    fn selects(&self, r: &Resource, id: &(String, String)) -> bool {
        let (g, v) = r.group_version();
        let no = |sel: &Option<String>, x: &str| sel.as_deref().is_some_and(|s| s != x);
        !(no(&self.group, g)
            || no(&self.version, v)
            || no(&self.kind, r.kind())
            || no(&self.name, &id.1))
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| same_ns(ns, &id.0))
    }

    /// `Kind.version.group/name.namespace` with kustomize's placeholders.
    fn describe(&self) -> String {
        let or = |s: &Option<String>, d: &str| s.clone().unwrap_or_else(|| d.to_owned());
        format!(
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

#[derive(Default)]
struct Options {
    delimiter: String,
    index: i64,
    create: bool,
}

impl Options {
    fn read(node: Option<&Node>) -> Options {
        let Some(node) = node else {
            return Options::default();
        };
        Options {
            delimiter: node
                .get("delimiter")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned(),
            index: node
                .get("index")
                .and_then(|n| match n.value {
                    crate::load::tree::Value::Int(i) => i64::try_from(i).ok(),
                    _ => None,
                })
                .unwrap_or(0),
            create: node.get("create").and_then(Node::as_bool) == Some(true),
        }
    }
}

pub(crate) fn run(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut [Resource],
) -> Result<(), RenderError> {
    for entry in k.seq("replacements") {
        let at = Some(k.origin(entry));
        if let Some(path) = entry.get("path").and_then(Node::as_str) {
            if entry.get("source").is_some() || entry.get("targets").is_some() {
                return Err(RenderError::new(
                    "cannot specify both path and inline replacement",
                    at,
                ));
            }
            let file_path = crate::index::kustomize::normalize(&k.dir.join(path));
            let file = walk
                .files
                .read(&file_path)
                .map_err(|e| RenderError::new(e, at))?;
            walk.files.documents(file)?;
            let loaded = walk.files.loaded(file);
            // kustomize unmarshals the file once: its first document (a list of replacements
            // or one), the others ignored.
            let doc = loaded.documents.first().map(|d| &d.root);
            match doc.map(|d| (d, d.as_seq())) {
                Some((_, Some(list))) => {
                    for one in list {
                        replace(walk.files, one, resources, at)?;
                    }
                }
                Some((doc, None)) if doc.is_map() => replace(walk.files, doc, resources, at)?,
                // Nothing (an empty file, a comment, null) or a scalar: not a replacement.
                _ => {
                    return Err(RenderError::new(
                        "unsupported replacement type encountered within replacement path: invalid",
                        at,
                    ));
                }
            }
        } else {
            replace(walk.files, entry, resources, at)?;
        }
    }
    Ok(())
}

fn replace(
    files: &Files,
    entry: &Node,
    resources: &mut [Resource],
    at: Option<Origin>,
) -> Result<(), RenderError> {
    let err = |m: String| RenderError::new(m, at);
    let Some(source) = entry.get("source") else {
        return Err(err("replacement source must be specified".into()));
    };
    let targets = entry
        .get("targets")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    if targets.is_empty() {
        return Err(err(
            "replacements must specify a source and at least one target".into(),
        ));
    }
    let sel = IdSel::read(source);
    let mut found = None;
    for (i, r) in resources.iter().enumerate() {
        if r.ids.iter().any(|id| sel.selects(r, id)) {
            if found.is_some() {
                return Err(err(format!(
                    "multiple matches for selector {}",
                    sel.describe()
                )));
            }
            found = Some(i);
        }
    }
    let Some(i) = found else {
        return Err(err(format!("nothing selected by {}", sel.describe())));
    };
    let field_path = source
        .get("fieldPath")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("metadata.name");
    let path = split_path(field_path);
    // (A null value is no value.)
    let Some(node) = lookup(&resources[i].root, &path).filter(|n| n.value != RValue::Null) else {
        return Err(err(format!(
            "fieldPath `{field_path}` is missing for replacement source {}",
            sel.describe()
        )));
    };
    let options = Options::read(source.get("options"));
    // `untagged`: a part of a delimited value, which kustomize writes as a plain scalar.
    let (value, untagged) = if options.delimiter.is_empty() {
        (node.clone(), false)
    } else {
        let Some(text) = node.scalar_text() else {
            return Err(err(
                "delimiter option can only be used with scalar nodes".into()
            ));
        };
        let parts: Vec<&str> = text.split(options.delimiter.as_str()).collect();
        let Some(part) = usize::try_from(options.index)
            .ok()
            .and_then(|i| parts.get(i))
        else {
            return Err(err(format!(
                "options.index {} is out of bounds for value {text}",
                options.index
            )));
        };
        (RNode::str(*part, node.origin), true)
    };
    // kyaml copies a scalar's text as written (`0x10`, a plain date), not what it resolves to.
    let text = scalars::text_of(files, &value);
    for target in targets {
        apply_target(target, resources, (&value, text.as_deref()), untagged, at)?;
    }
    Ok(())
}

fn apply_target(
    target: &Node,
    resources: &mut [Resource],
    (value, text): (&RNode, Option<&str>),
    untagged: bool,
    at: Option<Origin>,
) -> Result<(), RenderError> {
    let err = |m: String| RenderError::new(m, at);
    let Some(select) = target.get("select") else {
        return Err(err("target must specify resources to select".into()));
    };
    let selector = |node: &Node, key: &str| -> Result<Option<Selector>, RenderError> {
        match node
            .get(key)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Selector::parse(s)
                .map(Some)
                .ok_or_else(|| err(format!("unable to parse requirement: `{s}`"))),
            None => Ok(None),
        }
    };
    let select_id = IdSel::read(select);
    let select_labels = selector(select, "labelSelector")?;
    let select_annotations = selector(select, "annotationSelector")?;
    let rejects = target
        .get("reject")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let mut reject_ids = Vec::new();
    let mut reject_sels = Vec::new();
    for r in rejects {
        reject_ids.push(IdSel::read(r));
        reject_sels.push((
            selector(r, "labelSelector")?,
            selector(r, "annotationSelector")?,
        ));
    }
    let options = Options::read(target.get("options"));
    let field_paths: Vec<String> = match target.get("fieldPaths").and_then(Node::as_seq) {
        Some(paths) if !paths.is_empty() => paths
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        _ => vec!["metadata.name".to_owned()],
    };
    for r in resources.iter_mut() {
        let meta = |r: &Resource, key: &str| r.root.get_path(&["metadata", key]).cloned();
        let (labels, annotations) = (meta(r, "labels"), meta(r, "annotations"));
        let by_meta = |l: &Option<Selector>, a: &Option<Selector>| {
            l.as_ref().is_none_or(|s| s.matches(labels.as_ref()))
                && a.as_ref().is_none_or(|s| s.matches(annotations.as_ref()))
        };
        if !by_meta(&select_labels, &select_annotations) {
            continue;
        }
        if reject_sels
            .iter()
            .any(|(l, a)| (l.is_some() || a.is_some()) && by_meta(l, a))
        {
            continue;
        }
        let chosen = r.ids.iter().any(|id| {
            select_id.selects(r, id)
                && !reject_ids
                    .iter()
                    .any(|rej| !rej.is_empty() && rej.selects(r, id))
        });
        if !chosen {
            continue;
        }
        for fp in &field_paths {
            let path = split_path(fp);
            let create = options.create.then_some(value);
            let mut failure = None;
            let n = visit(&mut r.root, &path, create, &mut |t: &mut RNode| {
                if let Err(e) = set_value(t, (value, text), untagged, &options) {
                    failure = Some(e);
                }
            });
            if let Some(e) = failure {
                return Err(err(e));
            }
            if n == 0 {
                let what = if options.create {
                    "find or create"
                } else {
                    "find"
                };
                return Err(err(format!(
                    "unable to {what} field \"{fp}\" in replacement target"
                )));
            }
        }
        r.remember_id();
        annotations_as_strings(&mut r.root);
    }
    Ok(())
}

/// kustomize's `SmarterPathSplitter`: split at dots outside `[...]`.
fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

fn list_selector(seg: &str) -> Option<(&str, &str)> {
    seg.strip_prefix('[')?.strip_suffix(']')?.split_once('=')
}

/// A field written in brackets, for a name with dots (`[app.kubernetes.io/name]`): kyaml's
/// path parts drop the brackets of a part that selects no list item.
fn field_name(seg: &str) -> &str {
    seg.strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .filter(|s| !s.contains('='))
        .unwrap_or(seg)
}

fn matches_item(item: &RNode, key: &str, want: &str) -> bool {
    if key.is_empty() {
        return item.scalar_text().as_deref() == Some(want);
    }
    item.get(key).and_then(RNode::scalar_text).as_deref() == Some(want)
}

fn lookup<'a>(node: &'a RNode, path: &[String]) -> Option<&'a RNode> {
    let Some((seg, rest)) = path.split_first() else {
        return Some(node);
    };
    if let Some((key, want)) = list_selector(seg) {
        let item = node.items().iter().find(|i| matches_item(i, key, want))?;
        return lookup(item, rest);
    }
    if let RValue::Seq(items) = &node.value {
        // `-`: the last item (kyaml's `PathGetter`).
        let i = match seg.as_str() {
            "-" => items.len().checked_sub(1)?,
            seg => seg.parse::<usize>().ok()?,
        };
        return lookup(items.get(i)?, rest);
    }
    lookup(node.get(field_name(seg))?, rest)
}

/// kyaml's `PathMatcher`: calls `f` on every node the path reaches (creating the missing
/// fields when `create` holds the value to be set); returns how many it reached.
fn visit(
    node: &mut RNode,
    path: &[String],
    create: Option<&RNode>,
    f: &mut dyn FnMut(&mut RNode),
) -> usize {
    let Some((seg, rest)) = path.split_first() else {
        f(node);
        return 1;
    };
    let origin = node.origin;
    if let Some((key, want)) = list_selector(seg) {
        let RValue::Seq(items) = &mut node.value else {
            return 0;
        };
        // A target's item value is a regular expression, matched anywhere in the item's
        // (kyaml's `PathMatcher`: `[name=ttp]` selects `http`); one that does not compile
        // selects by equality.
        let pattern = regex::Regex::new(want).ok();
        let selects = |item: &RNode| match &pattern {
            Some(re) => {
                let text = if key.is_empty() {
                    item.scalar_text()
                } else {
                    item.get(key).and_then(RNode::scalar_text)
                };
                text.is_some_and(|t| re.is_match(&t))
            }
            None => matches_item(item, key, want),
        };
        let mut n = 0;
        for item in items.iter_mut() {
            if selects(item) {
                n += visit(item, rest, create, f);
            }
        }
        if n == 0 && create.is_some() && !key.is_empty() {
            let mut item = RNode::map(origin);
            item.set(key, RNode::str(want, origin));
            n += visit(&mut item, rest, create, f);
            items.push(item);
        }
        return n;
    }
    // `*`: every item of a list the rest of the path reaches (kyaml fails on anything else).
    if seg == "*" {
        let RValue::Seq(items) = &mut node.value else {
            return 0;
        };
        return items
            .iter_mut()
            .map(|item| visit(item, rest, create, f))
            .sum();
    }
    if let RValue::Seq(items) = &mut node.value {
        let Ok(i) = seg.parse::<usize>() else {
            return 0;
        };
        // The index one past the end, with `create`: a new item of what the path needs next.
        if i == items.len()
            && let Some(value) = create
        {
            items.push(fresh_node(rest.first(), value, origin));
        }
        return match items.get_mut(i) {
            Some(item) => visit(item, rest, create, f),
            None => 0,
        };
    }
    if !node.is_map() {
        return 0;
    }
    let seg = field_name(seg);
    if node.get(seg).is_none() {
        let Some(value) = create else {
            return 0;
        };
        node.set(seg, fresh_node(rest.first(), value, origin));
    }
    match node.get_mut(seg) {
        Some(child) => visit(child, rest, create, f),
        None => 0,
    }
}

/// kyaml's `getPathPartKind`: the node `create` makes for a missing field or item, by the next
/// part of the path (a list for an index or a `[k=v]` selector; a mapping for anything else,
/// `*` too; the value's own kind at the end).
fn fresh_node(next: Option<&String>, value: &RNode, origin: Origin) -> RNode {
    match next {
        None if matches!(value.value, RValue::Map(_)) => RNode::map(origin),
        None if matches!(value.value, RValue::Seq(_)) => {
            RNode::new(RValue::Seq(Vec::new()), origin)
        }
        None => RNode::new(RValue::Null, origin),
        Some(next) if list_selector(next).is_some() || next.parse::<usize>().is_ok() => {
            RNode::new(RValue::Seq(Vec::new()), origin)
        }
        Some(_) => RNode::map(origin),
    }
}

/// kyaml's `setFieldValue`: a scalar keeps its tag and takes the value's text; anything else
/// becomes the value.
fn set_value(
    target: &mut RNode,
    (value, text): (&RNode, Option<&str>),
    untagged: bool,
    options: &Options,
) -> Result<(), String> {
    let mut text = text.map(str::to_owned);
    if !options.delimiter.is_empty() {
        let Some(current) = target.scalar_text() else {
            return Err("delimiter option can only be used with scalar nodes".into());
        };
        let mut parts: Vec<String> = current
            .split(options.delimiter.as_str())
            .map(str::to_owned)
            .collect();
        let v = text.clone().unwrap_or_default();
        match usize::try_from(options.index) {
            Err(_) => parts.insert(0, v),
            Ok(i) if i >= parts.len() => parts.push(v),
            Ok(i) => parts[i] = v,
        }
        text = Some(parts.join(&options.delimiter));
    }
    let origin = value.origin;
    let is_scalar = target.scalar_text().is_some();
    *target = match (&target.value, text) {
        (RValue::Str(_), Some(t)) => RNode::str(t, origin),
        // A scalar keeps its tag: a number or a boolean must read as one still.
        (RValue::Int(_) | RValue::Float(_) | RValue::Bool(_), Some(t)) => {
            let read = scalars::plain(&t);
            let fits = matches!(
                (&target.value, &read),
                (RValue::Int(_), RValue::Int(_))
                    | (RValue::Float(_), RValue::Int(_) | RValue::Float(_))
                    | (RValue::Bool(_), RValue::Bool(_))
            );
            if !fits {
                return Err(format!(
                    "yaml: cannot decode {} `{t}` as a {}",
                    scalars::tag(&read),
                    scalars::tag(&target.value)
                ));
            }
            RNode::new(read, origin)
        }
        (_, Some(t)) if is_scalar || untagged || !options.delimiter.is_empty() => {
            RNode::new(scalars::plain(&t), origin)
        }
        // A mapping or a list into a string: its (empty) scalar text.
        (RValue::Str(_), None) => RNode::str("", origin),
        _ => value.clone(),
    };
    Ok(())
}

/// kustomize writes annotations back as strings.
fn annotations_as_strings(root: &mut RNode) {
    let Some(RValue::Map(entries)) = root
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .map(|a| &mut a.value)
    else {
        return;
    };
    for (_, v) in entries.iter_mut() {
        if let Some(t) = v.scalar_text() {
            v.value = RValue::Str(t);
        }
    }
}
