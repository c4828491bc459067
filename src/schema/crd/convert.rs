//! A CRD's OpenAPI v3 schema converted into the validator's [`Schema`] form, with
//! Kubernetes' extensions (`x-kubernetes-*`) and ObjectMeta.

use super::*;

pub(super) fn convert_root(schema: &Node, crd: &CrdDefinition<'_>, version: KubeVersion) -> Value {
    let mut root = convert(schema, crd.preserve_unknown, false);
    let Value::Object(map) = &mut root else {
        return root;
    };
    let properties = map
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(properties) = properties {
        properties.insert("apiVersion".into(), json!({"type": ["string", "null"]}));
        properties.insert("kind".into(), json!({"type": ["string", "null"]}));
        // The API server validates metadata as ObjectMeta whatever the CRD says.
        properties.insert(
            "metadata".into(),
            json!({"$ref": ref_uri(version, OBJECT_META)}),
        );
    }
    root
}

/// The keywords of a schema node that the conversion reads, found in one pass over its keys.
#[derive(Default)]
pub(super) struct Keywords<'a> {
    type_name: Option<&'a str>,
    preserve: bool,
    int_or_string: bool,
    embedded: bool,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    enumeration: Option<&'a Node>,
    properties: Option<&'a Node>,
    additional: Option<&'a Node>,
    items: Option<&'a Node>,
    list_type: Option<&'a str>,
    list_map_keys: Option<&'a Node>,
    required: Option<&'a Node>,
    junctors: Vec<(&'static str, &'a Node)>,
    not: Option<&'a Node>,
    /// Keywords copied as they are.
    copied: Vec<(&'static str, &'a Node)>,
}

pub(super) const COPIED: &[&str] = &[
    "format",
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "maxProperties",
    "minProperties",
];

