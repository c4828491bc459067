//! A JSON Schema validator for the keywords Kubernetes schemas use, run on the YAML tree itself.
//!
//! The embedded schemas only use `type`, `$ref`, `properties`, `additionalProperties`, `items`,
//! `required`, `enum` and `oneOf`; schemas converted from CRDs ([`super::crd`]) add the numeric,
//! length, count, `pattern`, `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not` keywords and the
//! list-map key check. Validating the tree directly skips converting every object to JSON, and
//! compiling a definition only when an object first needs it keeps a one-file run cheap
//! (README "Performance"). Values are seen as kubectl's YAML→JSON conversion sees them
//! ([`Node::to_json`]): keys become strings, whole floats are integers, NaN is null.
//! `format` is an annotation here, as in JSON Schema 2020-12, except `format: byte`: the API
//! server decodes those strings as base64 (Go's `encoding/json` for `[]byte` fields, format
//! validation for custom resources), and rejects what does not decode. Patterns are RE2 (the `regex`
//! crate), as Go's `regexp` in the API server.

mod walk;
pub use walk::*;

use super::Segment;
use crate::load::tree::{Node, Value as Yaml};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// The key of the list-map check in converted CRD schemas: `{"keys": [...], "defaults": {...}}`
/// (the API server rejects two items of an `x-kubernetes-list-type: map` list with the same key,
/// after defaulting the key fields).
pub const LIST_MAP_KEYWORD: &str = "x-kubevet-list-map";

/// A JSON type, in the order JSON Schema validators list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Null = 1,
    Boolean = 2,
    Integer = 4,
    Number = 8,
    String = 16,
    Array = 32,
    Object = 64,
}

const TYPES: [(JsonType, &str); 7] = [
    (JsonType::Null, "null"),
    (JsonType::Boolean, "boolean"),
    (JsonType::Integer, "integer"),
    (JsonType::Number, "number"),
    (JsonType::String, "string"),
    (JsonType::Array, "array"),
    (JsonType::Object, "object"),
];

/// A set of JSON types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Types(u8);

impl Types {
    pub fn contains(self, t: JsonType) -> bool {
        self.0 & t as u8 != 0
    }

    pub fn iter(self) -> impl Iterator<Item = JsonType> {
        TYPES
            .into_iter()
            .map(|(t, _)| t)
            .filter(move |t| self.contains(*t))
    }

    fn named(name: &str) -> Option<Types> {
        TYPES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| Types(*t as u8))
    }
}

/// Why a value fails its schema.
#[derive(Clone, Debug, PartialEq)]
pub enum FailureKind {
    Type {
        expected: Types,
    },
    Required {
        property: String,
    },
    /// Fields the schema does not allow, in the order of the object.
    AdditionalProperties {
        unexpected: Vec<String>,
    },
    Enum {
        options: Vec<Value>,
    },
    Const {
        expected: Value,
    },
    Minimum {
        limit: Number,
    },
    Maximum {
        limit: Number,
    },
    ExclusiveMinimum {
        limit: Number,
    },
    ExclusiveMaximum {
        limit: Number,
    },
    MinLength {
        limit: u64,
    },
    MaxLength {
        limit: u64,
    },
    MinItems {
        limit: u64,
    },
    MaxItems {
        limit: u64,
    },
    MinProperties {
        limit: u64,
    },
    MaxProperties {
        limit: u64,
    },
    Pattern {
        pattern: String,
    },
    MultipleOf {
        multiple_of: f64,
    },
    UniqueItems,
    AnyOf {
        branches: usize,
    },
    OneOfNone {
        branches: usize,
    },
    OneOfMany {
        branches: usize,
        valid: usize,
    },
    Not,
    FalseSchema,
    /// A string of `format: byte` that Go's base64 decoder rejects at byte `at` (the JSON
    /// decoding of a `[]byte` field, or `format` validation of a custom resource).
    Base64 {
        at: usize,
    },
    /// Item `index` of a list-map list has the key of item `first`.
    DuplicateListMapKey {
        index: usize,
        first: usize,
        key: Map<String, Value>,
    },
}

/// A failure at the node at `path` below the validated root.
pub struct Failure<'n> {
    pub path: Vec<Segment>,
    pub kind: FailureKind,
    pub node: &'n Node,
}

/// A definition of a version's schema set, by index.
pub type DefId = u32;

/// Where `$ref`s point: the compiled definitions of one schema set.
pub trait Definitions {
    /// The definition a `$ref` names (`#/$defs/NAME`, or that fragment after a base URI).
    fn id_of(&self, reference: &str) -> Option<DefId>;
    /// The compiled definition; `None` when it does not compile (it is then not checked).
    fn compiled(&self, id: DefId) -> Option<&Schema>;
}

