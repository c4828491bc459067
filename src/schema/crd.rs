//! CustomResourceDefinitions as schema sources: every CRD among the checked paths and the
//! `--crd` paths gives the `openAPIV3Schema` of each served version, converted from the
//! structural OpenAPI dialect of apiextensions to JSON Schema 2020-12 with Kubernetes'
//! semantics: unknown fields are pruned (so strict validation rejects them) unless
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string` is an integer or a string,
//! `x-kubernetes-embedded-resource` adds `apiVersion`/`kind`/`metadata`, `nullable` and pruning
//! make `null` acceptable everywhere, and a `required` field that has a `default` is filled in by
//! the server. CEL rules (`x-kubernetes-validations`) are not evaluated.

use super::catalog::{VersionSet, ref_uri};
use super::validator::{LIST_MAP_KEYWORD, Schema};
use crate::k8s::object::{Object, objects_of};
use crate::load::Loaded;
use crate::load::tree::{Entry, Node, Value as Yaml};
use crate::model::KubeVersion;
use crate::model::diagnostic::FileId;
use crate::model::span::Span;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const TYPES: &[&str] = &["object", "array", "string", "integer", "number", "boolean"];

/// Where a CRD's schema is: the loaded file that holds it (shared with the main pass), which
/// object of which document, and which version. Converted and compiled on first use only, so
/// CRDs whose custom resources are not among the checked files cost no more than their parse.
struct Source {
    file: FileId,
    loaded: Arc<Loaded>,
    document: usize,
    object: usize,
    version: String,
    kube: KubeVersion,
}

impl Source {
    fn with_schema<T>(&self, f: impl FnOnce(&CrdDefinition<'_>, &Entry) -> T) -> Option<T> {
        let document = self.loaded.documents.get(self.document)?;
        let objects = objects_of(&document.root, document.index);
        let crd = definition(objects.get(self.object)?)?;
        let entry = crd
            .versions
            .iter()
            .find(|v| v.name == self.version)?
            .schema?;
        Some(f(&crd, entry))
    }
}

/// A CRD schema made ready for validation.
pub struct Compiled {
    /// The JSON Schema 2020-12 form, for looking up allowed fields in messages.
    pub schema: Value,
    /// `Err` when the schema is not structural (reported at the CRD) or does not compile.
    pub validator: Result<Schema, String>,
}

/// The schema a CRD gives one version of its kind.
pub struct CrdVersion {
    /// The CRD's `metadata.name`, e.g. `widgets.example.org`.
    pub crd_name: String,
    /// `None`: the version has no schema (apiextensions v1beta1 allowed that); anything goes.
    source: Option<Source>,
    compiled: OnceLock<Option<Compiled>>,
}

impl CrdVersion {
    /// The converted and compiled schema, built once; `None` when there is no schema.
    pub fn compiled(&self, set: &VersionSet) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| {
                let source = self.source.as_ref()?;
                source.with_schema(|crd, entry| {
                    let schema = convert_root(&entry.value, crd, source.kube);
                    let validator = if structural_problems(&entry.value, crd.legacy).is_empty() {
                        set.compile(&schema)
                    } else {
                        Err("the schema is not structural".to_owned())
                    };
                    Compiled { schema, validator }
                })
            })
            .as_ref()
    }

    /// The file the schema came from (for CRDs among the checked files).
    pub fn file(&self) -> Option<FileId> {
        self.source.as_ref().map(|s| s.file)
    }
}

/// Every CRD known to a run, by the apiVersion and kind of its custom resources.
#[derive(Default)]
pub struct Crds {
    versions: HashMap<(String, String), Arc<CrdVersion>>,
    /// (group, kind) → the versions some CRD serves, and the CRD's name.
    kinds: HashMap<(String, String), (Vec<String>, String)>,
}

/// What a CRD object says, read from its YAML.
pub struct CrdDefinition<'a> {
    pub name: String,
    pub group: &'a str,
    pub kind: &'a str,
    /// apiextensions.k8s.io/v1beta1.
    pub legacy: bool,
    /// v1beta1's `spec.preserveUnknownFields` (default true): nothing is pruned.
    pub preserve_unknown: bool,
    pub versions: Vec<VersionDefinition<'a>>,
}

pub struct VersionDefinition<'a> {
    pub name: &'a str,
    pub served: bool,
    /// The `openAPIV3Schema` entry (key and value).
    pub schema: Option<&'a crate::load::tree::Entry>,
}

/// A structural problem of a CRD schema, at its YAML node.
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

pub fn is_crd(object: &Object<'_>) -> bool {
    object.kind == Some("CustomResourceDefinition") && object.group() == "apiextensions.k8s.io"
}

/// Reads a CRD object. `None` when it is not one or lacks the group or kind.
pub fn definition<'a>(object: &Object<'a>) -> Option<CrdDefinition<'a>> {
    if !is_crd(object) {
        return None;
    }
    let spec = object.root.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let kind = spec.get_path(&["names", "kind"])?.as_str()?;
    let legacy = object.version() == "v1beta1";
    let global_schema = spec
        .get("validation")
        .and_then(|v| v.entry("openAPIV3Schema"));
    let mut versions = Vec::new();
    for item in spec.get("versions").and_then(Node::as_seq).unwrap_or(&[]) {
        let Some(name) = item.get("name").and_then(Node::as_str) else {
            continue;
        };
        let served = item.get("served").and_then(Node::as_bool).unwrap_or(true);
        let schema = item
            .get("schema")
            .and_then(|s| s.entry("openAPIV3Schema"))
            .or(global_schema);
        versions.push(VersionDefinition {
            name,
            served,
            schema,
        });
    }
    if versions.is_empty()
        && let Some(name) = spec.get("version").and_then(Node::as_str)
    {
        versions.push(VersionDefinition {
            name,
            served: true,
            schema: global_schema,
        });
    }
    let preserve_unknown = legacy
        && spec
            .get("preserveUnknownFields")
            .and_then(Node::as_bool)
            .unwrap_or(true);
    Some(CrdDefinition {
        name: object.name.unwrap_or(kind).to_owned(),
        group,
        kind,
        legacy,
        preserve_unknown,
        versions,
    })
}

impl Crds {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Adds the CRDs of a loaded file. The first CRD to define an apiVersion/kind wins (paths
    /// are visited in sorted order, so that is deterministic).
    pub fn add_file(&mut self, file: FileId, loaded: &Arc<Loaded>, kube: KubeVersion) {
        for (d, document) in loaded.documents.iter().enumerate() {
            for (o, object) in objects_of(&document.root, document.index)
                .iter()
                .enumerate()
            {
                let Some(crd) = definition(object) else {
                    continue;
                };
                for version in crd.versions.iter().filter(|v| v.served) {
                    let key = (
                        format!("{}/{}", crd.group, version.name),
                        crd.kind.to_owned(),
                    );
                    if self.versions.contains_key(&key) {
                        continue;
                    }
                    let source = version.schema.map(|_| Source {
                        file,
                        loaded: Arc::clone(loaded),
                        document: d,
                        object: o,
                        version: version.name.to_owned(),
                        kube,
                    });
                    self.versions.insert(
                        key,
                        Arc::new(CrdVersion {
                            crd_name: crd.name.clone(),
                            source,
                            compiled: OnceLock::new(),
                        }),
                    );
                    let (served, _) = self
                        .kinds
                        .entry((crd.group.to_owned(), crd.kind.to_owned()))
                        .or_insert_with(|| (Vec::new(), crd.name.clone()));
                    served.push(version.name.to_owned());
                }
            }
        }
    }

    /// The (apiVersion, kind) pairs this set has a schema for.
    pub fn keys(&self) -> impl Iterator<Item = &(String, String)> {
        self.versions.keys()
    }

    /// Adds the CRDs of `other` that this set does not have yet.
    pub fn merge(&mut self, other: Crds) {
        for (key, version) in other.versions {
            self.versions.entry(key).or_insert(version);
        }
        for (key, (served, name)) in other.kinds {
            let (mine, _) = self.kinds.entry(key).or_insert_with(|| (Vec::new(), name));
            for v in served {
                if !mine.contains(&v) {
                    mine.push(v);
                }
            }
        }
    }

    /// Every (apiVersion, kind) with a CRD, and its schema.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &Arc<CrdVersion>)> {
        self.versions
            .iter()
            .map(|((api_version, kind), v)| (api_version.as_str(), kind.as_str(), v))
    }

    pub fn get(&self, api_version: &str, kind: &str) -> Option<&Arc<CrdVersion>> {
        self.versions
            .get(&(api_version.to_owned(), kind.to_owned()))
    }

    /// The versions CRDs serve for a group and kind, and the name of the (first) CRD.
    pub fn served_versions(&self, group: &str, kind: &str) -> Option<(&[String], &str)> {
        self.kinds
            .get(&(group.to_owned(), kind.to_owned()))
            .map(|(v, name)| (v.as_slice(), name.as_str()))
    }
}

/// The structural problems of an `openAPIV3Schema`, and its invalid `pattern`s, parsed with
/// RE2-like syntax (`regex-syntax`: no lookaround, no backreferences) as the API server parses
/// them with Go's `regexp`: the API server rejects such a CRD.
pub fn structural_problems(schema: &Node, legacy: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_schema(schema, legacy, Position::Root, &mut problems);
    problems
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Root,
    /// A field (under `properties`/`additionalProperties`) or array items: needs a type.
    Specified,
    /// Inside `allOf`/`anyOf`/`oneOf`/`not`: value validation only.
    Junctor,
}

fn check_schema(node: &Node, legacy: bool, position: Position, out: &mut Vec<Problem>) {
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
fn key_anchor(node: &Node) -> Span {
    node.entries().first().map_or(node.span, |e| e.key.span)
}

fn convert_root(schema: &Node, crd: &CrdDefinition<'_>, version: KubeVersion) -> Value {
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
struct Keywords<'a> {
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

const COPIED: &[&str] = &[
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
    fn of(node: &'a Node) -> Keywords<'a> {
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
fn convert(node: &Node, preserve_all: bool, junctor: bool) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::source::SourceFile;

    fn yaml(text: &str) -> Node {
        let file = SourceFile::new(FileId(0), "t.yaml".into(), text.into());
        let mut loaded = crate::load::load(&file, &Default::default());
        loaded.documents.remove(0).root
    }

    #[test]
    fn conversion_follows_kubernetes_semantics() {
        let schema = yaml(
            r#"
type: object
required: [size, mode]
properties:
  size: {type: integer}
  mode: {type: string, default: fast, enum: [fast, slow]}
  port:
    x-kubernetes-int-or-string: true
    anyOf: [{type: integer}, {type: string}]
  extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
  count: {type: integer, minimum: 0, exclusiveMinimum: true}
  any:
    anyOf: [{required: [a]}, {required: [b]}]
    properties: {a: {type: string}}
"#,
        );
        let out = convert(&schema, false, false);
        assert_eq!(out["additionalProperties"], json!(false));
        assert_eq!(out["required"], json!(["size"]));
        assert_eq!(
            out["properties"]["mode"]["enum"],
            json!(["fast", "slow", null])
        );
        assert_eq!(
            out["properties"]["port"],
            json!({"type": ["integer", "string", "null"]})
        );
        assert!(
            out["properties"]["extra"]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(out["properties"]["count"]["exclusiveMinimum"], json!(0));
        assert!(
            out["properties"]["any"]["anyOf"][0]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(
            out["properties"]["any"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn structural_problems_and_bad_patterns_are_found() {
        let schema = yaml(
            r#"
type: object
properties:
  message: {type: strign}
  tags: {type: array}
  name: {type: string, pattern: "a(b"}
  ok: {type: string, pattern: "^[a-z]+$"}
"#,
        );
        let problems = structural_problems(&schema, false);
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown type `strign` in the CRD schema",
                "an array in a structural CRD schema must have `items`",
                "`a(b` is not a valid regular expression",
            ]
        );
    }
}