impl<'a> Keywords<'a> {
    pub(super) fn of(node: &'a Node) -> Keywords<'a> {
        let mut k = Keywords::default();
        for entry in node.entries() {
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            let v = &entry.value;
            let on = v.as_bool() == Some(true);
            match key {
                "type" => k.type_name = v.as_str(),
                "x-kubernetes-preserve-unknown-fields" => k.preserve = on,
                "x-kubernetes-int-or-string" => k.int_or_string = on,
                "x-kubernetes-embedded-resource" => k.embedded = on,
                "exclusiveMinimum" => k.exclusive_minimum = on,
                "exclusiveMaximum" => k.exclusive_maximum = on,
                "enum" => k.enumeration = Some(v),
                "properties" => k.properties = Some(v),
                "additionalProperties" => k.additional = Some(v),
                "items" => k.items = Some(v),
                "x-kubernetes-list-type" => k.list_type = v.as_str(),
                "x-kubernetes-list-map-keys" => k.list_map_keys = Some(v),
                "required" => k.required = Some(v),
                "allOf" => k.junctors.push(("allOf", v)),
                "anyOf" => k.junctors.push(("anyOf", v)),
                "oneOf" => k.junctors.push(("oneOf", v)),
                "not" => k.not = Some(v),
                other => {
                    if let Some(known) = COPIED.iter().find(|c| **c == other) {
                        k.copied.push((known, v));
                    }
                }
            }
        }
        k
    }
}

/// Converts one structural schema node (read straight from the YAML tree). `junctor`: inside
/// allOf/anyOf/oneOf/not, where a schema only validates values and never prunes.
pub(super) fn convert(node: &Node, preserve_all: bool, junctor: bool) -> Value {
    if !node.is_map() {
        return json!({});
    }
    let k = Keywords::of(node);
    let mut out = Map::new();
    let preserve = preserve_all || k.preserve;
    if k.int_or_string {
        out.insert("type".into(), json!(["integer", "string", "null"]));
    } else if let Some(t) = k.type_name {
        // Null is always accepted: the API server prunes nulls of non-nullable fields.
        out.insert("type".into(), json!([t, "null"]));
    }
    if let Some(options) = k.enumeration.and_then(Node::as_seq) {
        let mut options: Vec<Value> = options.iter().map(Node::to_json).collect();
        if !options.contains(&Value::Null) {
            options.push(Value::Null);
        }
        out.insert("enum".into(), Value::Array(options));
    }
    for (keyword, v) in &k.copied {
        out.insert((*keyword).into(), v.to_json());
    }
    // OpenAPI v3's boolean exclusive bounds are JSON Schema's numeric ones.
    for (on, flag_key, bound) in [
        (k.exclusive_minimum, "exclusiveMinimum", "minimum"),
        (k.exclusive_maximum, "exclusiveMaximum", "maximum"),
    ] {
        if on && let Some(limit) = out.remove(bound) {
            out.insert(flag_key.into(), limit);
        }
    }
    let mut properties = Map::new();
    if let Some(props) = k.properties {
        for e in props.entries() {
            if let Some(name) = e.key.key_string() {
                properties.insert(name.into_owned(), convert(&e.value, preserve_all, junctor));
            }
        }
    }
    if k.embedded {
        for field in ["apiVersion", "kind"] {
            properties
                .entry(field)
                .or_insert_with(|| json!({"type": ["string", "null"]}));
        }
        properties
            .entry("metadata")
            .or_insert_with(|| json!({"type": ["object", "null"]}));
    }
    let has_properties = !properties.is_empty();
    if has_properties {
        out.insert("properties".into(), Value::Object(properties));
    }
    match k.additional {
        Some(Node {
            value: Yaml::Bool(b),
            ..
        }) => {
            out.insert("additionalProperties".into(), Value::Bool(*b));
        }
        Some(sub) if sub.is_map() => {
            out.insert(
                "additionalProperties".into(),
                convert(sub, preserve_all, junctor),
            );
        }
        _ => {
            let is_object =
                k.type_name == Some("object") || (k.type_name.is_none() && has_properties);
            if is_object && !preserve && !junctor {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }
    if let Some(items) = k.items.filter(|i| i.is_map()) {
        out.insert("items".into(), convert(items, preserve_all, junctor));
        match k.list_type {
            Some("set") if !junctor => {
                out.insert("uniqueItems".into(), Value::Bool(true));
            }
            Some("map") if !junctor => {
                let keys: Vec<&str> = k
                    .list_map_keys
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                let defaults: Map<String, Value> = keys
                    .iter()
                    .filter_map(|key| {
                        let default = items.get("properties")?.get(key)?.get("default")?;
                        Some(((*key).to_owned(), default.to_json()))
                    })
                    .collect();
                if !keys.is_empty() {
                    out.insert(
                        LIST_MAP_KEYWORD.into(),
                        json!({"keys": keys, "defaults": defaults}),
                    );
                }
            }
            _ => {}
        }
    }
    if let Some(required) = k.required.and_then(Node::as_seq) {
        // A required field with a default is filled in before validation.
        let defaulted = |name: &str| {
            k.properties
                .and_then(|p| p.get(name))
                .is_some_and(|p| p.get("default").is_some())
        };
        let required: Vec<Value> = required
            .iter()
            .filter_map(Node::as_str)
            .filter(|n| !defaulted(n))
            .map(|n| Value::String(n.to_owned()))
            .collect();
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
    }
    for (junctor_key, list) in &k.junctors {
        let Some(branches) = list.as_seq() else {
            continue;
        };
        // int-or-string fields usually spell out `anyOf: [{type: integer}, {type: string}]`;
        // the type list above already says that, in one message.
        let only_types = branches
            .iter()
            .all(|b| b.is_map() && b.entries().iter().all(|e| e.key.as_str() == Some("type")));
        if k.int_or_string && only_types {
            continue;
        }
        let converted = branches
            .iter()
            .map(|b| convert(b, preserve_all, true))
            .collect();
        out.insert((*junctor_key).into(), Value::Array(converted));
    }
    if let Some(not) = k.not.filter(|n| n.is_map()) {
        out.insert("not".into(), convert(not, preserve_all, true));
    }
    Value::Object(out)
}