/// A compiled schema.
#[derive(Debug, Default)]
pub struct Schema {
    /// The `false` schema: nothing is valid.
    never: bool,
    types: Option<Types>,
    reference: Option<DefId>,
    /// Sorted by name, for binary search; each with its [`prefix`].
    properties: Vec<(u64, Box<str>, Schema)>,
    additional: Additional,
    items: Option<Box<Schema>>,
    required: Vec<Box<str>>,
    enumeration: Option<Vec<Value>>,
    /// Keywords only CRD schemas use, out of line to keep the common node small.
    rare: Option<Box<Rare>>,
}

#[derive(Debug, Default)]
enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(Box<Schema>),
}

#[derive(Debug, Default)]
struct Rare {
    constant: Option<Value>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_minimum: Option<Number>,
    exclusive_maximum: Option<Number>,
    multiple_of: Option<f64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, regex::Regex)>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    all_of: Vec<Schema>,
    any_of: Vec<Schema>,
    one_of: Vec<Schema>,
    not: Option<Box<Schema>>,
    list_map: Option<ListMap>,
    /// `format: byte`: base64, as the API server decodes it. Other formats are annotations.
    format_byte: bool,
}

#[derive(Debug)]
struct ListMap {
    keys: Vec<String>,
    defaults: Map<String, Value>,
}

impl Schema {
    /// Compiles a JSON Schema; `$ref`s are resolved by `defs` (only by name: the definition
    /// itself is compiled when first validated against).
    pub fn compile(value: &Value, defs: &dyn Definitions) -> Result<Schema, String> {
        let map = match value {
            Value::Bool(true) => return Ok(Schema::default()),
            Value::Bool(false) => {
                return Ok(Schema {
                    never: true,
                    ..Schema::default()
                });
            }
            Value::Object(map) => map,
            other => return Err(format!("a schema must be an object, not {other}")),
        };
        let mut schema = Schema::default();
        let mut rare = Rare::default();
        let mut has_rare = false;
        for (keyword, v) in map {
            match keyword.as_str() {
                "type" => schema.types = Some(types_of(v)?),
                "$ref" => {
                    let r = v.as_str().ok_or("`$ref` must be a string")?;
                    schema.reference =
                        Some(defs.id_of(r).ok_or_else(|| format!("unknown $ref {r}"))?);
                }
                "properties" => {
                    let props = v.as_object().ok_or("`properties` must be an object")?;
                    let mut list = props
                        .iter()
                        .map(|(name, sub)| {
                            Ok((
                                prefix(name),
                                name.as_str().into(),
                                Schema::compile(sub, defs)?,
                            ))
                        })
                        .collect::<Result<Vec<(u64, Box<str>, Schema)>, String>>()?;
                    list.sort_by(|a, b| a.1.cmp(&b.1));
                    schema.properties = list;
                }
                "additionalProperties" => {
                    schema.additional = match v {
                        Value::Bool(true) => Additional::Any,
                        Value::Bool(false) => Additional::Forbidden,
                        sub => Additional::Schema(Box::new(Schema::compile(sub, defs)?)),
                    }
                }
                "items" => schema.items = Some(Box::new(Schema::compile(v, defs)?)),
                "required" => {
                    schema.required = v
                        .as_array()
                        .ok_or("`required` must be a list")?
                        .iter()
                        .map(|n| n.as_str().map(Into::into).ok_or("`required` names strings"))
                        .collect::<Result<_, _>>()?;
                }
                "enum" => {
                    schema.enumeration = Some(v.as_array().ok_or("`enum` must be a list")?.clone());
                }
                _ => has_rare |= rare.read(keyword, v, defs)?,
            }
        }
        if has_rare {
            schema.rare = Some(Box::new(rare));
        }
        Ok(schema)
    }

    fn property(&self, name: &str) -> Option<&Schema> {
        // The order of `str::cmp`, decided by the first eight bytes as one word at nearly
        // every step of the search (`memcmp` only for names that share them).
        let first = prefix(name);
        let short = name.len() <= 8;
        let cmp = |p: u64, n: &str| {
            p.cmp(&first).then_with(|| {
                if short && n.len() <= 8 {
                    // Equal words: the names differ at most by trailing NUL bytes.
                    n.len().cmp(&name.len())
                } else {
                    n.cmp(name)
                }
            })
        };
        self.properties
            .binary_search_by(|(p, n, _)| cmp(*p, n))
            .ok()
            .map(|i| &self.properties[i].2)
    }
}

/// A name's first eight bytes as a big-endian word, padded with zero bytes: comparing the
/// words of two names orders them as `str::cmp` does, or leaves them equal when the first eight
/// bytes (padded) are.
fn prefix(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(word)
}

