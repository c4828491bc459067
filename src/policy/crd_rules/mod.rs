//! `crd-validation-rule`: the `x-kubernetes-validations` CEL rules of CRDs, evaluated on custom
//! resources as the API server does on create
//! (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go, `validateExpressions`):
//!
//! - every rule of a CRD version's schema is compiled once ([`Rules`], cached on the CRD);
//! - on each custom resource, the rules of every schema node are evaluated with `self` bound to
//!   the value at that node (properties, each item of a list, each value of a map), typed by the
//!   schema (`format: date-time` is a timestamp, ...);
//! - a rule that gives `false` is an error with `message`, else `messageExpression`'s result,
//!   else `failed rule: <rule>`, at the node `fieldPath` names (else the node the rule sits on),
//!   with `reason` choosing the kind of field error;
//! - transition rules (reading `oldSelf`) are skipped: on create there is no old object;
//! - a rule that does not compile is an error on the CRD at the rule ([`check_crd`]).

mod compile;
mod evaluate;

pub use compile::check_crd;

use super::cel::{self, CompileError, Program, convert};
use crate::check::Context;
use crate::k8s::object::Object;
use crate::load::tree::Node;

/// The compiled rules of one CRD version's schema: a tree mirroring the schema where rules sit.
pub struct Rules {
    root: Level,
}

/// One schema node on the way to rules.
#[derive(Default)]
struct Level {
    /// The schema's `type` (`object`, `array`, `string`, ...).
    type_name: String,
    /// The schema as the CEL conversion needs it (only where rules sit).
    schema: convert::Schema,
    rules: Vec<Rule>,
    properties: Vec<(String, Level)>,
    items: Option<Box<Level>>,
    additional: Option<Box<Level>>,
}

struct Rule {
    text: String,
    program: Result<Program, CompileError>,
    message: Option<String>,
    message_expression: Option<Program>,
    field_path: Option<Vec<Step>>,
    reason: Option<String>,
    /// A transition rule (reads `oldSelf`): not evaluated on create.
    transition: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Key(String),
}

/// The CEL environment of a release, built once per process.
pub fn env(kube_minor: u32) -> &'static cel::Env {
    use std::sync::OnceLock;
    static ENVS: [OnceLock<cel::Env>; 64] = [const { OnceLock::new() }; 64];
    let i = (kube_minor as usize).min(63);
    ENVS[i].get_or_init(|| cel::Env::new(kube_minor))
}

impl Rules {
    /// Compiles every rule of an `openAPIV3Schema`; `None` when it has none.
    pub fn build(schema: &Node, kube_minor: u32) -> Option<Rules> {
        let env = env(kube_minor);
        let mut root = level(schema, env)?;
        // At the root, `self.metadata` has only `name` and `generateName`.
        if !root.rules.is_empty() {
            root.schema = std::mem::take(&mut root.schema).with_type_and_object_meta();
        }
        Some(Rules { root })
    }
}

/// The rules under a schema node, `None` when there are none.
fn level(schema: &Node, env: &cel::Env) -> Option<Level> {
    let mut out = Level {
        type_name: schema
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        ..Level::default()
    };
    for item in schema
        .get("x-kubernetes-validations")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        let Some(text) = item.get("rule").and_then(Node::as_str) else {
            continue;
        };
        let program = cel::compile(text, env);
        let transition = program
            .as_ref()
            .is_ok_and(|p| p.variables.iter().any(|v| v == "oldSelf"));
        out.rules.push(Rule {
            text: text.to_owned(),
            program,
            message: item
                .get("message")
                .and_then(Node::as_str)
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty()),
            message_expression: item
                .get("messageExpression")
                .and_then(Node::as_str)
                .and_then(|m| cel::compile(m, env).ok()),
            field_path: item
                .get("fieldPath")
                .and_then(Node::as_str)
                .and_then(parse_field_path),
            reason: item.get("reason").and_then(Node::as_str).map(str::to_owned),
            transition,
        });
    }
    if !out.rules.is_empty() {
        out.schema = conversion_schema(schema);
    }
    for e in schema.get("properties").map(Node::entries).unwrap_or(&[]) {
        if let (Some(name), Some(sub)) = (e.key.as_str(), level(&e.value, env)) {
            out.properties.push((name.to_owned(), sub));
        }
    }
    out.items = schema
        .get("items")
        .filter(|i| i.is_map())
        .and_then(|i| level(i, env))
        .map(Box::new);
    out.additional = schema
        .get("additionalProperties")
        .filter(|i| i.is_map())
        .and_then(|i| level(i, env))
        .map(Box::new);
    let empty = out.rules.is_empty()
        && out.properties.is_empty()
        && out.items.is_none()
        && out.additional.is_none();
    (!empty).then_some(out)
}

