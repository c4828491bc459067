//! The structural-schema rules the API server applies to a CRD's schema (`invalid-crd-schema`).

use super::*;

/// The structural problems of an `openAPIV3Schema`, and its invalid `pattern`s, parsed with
/// RE2-like syntax (`regex-syntax`: no lookaround, no backreferences) as the API server parses
/// them with Go's `regexp`: the API server rejects such a CRD.
pub fn structural_problems(schema: &Node, legacy: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_schema(schema, legacy, Position::Root, &mut problems);
    problems
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    Root,
    /// A field (under `properties`/`additionalProperties`) or array items: needs a type.
    Specified,
    /// Inside `allOf`/`anyOf`/`oneOf`/`not`: value validation only.
    Junctor,
}

pub(super) fn check_schema(node: &Node, legacy: bool, position: Position, out: &mut Vec<Problem>) {
    let Yaml::Map(entries) = &node.value else {
        out.push(Problem {
            span: node.span,
            message: format!(
                "a CRD schema must be a mapping, but this is {}",
                node.a_type_name()
            ),
            help: None,
        });
        return;
    };
    // One pass over the keys (CRD schemas are large: tens of thousands of nodes).
    let mut exempt = false;
    let mut type_entry = None;
    let mut items_entry = None;
    let mut children: Vec<(&Node, Position)> = Vec::new();
    let child = |p: Position| {
        if position == Position::Junctor {
            Position::Junctor
        } else {
            p
        }
    };
    for entry in entries {
        let Some(key) = entry.key.as_str() else {
            continue;
        };
        let value = &entry.value;
        match key {
            "x-kubernetes-int-or-string" | "x-kubernetes-preserve-unknown-fields" => {
                exempt |= value.as_bool() == Some(true);
            }
            "type" => type_entry = Some(entry),
            "items" => items_entry = Some(entry),
            "$ref" => out.push(Problem {
                span: entry.key.span,
                message: "`$ref` is not allowed in CRD schemas".into(),
                help: Some("inline the referenced schema".into()),
            }),
            "properties" => {
                if value.is_map() {
                    for e in value.entries() {
                        children.push((&e.value, child(Position::Specified)));
                    }
                } else {
                    out.push(Problem {
                        span: value.span,
                        message: format!(
                            "`properties` must be a mapping of field names to schemas, but this is {}",
                            value.a_type_name()
                        ),
                        help: None,
                    });
                }
            }
            "additionalProperties" if value.is_map() => {
                children.push((value, child(Position::Specified)));
            }
            "allOf" | "anyOf" | "oneOf" => match value.as_seq() {
                Some(items) => children.extend(items.iter().map(|i| (i, Position::Junctor))),
                None => out.push(Problem {
                    span: value.span,
                    message: format!("`{key}` must be a list of schemas"),
                    help: None,
                }),
            },
            "not" => children.push((value, Position::Junctor)),
            "required" => {
                let ok = value
                    .as_seq()
                    .is_some_and(|items| items.iter().all(|i| i.as_str().is_some()));
                if !ok && !value.is_null() {
                    out.push(Problem {
                        span: value.span,
                        message: "`required` must be a list of field names".into(),
                        help: None,
                    });
                }
            }
            "pattern" => {
                if let Some(pattern) = value.as_str()
                    && let Err(e) = regex_syntax::Parser::new().parse(pattern)
                {
                    out.push(Problem {
                        span: value.span,
                        message: format!("`{pattern}` is not a valid regular expression"),
                        help: Some(e.to_string()),
                    });
                }
            }
            _ => {}
        }
    }
    let type_name = match type_entry {
        Some(entry) => match entry.value.as_str() {
            Some(t) if TYPES.contains(&t) => Some(t),
            Some(t) => {
                let help = crate::model::text::did_you_mean(t, TYPES.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("the types are {}", TYPES.join(", ")));
                out.push(Problem {
                    span: entry.value.span,
                    message: format!("unknown type `{t}` in the CRD schema"),
                    help: Some(help),
                });
                None
            }
            None => {
                out.push(Problem {
                    span: entry.value.span,
                    message: format!(
                        "`type` must be a string such as object or string, but this is {}",
                        entry.value.a_type_name()
                    ),
                    help: None,
                });
                None
            }
        },
        None => {
            if !legacy && !exempt && position != Position::Junctor {
                let what = if position == Position::Root {
                    "the root of a CRD schema must have `type: object`"
                } else {
                    "a field of a structural CRD schema must have a `type`"
                };
                out.push(Problem {
                    span: key_anchor(node),
                    message: format!("missing `type`: {what}"),
                    help: Some("add a `type` (object, array, string, integer, number or boolean), or `x-kubernetes-preserve-unknown-fields: true` / `x-kubernetes-int-or-string: true`".into()),
                });
            }
            None
        }
    };
    match items_entry {
        Some(entry) if entry.value.is_map() => {
            children.push((&entry.value, child(Position::Specified)));
        }
        Some(entry) => out.push(Problem {
            span: entry.value.span,
            message: format!(
                "`items` must be one schema (a mapping), but this is {}",
                entry.value.a_type_name()
            ),
            help: None,
        }),
        None => {
            if type_name == Some("array") && !legacy && position != Position::Junctor {
                out.push(Problem {
                    span: key_anchor(node),
                    message: "an array in a structural CRD schema must have `items`".into(),
                    help: Some("add `items:` with the schema of the elements".into()),
                });
            }
        }
    }
    for (sub, p) in children {
        check_schema(sub, legacy, p, out);
    }
}

/// Where to point for a problem of a whole schema node: its first key.
pub(super) fn key_anchor(node: &Node) -> Span {
    node.entries().first().map_or(node.span, |e| e.key.span)
}