impl Rare {
    /// Reads one keyword; `false` for keywords that do not validate (annotations, extensions).
    fn read(&mut self, keyword: &str, v: &Value, defs: &dyn Definitions) -> Result<bool, String> {
        let number = || match v {
            Value::Number(n) => Ok(n.clone()),
            _ => Err(format!("`{keyword}` must be a number")),
        };
        let count = || {
            v.as_u64()
                .ok_or_else(|| format!("`{keyword}` must be a non-negative integer"))
        };
        let list = || -> Result<Vec<Schema>, String> {
            v.as_array()
                .ok_or_else(|| format!("`{keyword}` must be a list"))?
                .iter()
                .map(|s| Schema::compile(s, defs))
                .collect()
        };
        match keyword {
            "const" => self.constant = Some(v.clone()),
            "minimum" => self.minimum = Some(number()?),
            "maximum" => self.maximum = Some(number()?),
            "exclusiveMinimum" => self.exclusive_minimum = Some(number()?),
            "exclusiveMaximum" => self.exclusive_maximum = Some(number()?),
            "multipleOf" => {
                let m = v.as_f64().filter(|m| *m > 0.0);
                self.multiple_of = Some(m.ok_or("`multipleOf` must be a positive number")?);
            }
            "minLength" => self.min_length = Some(count()?),
            "maxLength" => self.max_length = Some(count()?),
            "minItems" => self.min_items = Some(count()?),
            "maxItems" => self.max_items = Some(count()?),
            "minProperties" => self.min_properties = Some(count()?),
            "maxProperties" => self.max_properties = Some(count()?),
            "uniqueItems" => self.unique_items = v.as_bool() == Some(true),
            "pattern" => {
                let pattern = v.as_str().ok_or("`pattern` must be a string")?;
                let regex = regex::Regex::new(pattern)
                    .map_err(|e| format!("invalid pattern `{pattern}`: {e}"))?;
                self.pattern = Some((pattern.to_owned(), regex));
            }
            "allOf" => self.all_of = list()?,
            "anyOf" => self.any_of = list()?,
            "oneOf" => self.one_of = list()?,
            "not" => self.not = Some(Box::new(Schema::compile(v, defs)?)),
            "format" => {
                self.format_byte = v.as_str() == Some("byte");
                return Ok(self.format_byte);
            }
            LIST_MAP_KEYWORD => {
                let keys = v["keys"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let defaults = v["defaults"].as_object().cloned().unwrap_or_default();
                self.list_map = Some(ListMap { keys, defaults });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn types_of(v: &Value) -> Result<Types, String> {
    let one = |name: &Value| {
        name.as_str()
            .and_then(Types::named)
            .ok_or_else(|| format!("unknown type {name}"))
    };
    match v {
        Value::Array(names) => names
            .iter()
            .try_fold(Types::default(), |acc, n| Ok(Types(acc.0 | one(n)?.0))),
        name => one(name),
    }
}

/// The JSON types a node has once converted to JSON: an integer is also a number, a whole
/// float also an integer, a NaN or infinity becomes null.
fn types_of_node(node: &Node) -> u8 {
    match &node.value {
        Yaml::Null => JsonType::Null as u8,
        Yaml::Bool(_) => JsonType::Boolean as u8,
        Yaml::Int(_) => JsonType::Integer as u8 | JsonType::Number as u8,
        Yaml::Float(f) if !f.is_finite() => JsonType::Null as u8,
        Yaml::Float(f) if f.fract() == 0.0 => JsonType::Integer as u8 | JsonType::Number as u8,
        Yaml::Float(_) => JsonType::Number as u8,
        Yaml::Str(_) => JsonType::String as u8,
        Yaml::Seq(_) => JsonType::Array as u8,
        Yaml::Map(_) => JsonType::Object as u8,
    }
}

fn number_of(node: &Node) -> Option<f64> {
    match node.value {
        Yaml::Int(i) => Some(i as f64),
        Yaml::Float(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

/// Equality of a node and a JSON value, as JSON Schema compares (numbers by value).
fn equals(node: &Node, value: &Value) -> bool {
    match (&node.value, value) {
        (Yaml::Str(s), Value::String(v)) => s == v,
        (Yaml::Bool(b), Value::Bool(v)) => b == v,
        (Yaml::Null, Value::Null) => true,
        (Yaml::Float(f), Value::Null) => !f.is_finite(),
        (Yaml::Int(i), Value::Number(n)) if n.as_i64().is_some() => {
            n.as_i64().is_some_and(|v| *i == i128::from(v))
        }
        (Yaml::Int(_) | Yaml::Float(_), Value::Number(n)) => {
            number_of(node).is_some_and(|f| Some(f) == n.as_f64())
        }
        (Yaml::Seq(_) | Yaml::Map(_), Value::Array(_) | Value::Object(_)) => {
            json_equal(&node.to_json(), value)
        }
        _ => false,
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
