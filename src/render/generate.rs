//! `configMapGenerator` and `secretGenerator` (literals, files, env files; `behavior:
//! create|merge|replace`; `generatorOptions` and per-generator `options`), and the content
//! hash kustomize appends to generated names (sigs.k8s.io/kustomize `api/hasher/hasher.go`:
//! the SHA-256 of the JSON of kind, name and data, its first ten hex digits with `0 1 3 a e`
//! spelled `g h k m t`).

use super::kust::{Kust, Walk, append, same_ns};
use super::node::{Origin, RNode, RValue};
use super::sha256::{base64, sha256_hex};
use super::{RenderError, Resource};
use crate::index::kustomize::normalize;
use crate::load::tree::Node;

pub(crate) fn run(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
) -> Result<(), RenderError> {
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for generator in k.seq(field) {
            generate(walk, k, resources, generator, kind)?;
        }
    }
    Ok(())
}

/// Options of the kustomization and of one generator (the generator's labels and annotations
/// win; a `true` of either sets `disableNameSuffixHash` and `immutable`).
struct Options {
    labels: Vec<(String, RNode)>,
    annotations: Vec<(String, RNode)>,
    hash: bool,
    immutable: Option<RNode>,
}

fn options(k: &Kust, generator: &Node) -> Options {
    let mut o = Options {
        labels: Vec::new(),
        annotations: Vec::new(),
        hash: true,
        immutable: None,
    };
    for node in [k.root.get("generatorOptions"), generator.get("options")]
        .into_iter()
        .flatten()
    {
        let pairs = |key: &str| -> Vec<(String, RNode)> {
            node.get(key)
                .map(|m| {
                    m.entries()
                        .iter()
                        .filter_map(|e| {
                            Some((
                                e.key.key_string()?.into_owned(),
                                RNode::str(e.value.as_str()?, k.origin(&e.value)),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for (to, key) in [
            (&mut o.labels, "labels"),
            (&mut o.annotations, "annotations"),
        ] {
            for (name, value) in pairs(key) {
                to.retain(|(n, _)| *n != name);
                to.push((name, value));
            }
        }
        // kustomize's `MergeGlobalOptionsIntoLocal`: either one's `true` holds (a generator's
        // `false` cannot undo `generatorOptions`), and `immutable: false` is not written.
        if node.get("disableNameSuffixHash").and_then(Node::as_bool) == Some(true) {
            o.hash = false;
        }
        if let Some(at) = node.get("immutable").filter(|b| b.as_bool() == Some(true))
            && o.immutable.is_none()
        {
            o.immutable = Some(RNode::new(RValue::Bool(true), k.origin(at)));
        }
    }
    o
}

/// Strips one pair of matching quotes, as kustomize's `parseLiteralSource` does.
fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

fn read_text(
    walk: &mut Walk<'_>,
    k: &Kust,
    entry: &Node,
    path: &str,
) -> Result<String, RenderError> {
    let full = normalize(&k.dir.join(path));
    super::kust::within_root(k, &full, k.origin(entry))?;
    let file = walk
        .files
        .read(&full)
        .map_err(|e| RenderError::new(e, Some(k.origin(entry))))?;
    Ok(walk.files.text(file).to_owned())
}

/// A file's bytes when they are not UTF-8 (`None` when they are, or cannot be read: the text
/// reader says why).
fn read_binary(k: &Kust, path: &str) -> Result<Option<Vec<u8>>, RenderError> {
    let full = normalize(&k.dir.join(path));
    if k.outside_root(&full).is_some() {
        return Ok(None);
    }
    Ok(crate::discover::special::read_regular(&full, 64 << 20)
        .ok()
        .filter(|b| std::str::from_utf8(b).is_err()))
}

/// The key/value pairs of a generator, in kustomize's order: env files, literals, files; and
/// the keys whose value is base64 of a file that is not UTF-8.
fn data(
    walk: &mut Walk<'_>,
    k: &Kust,
    g: &Node,
    binary: &mut Vec<String>,
) -> Result<Vec<(String, RNode)>, RenderError> {
    let mut out: Vec<(String, RNode)> = Vec::new();
    let put = |out: &mut Vec<(String, RNode)>, key: String, value: RNode, at: Origin| {
        if out.iter().any(|(k, _)| *k == key) {
            return Err(RenderError::new(
                format!("configmap/secret cannot have duplicate key {key:?}"),
                Some(at),
            ));
        }
        out.push((key, value));
        Ok(())
    };
    let envs: Vec<&Node> = g
        .get("envs")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .chain(g.get("env"))
        .collect();
    for entry in envs {
        let Some(path) = entry.as_str() else { continue };
        let at = k.origin(entry);
        let text = read_text(walk, k, entry, path)?;
        // Go's `bufio.ScanLines`: a line ends at `\n`, one `\r` before it dropped, the last
        // line's too when the file does not end with `\n`.
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = line.trim_start_matches('\u{feff}').trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            // kustomize's `KeyValuesFromLines` skips a line without a key.
            if key.is_empty() {
                continue;
            }
            put(&mut out, key.to_owned(), RNode::str(value, at), at)?;
        }
    }
    for entry in g.get("literals").and_then(Node::as_seq).unwrap_or_default() {
        let Some(text) = entry.as_str() else { continue };
        let at = k.origin(entry);
        let Some((key, value)) = text.split_once('=').filter(|(key, _)| !key.is_empty()) else {
            return Err(RenderError::new(
                format!("invalid literal source {text}, expected key=value"),
                Some(at),
            ));
        };
        put(&mut out, key.to_owned(), RNode::str(unquote(value), at), at)?;
    }
    for entry in g.get("files").and_then(Node::as_seq).unwrap_or_default() {
        let Some(text) = entry.as_str() else { continue };
        let at = k.origin(entry);
        // kustomize's `ParseFileSource`.
        let (key, path) = match text.split_once('=') {
            Some(_) if text.matches('=').count() > 1 => {
                return Err(RenderError::new(
                    format!("source {text:?} key name or file path contains '='"),
                    Some(at),
                ));
            }
            Some(("", path)) => {
                return Err(RenderError::new(
                    format!("missing key name for file path {path:?} in source {text:?}"),
                    Some(at),
                ));
            }
            Some((key, "")) => {
                return Err(RenderError::new(
                    format!("missing file path for key name {key:?} in source {text:?}"),
                    Some(at),
                ));
            }
            Some((key, path)) => (key.to_owned(), path),
            None => (
                std::path::Path::new(text)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                text,
            ),
        };
        match read_binary(k, path)? {
            // Not UTF-8: a ConfigMap keeps it in `binaryData` (kustomize's
            // `makeConfigMapValueRNode`), base64 as kyaml writes it.
            Some(bytes) => {
                let value = RNode::str(secret_base64(&bytes), at);
                binary.push(key.clone());
                put(&mut out, key, value, at)?;
            }
            None => {
                let content = read_text(walk, k, entry, path)?;
                put(&mut out, key, RNode::str(content, at), at)?;
            }
        }
    }
    Ok(out)
}

fn generate(
    walk: &mut Walk<'_>,
    k: &Kust,
    resources: &mut Vec<Resource>,
    g: &Node,
    kind: &str,
) -> Result<(), RenderError> {
    let at = k.origin(g);
    // kustomize's words for either generator, an empty name as a missing one.
    let Some(name_node) = g
        .get("name")
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
    else {
        return Err(RenderError::new("a configmap must have a name", Some(at)));
    };
    let name = name_node.as_str().unwrap_or_default();
    let name_at = k.origin(name_node);
    let namespace = g.get("namespace").and_then(Node::as_str).unwrap_or("");
    let behavior = g.get("behavior").and_then(Node::as_str).unwrap_or("create");
    let opts = options(k, g);
    let mut binary_keys = Vec::new();
    let mut pairs = data(walk, k, g, &mut binary_keys)?;
    let mut binary_pairs = Vec::new();
    if kind == "ConfigMap" {
        let (b, d) = pairs
            .into_iter()
            .partition(|(key, _)| binary_keys.contains(key));
        (binary_pairs, pairs) = (b, d);
    }
    let binary_map = RNode::new(RValue::Map(binary_pairs), at);
    let data_map = RNode::new(
        RValue::Map(
            pairs
                .into_iter()
                .map(|(key, v)| {
                    let v = if kind == "Secret" && binary_keys.contains(&key) {
                        v
                    } else if kind == "Secret" {
                        RNode::str(secret_base64(v.as_str().unwrap_or("").as_bytes()), v.origin)
                    } else {
                        v
                    };
                    (key, v)
                })
                .collect(),
        ),
        at,
    );
    // kustomize's `appendReplaceOrMerge`: the objects any of whose ids (the one it has, and
    // every one it had before a prefix, suffix or namespace changed it) is the generator's; a
    // behavior other than `merge` or `replace` (`create`, none, or any other word: kustomize's
    // `NewGenerationBehavior` reads it as unspecified) adds an object, which none may match.
    let matching: Vec<usize> = (0..resources.len())
        .filter(|&i| {
            let r = &resources[i];
            r.kind() == kind
                && r.group_version() == ("", "v1")
                && (r
                    .ids
                    .iter()
                    .any(|(ns, n)| n == name && same_ns(ns, namespace))
                    || (r.name() == name && same_ns(r.namespace(), namespace)))
        })
        .collect();
    let resid = format!(
        "id resid.ResId{{Gvk:resid.Gvk{{Group:\"\", Version:\"v1\", Kind:{kind:?}, isClusterScoped:false}}, Name:{name:?}, Namespace:{namespace:?}}}"
    );
    let merging = matches!(behavior, "merge" | "replace");
    match matching[..] {
        [_, _, ..] => {
            let found: Vec<String> = matching
                .iter()
                .map(|&i| format!("`{}`", resources[i].name()))
                .collect();
            // (kustomize then prints each object whole, as JSON: its words up to there.)
            Err(RenderError::new("found multiple objects", Some(at)).suggesting(format!(
                "{} each had the id {} before a prefix, suffix or namespace changed it, so kustomize cannot tell which one this generator means: give the generators different names",
                found.join(" and "),
                super::id_string_of(kind, ("", "v1"), namespace, name)
            )))
        }
        [] if merging => Err(RenderError::new(
            format!("{resid} does not exist; cannot merge or replace"),
            Some(at),
        )),
        [_] if !merging => Err(RenderError::new(
            format!("{resid} exists; behavior must be merge or replace"),
            Some(at),
        )),
        [i] => {
            let r = &mut resources[i];
            // kustomize keeps the object the generator makes (its own `type` and `immutable`,
            // nothing else of the old one), with the old one's name and namespace, its labels
            // and annotations under the new ones (`CopyMergeMetaDataFieldsFrom`), and for a
            // merge its `data` and `binaryData` under the new (`MergeDataMapFrom`).
            let mut root = generated(kind, g, &opts, (name, name_at, namespace), at);
            let meta = root.child_map("metadata", at);
            for field in ["labels", "annotations"] {
                let fresh = meta.get(field).cloned().unwrap_or_else(|| RNode::map(at));
                let merged = under(r.root.get_path(&["metadata", field]), fresh);
                if !merged.entries().is_empty() {
                    meta.set(field, merged);
                }
            }
            for key in ["name", "namespace"] {
                match r.root.get_path(&["metadata", key]) {
                    Some(old) => meta.set(key, old.clone()),
                    None => {
                        meta.remove(key);
                    }
                }
            }
            let (data_map, binary_map) = match behavior {
                "merge" => (
                    under(r.root.get("data"), data_map),
                    under(r.root.get("binaryData"), binary_map),
                ),
                _ => (data_map, binary_map),
            };
            set_data(&mut root, kind, data_map, binary_map, &opts);
            r.root = root;
            r.hashed = r.hashed && opts.hash;
            Ok(())
        }
        [] => {
            let mut root = generated(kind, g, &opts, (name, name_at, namespace), at);
            set_data(&mut root, kind, data_map, binary_map, &opts);
            let mut r = Resource::new(root);
            r.hashed = opts.hash;
            append(resources, r, at)
        }
    }
}

/// The object a generator makes, without its data: `apiVersion`, `kind`, `metadata` (name,
/// namespace, the options' labels and annotations) and a Secret's `type`.
fn generated(
    kind: &str,
    g: &Node,
    opts: &Options,
    (name, name_at, namespace): (&str, Origin, &str),
    at: Origin,
) -> RNode {
    let mut root = RNode::map(at);
    root.set("apiVersion", RNode::str("v1", at));
    root.set("kind", RNode::str(kind, at));
    let mut meta = RNode::map(at);
    meta.set("name", RNode::str(name, name_at));
    if !namespace.is_empty() {
        meta.set("namespace", RNode::str(namespace, at));
    }
    for (field, pairs) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
        if !pairs.is_empty() {
            meta.set(field, RNode::new(RValue::Map(pairs.clone()), at));
        }
    }
    root.set("metadata", meta);
    if kind == "Secret" {
        let t = g.get("type").and_then(Node::as_str).unwrap_or("Opaque");
        root.set("type", RNode::str(t, at));
    }
    root
}

/// `new`'s entries set over a copy of `old` when `old` is a mapping (kept where it was
/// written), else `new`.
fn under(old: Option<&RNode>, new: RNode) -> RNode {
    let Some(old) = old.filter(|m| m.is_map()) else {
        return new;
    };
    let mut merged = old.clone();
    for (key, v) in new.entries() {
        merged.set(key, v.clone());
    }
    merged
}

/// A generated object's `data` (always on a Secret), `binaryData` and `immutable`.
fn set_data(root: &mut RNode, kind: &str, data: RNode, binary: RNode, opts: &Options) {
    if !data.entries().is_empty() || kind == "Secret" {
        root.set("data", data);
    }
    if !binary.entries().is_empty() {
        root.set("binaryData", binary);
    }
    if let Some(b) = &opts.immutable {
        root.set("immutable", b.clone());
    }
}

/// A Secret's data value as kustomize encodes it (kyaml's `encodeBase64`): base64 in lines of
/// 70 characters, each ending in a newline once there is more than one.
fn secret_base64(data: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64(data);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Writes a string as Go's `json.Marshal` does (HTML-escaped).
fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn go_json(node: &RNode, out: &mut String) {
    match &node.value {
        RValue::Map(entries) => {
            let mut sorted: Vec<&(String, RNode)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
        RValue::Str(s) => go_json_string(s, out),
        _ => out.push_str(&node.to_json().to_string()),
    }
}

/// kustomize's hash of a generated object's content: the JSON of `kind`, `name`, `data` (and
/// `binaryData`, or a Secret's `type` and `stringData`). kustomize looks the name up as one field
/// called `metadata/name`, which no object has, so the name it hashes is always "" (and a
/// missing `data` is "" too).
fn content_hash(r: &Resource) -> String {
    let at = Origin::default();
    let mut m = RNode::map(at);
    m.set("kind", RNode::str(r.kind(), at));
    m.set("name", RNode::str("", at));
    let field = |key: &str| {
        r.root
            .get(key)
            .filter(|v| !matches!(v.value, RValue::Null))
            .cloned()
            .unwrap_or_else(|| RNode::str("", at))
    };
    m.set("data", field("data"));
    let optional = if r.kind() == "Secret" {
        m.set("type", field("type"));
        "stringData"
    } else {
        "binaryData"
    };
    if let Some(b) = r.root.get(optional).filter(|b| b.is_map()) {
        m.set(optional, b.clone());
    }
    let mut json = String::new();
    go_json(&m, &mut json);
    let hex = sha256_hex(json.as_bytes());
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Appends the content hash to the names of generated objects (the top level only).
pub(crate) fn add_hashes(resources: &mut [Resource]) {
    for r in resources.iter_mut().filter(|r| r.hashed) {
        let hash = content_hash(r);
        let name = format!("{}-{hash}", r.name());
        if let Some(n) = r.root.get_mut("metadata").and_then(|m| m.get_mut("name")) {
            n.value = RValue::Str(name);
        }
        r.remember_id();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes_html() {
        let mut out = String::new();
        go_json_string("<a&b>\n", &mut out);
        assert_eq!(out, r#""\u003ca\u0026b\u003e\n""#);
    }
}