/// The structural schema, as the CEL conversion types values by it.
pub fn conversion_schema(schema: &Node) -> convert::Schema {
    use convert::Schema as S;
    if schema
        .get("x-kubernetes-int-or-string")
        .and_then(Node::as_bool)
        == Some(true)
    {
        return S::IntOrString;
    }
    match schema.get("type").and_then(Node::as_str) {
        Some("string") => S::String {
            format: schema
                .get("format")
                .and_then(Node::as_str)
                .map(str::to_owned),
        },
        Some("number") => S::Number,
        Some("integer") => S::Integer,
        Some("boolean") => S::Boolean,
        Some("array") => S::Array(
            Box::new(schema.get("items").map_or(S::Any, conversion_schema)),
            match schema.get("x-kubernetes-list-type").and_then(Node::as_str) {
                Some("set") => convert::ListType::Set,
                Some("map") => convert::ListType::Map(
                    schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|k| Some(k.as_str()?.to_owned()))
                        .collect(),
                ),
                _ => convert::ListType::Atomic,
            },
        ),
        Some("object") => {
            let properties: Vec<(String, S)> = schema
                .get("properties")
                .map(Node::entries)
                .unwrap_or(&[])
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.to_owned(), conversion_schema(&e.value))))
                .collect();
            let additional = schema
                .get("additionalProperties")
                .filter(|a| a.is_map())
                .map(|a| Box::new(conversion_schema(a)));
            if properties.is_empty()
                && additional.is_none()
                && schema
                    .get("x-kubernetes-preserve-unknown-fields")
                    .and_then(Node::as_bool)
                    == Some(true)
            {
                S::Any
            } else {
                S::Object {
                    properties,
                    additional,
                }
            }
        }
        _ => S::Any,
    }
}

/// A rule's `fieldPath` (`.spec.replicas`, `.labels['app.kubernetes.io/name']`), as
/// apiextensions' `ValidFieldPath` reads it. `None` when it does not parse (the API server
/// rejects such a CRD).
fn parse_field_path(text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Field(r[..end].to_owned()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("['") {
            let mut key = String::new();
            let mut chars = r.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\\' => key.push(chars.next()?.1),
                    '\'' => break i,
                    c => key.push(c),
                }
            };
            let r = r[end + 1..].strip_prefix(']')?;
            steps.push(Step::Key(key));
            rest = r;
        } else {
            return None;
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// Evaluates the compiled CEL rules of a custom resource's CRD version (`crd_name`).
pub fn check(object: &Object<'_>, rules: &Rules, crd_name: &str, cx: &mut Context<'_>) {
    let minor = cx.options.kubernetes_version.minor;
    let mut path = Vec::new();
    evaluate::walk(
        &rules.root,
        object.root,
        object.root.span,
        &mut path,
        crd_name,
        minor,
        cx,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(
            parse_field_path(".spec.replicas"),
            Some(vec![
                Step::Field("spec".into()),
                Step::Field("replicas".into())
            ])
        );
        assert_eq!(
            parse_field_path(".labels['app.kubernetes.io/name']"),
            Some(vec![
                Step::Field("labels".into()),
                Step::Key("app.kubernetes.io/name".into())
            ])
        );
        assert_eq!(parse_field_path("spec"), None);
        assert_eq!(parse_field_path(".a['b"), None);
        assert_eq!(parse_field_path(""), None);
    }
}
