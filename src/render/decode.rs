//! A kustomization decoded as strictly as kustomize 5.5 decodes it, before the walk.
//!
//! kustomize turns `kustomization.yaml` into JSON (sigs.k8s.io/yaml: go-yaml v2 scalars, keys
//! sorted) and decodes that into its `Kustomization` struct with Go's `encoding/json`, unknown
//! fields refused (`api/types/kustomization.go`, `Unmarshal`). So: a key the struct does not have
//! fails the build (`json: unknown field "foo"`), so does a value of the wrong JSON type at any
//! depth (`json: cannot unmarshal string into Go struct field Kustomization.resources of type
//! []string`), the first error in sorted-key order wins, `null` is always accepted, and field
//! names match case-insensitively (the exact name first). [`SCHEMA`] (`index/kustomize_schema.rs`) describes the struct's fields
//! and Go types; [`check`] returns the kustomization with every field under its canonical name
//! (so the walk finds `Resources:` as `resources`), the deprecated `imageTags` appended to
//! `images` as kustomize's `FixKustomization` does, then the checks kustomize makes after
//! decoding: an empty kustomization, and `kind`/`apiVersion` (`EnforceFields`).

use super::RenderError;
use super::node::Origin;
use crate::index::kustomize_schema::{SCHEMA, Struct, Ty, canonical, field_of};
use crate::load::tree::{Entry, Node, Value};
use crate::model::span::Span;
use std::path::Path;

/// The JSON type name Go's decoder uses for a node in its unmarshal errors.
pub(crate) fn go_type(node: &Node) -> &'static str {
    match node.value {
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
        _ => "string",
    }
}

/// Where a decode error is: the innermost struct and the JSON field names from the top.
struct Context<'a> {
    file: u32,
    /// What kustomize says before Go's error (`invalid Kustomization: `).
    prefix: &'static str,
    strukt: &'static str,
    path: Vec<&'a str>,
}

impl Context<'_> {
    fn error(&self, what: String, ty: Ty, at: &Node) -> RenderError {
        let into = if self.path.is_empty() {
            "Go value".to_owned()
        } else {
            format!("Go struct field {}.{}", self.strukt, self.path.join("."))
        };
        RenderError::new(
            format!(
                "{}json: cannot unmarshal {what} into {into} of type {}",
                self.prefix,
                ty.go_name()
            ),
            Some(self.origin(at)),
        )
    }

    fn origin(&self, node: &Node) -> Origin {
        Origin {
            file: self.file,
            span: node.span,
        }
    }
}

/// The entries of a mapping in the order Go decodes them: as JSON keys, sorted (sigs.k8s.io/yaml
/// writes a Go map); `None` keys are those JSON cannot have.
fn sorted_keys(node: &Node) -> Vec<(String, &Entry)> {
    let mut keyed: Vec<(String, &Entry)> = node
        .entries()
        .iter()
        .filter_map(|e| Some((e.key.key_string()?.into_owned(), e)))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
}

/// Checks `node` against `ty` as Go's decoder would, failing at the first error.
fn check_value<'a>(node: &'a Node, ty: Ty, cx: &mut Context<'a>) -> Result<(), RenderError> {
    let mismatch = |cx: &Context, ty| Err(cx.error(go_type(node).to_owned(), ty, node));
    match (&node.value, ty) {
        (Value::Null, _) | (_, Ty::Any) => Ok(()),
        (Value::Str(_), Ty::Str(_)) | (Value::Bool(_), Ty::Bool) => Ok(()),
        (Value::Int(i), Ty::Int(_)) if i64::try_from(*i).is_ok() => Ok(()),
        (Value::Float(f), Ty::Int(_)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(()),
        (Value::Int(i), Ty::Int(_)) => {
            let literal = if u64::try_from(*i).is_ok() {
                i.to_string()
            } else {
                (*i as f64).to_string()
            };
            Err(cx.error(format!("number {literal}"), ty, node))
        }
        (Value::Float(f), Ty::Int(_)) => Err(cx.error(format!("number {f}"), ty, node)),
        (Value::Seq(items), Ty::List(elem, _)) => {
            for item in items {
                check_value(item, *elem, cx)?;
            }
            Ok(())
        }
        (Value::Map(_), Ty::Map(elem)) => {
            for (_, e) in sorted_keys(node) {
                check_value(&e.value, *elem, cx)?;
            }
            Ok(())
        }
        (Value::Map(_), Ty::Struct(s)) => check_struct(node, s, cx),
        _ => mismatch(cx, ty),
    }
}

