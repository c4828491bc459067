//! CustomResourceDefinitions as schema sources: every CRD among the checked paths and the
//! `--crd` paths gives the `openAPIV3Schema` of each served version, converted from the
//! structural OpenAPI dialect of apiextensions to JSON Schema 2020-12 with Kubernetes'
//! semantics: unknown fields are pruned (so strict validation rejects them) unless
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string` is an integer or a string,
//! `x-kubernetes-embedded-resource` adds `apiVersion`/`kind`/`metadata`, `nullable` and pruning
//! make `null` acceptable everywhere, and a `required` field that has a `default` is filled in by
//! the server. CEL rules (`x-kubernetes-validations`) are evaluated by [`crate::policy::crd_rules`].

mod convert;
mod structural;
use convert::*;
pub use structural::*;

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
    /// Its CEL rules (`x-kubernetes-validations`), compiled once ([`crate::policy::crd_rules`]).
    cel_rules: OnceLock<Option<crate::policy::crd_rules::Rules>>,
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

    /// The CEL rules of the version's schema, compiled once for the run's release; `None`
    /// when it has none.
    pub fn cel_rules(&self, kube_minor: u32) -> Option<&crate::policy::crd_rules::Rules> {
        self.cel_rules
            .get_or_init(|| {
                let source = self.source.as_ref()?;
                source
                    .with_schema(|_, entry| {
                        crate::policy::crd_rules::Rules::build(&entry.value, kube_minor)
                    })
                    .flatten()
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
                            cel_rules: OnceLock::new(),
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