fn check_struct<'a>(
    node: &'a Node,
    s: &'static Struct,
    cx: &mut Context<'a>,
) -> Result<(), RenderError> {
    let outer = std::mem::replace(&mut cx.strukt, s.name);
    for (key, e) in sorted_keys(node) {
        let Some((name, ty)) = field_of(s, &key) else {
            let error = RenderError::new(
                format!(
                    "{}json: unknown field {}",
                    cx.prefix,
                    crate::k8s::apimachinery::go_quote(&key)
                ),
                Some(cx.origin(&e.key)),
            );
            let near = crate::model::text::did_you_mean(&key, s.fields.iter().map(|(n, _)| *n));
            return Err(match near {
                Some(near) => error.suggesting(format!("did you mean `{near}`?")),
                None => error,
            });
        };
        cx.path.push(name);
        check_value(&e.value, ty, cx)?;
        cx.path.pop();
        cx.strukt = s.name;
    }
    cx.strukt = outer;
    Ok(())
}

/// Whether a decoded value is Go's zero value (what kustomize's "is empty" compares with).
fn is_zero(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Str(s) => s.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

/// Decodes the kustomization `root` of file `file` in `dir` as kustomize does (see the module's
/// documentation): the kustomization with canonical field names, or kustomize's error.
pub(crate) fn check(root: &Node, file: u32, dir: &Path) -> Result<Node, RenderError> {
    let mut k = decode_as(root, file, &SCHEMA, "invalid Kustomization: ")?;
    let empty = k
        .entries()
        .iter()
        .all(|e| matches!(e.key.as_str(), Some("kind" | "apiVersion")) || is_zero(&e.value));
    if empty {
        return Err(RenderError::new(
            "kustomization.yaml is empty",
            Some(Origin {
                file,
                span: Span::new(0, 0),
            }),
        ));
    }
    enforce_fields(&k, file, dir)?;
    fix_image_tags(&mut k);
    Ok(k)
}

/// Decodes `root` (of file `file`) into the Go struct `schema` as Go's strict `encoding/json`
/// does: the node with canonical field names, or the first error (after `prefix`).
pub(crate) fn decode_as(
    root: &Node,
    file: u32,
    schema: &'static Struct,
    prefix: &'static str,
) -> Result<Node, RenderError> {
    let mut cx = Context {
        file,
        prefix,
        strukt: schema.name,
        path: Vec::new(),
    };
    check_value(root, Ty::Struct(schema), &mut cx)?;
    Ok(canonical(root, Ty::Struct(schema)))
}

/// kustomize's `EnforceFields`: `kind` is `Kustomization` or `Component`, and `apiVersion` the
/// one of that kind.
fn enforce_fields(k: &Node, file: u32, dir: &Path) -> Result<(), RenderError> {
    let text = |key| k.get(key).and_then(Node::as_str).unwrap_or_default();
    let kind = match text("kind") {
        "" => "Kustomization",
        kind => kind,
    };
    let mut errors = Vec::new();
    let mut at = None;
    if !matches!(kind, "Kustomization" | "Component") {
        errors.push("kind should be Kustomization or Component".to_owned());
        at = k.get("kind");
    }
    let required = if kind == "Component" {
        "kustomize.config.k8s.io/v1alpha1"
    } else {
        "kustomize.config.k8s.io/v1beta1"
    };
    if !text("apiVersion").is_empty() && text("apiVersion") != required {
        errors.push(format!("apiVersion for {kind} should be {required}"));
        at = at.or(k.get("apiVersion"));
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(RenderError::new(
        format!(
            "Failed to read kustomization file under {}:\n{}",
            dir.display(),
            errors.join("\n")
        ),
        at.map(|n| Origin { file, span: n.span }),
    ))
}

/// kustomize's `FixKustomization` moves the deprecated `imageTags` after `images`.
fn fix_image_tags(k: &mut Node) {
    let Value::Map(entries) = &mut k.value else {
        return;
    };
    let Some(at) = entries
        .iter()
        .position(|e| e.key.as_str() == Some("imageTags"))
    else {
        return;
    };
    let tags = entries.remove(at);
    let Value::Seq(tags_items) = tags.value.value else {
        return;
    };
    match entries
        .iter_mut()
        .find(|e| e.key.as_str() == Some("images"))
    {
        Some(images) => match &mut images.value.value {
            Value::Seq(items) => items.extend(tags_items),
            _ => images.value.value = Value::Seq(tags_items),
        },
        None => entries.push(Entry {
            key: Node::new(Value::Str("images".into()), tags.key.span, tags.key.style),
            value: Node::new(Value::Seq(tags_items), tags.value.span, tags.value.style),
        }),
    }
}

/// A kustomization that is not YAML fails the render in kustomize's words
/// ([`crate::index::kustomize_schema::yaml_error`]).
pub(crate) fn yaml_error(e: RenderError, text: &str) -> RenderError {
    let at = e.at.map_or(0, |o| o.span.start as usize);
    match crate::index::kustomize_schema::yaml_error(&e.message, text, at) {
        Some(message) => RenderError::new(message, e.at),
        None => e,
    }
}
