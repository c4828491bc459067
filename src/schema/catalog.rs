//! The embedded Kubernetes schemas (`schemas/kubernetes.json.zst`, described in
//! `schemas/README.md`): decompressed and indexed once on first use; a version's `$defs`
//! document, its `jsonschema` registry and each kind's validator are built lazily, once, and
//! shared by every thread.

use crate::KubeVersion;
use jsonschema::{Draft, Registry, Validator};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};

/// Decompressed with `ruzstd` (pure Rust) rather than the `zstd` crate: on the 2-core build
/// machine zstd-sys's C build took 64 s (release) against 2 s for ruzstd, while decompressing
/// this file takes 0.9–3 ms against 0.5–1.8 ms, both small next to parsing the JSON.
static EMBEDDED: &[u8] = include_bytes!("../../schemas/kubernetes.json.zst");

/// Where a version's `$defs` document lives in the registry. Never fetched: `.invalid` is a
/// reserved top-level domain, and kubevet is built without any network retriever.
const BASE_URI: &str = "https://schemas.kubevet.invalid/kubernetes/";

/// A `$ref` to a definition of a version's schema set, usable from any schema compiled with
/// [`VersionSet::build`] of that version.
pub fn ref_uri(version: KubeVersion, def: &str) -> String {
    format!("{BASE_URI}{version}#/$defs/{def}")
}

/// A set of Kubernetes versions, bit `i` for `Catalog::versions[i]`.
pub type VersionMask = u64;

/// One `apiVersion`/`kind` pair the embedded schemas know, in any of their versions.
#[derive(Debug)]
pub struct KindEntry {
    pub api_version: String,
    pub kind: String,
    /// The versions that serve it.
    pub served: VersionMask,
    /// The definition that is its schema, per set of versions.
    defs: Vec<(VersionMask, &'static str)>,
}

impl KindEntry {
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    pub fn def_in(&self, version: usize) -> Option<&'static str> {
        self.defs
            .iter()
            .find(|(mask, _)| mask & (1 << version) != 0)
            .map(|(_, def)| *def)
    }
}

/// Everything the embedded file holds, indexed.
pub struct Catalog {
    /// The package the schemas were generated from, e.g. `kubernetes-validate==1.37.0`.
    pub source: String,
    /// The Kubernetes versions, oldest first.
    pub versions: Vec<KubeVersion>,
    /// Every definition's bodies, with the versions each body applies to. The JSON text stays
    /// unparsed until a version needs it.
    definitions: HashMap<&'static str, Vec<(VersionMask, &'static RawValue)>>,
    pub kinds: Vec<KindEntry>,
    by_key: HashMap<(String, String), usize>,
    groups: std::collections::HashSet<String>,
    sets: Vec<OnceLock<Arc<VersionSet>>>,
}

#[derive(Deserialize)]
struct RawCatalog<'a> {
    source: String,
    versions: Vec<String>,
    #[serde(borrow)]
    definitions: HashMap<Cow<'a, str>, Vec<(Vec<u32>, &'a RawValue)>>,
    kinds: HashMap<String, Vec<(Vec<u32>, String)>>,
}

fn mask_of(indices: &[u32]) -> VersionMask {
    indices.iter().fold(0, |m, &i| m | (1 << i))
}

/// The catalog, decompressed and indexed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(EMBEDDED).expect("the embedded schemas are valid"))
}

impl Catalog {
    fn load(compressed: &[u8]) -> Result<Catalog, String> {
        let mut json = Vec::new();
        ruzstd::decoding::StreamingDecoder::new(compressed)
            .map_err(|e| e.to_string())?
            .read_to_end(&mut json)
            .map_err(|e| e.to_string())?;
        // The catalog lives as long as the process; its definitions borrow from the text.
        let json: &'static [u8] = Box::leak(json.into_boxed_slice());
        let raw: RawCatalog<'static> = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        let versions = raw
            .versions
            .iter()
            .map(|v| KubeVersion::parse_any(v).ok_or_else(|| format!("bad version {v:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        if versions.len() > 64 {
            return Err("more than 64 versions".into());
        }
        let definitions = raw
            .definitions
            .into_iter()
            .map(|(name, bodies)| {
                let name: &'static str = match name {
                    Cow::Borrowed(s) => s,
                    Cow::Owned(s) => Box::leak(s.into_boxed_str()),
                };
                let bodies = bodies.into_iter().map(|(v, b)| (mask_of(&v), b)).collect();
                (name, bodies)
            })
            .collect::<HashMap<_, _>>();
        let mut kinds = Vec::with_capacity(raw.kinds.len());
        for (key, entries) in raw.kinds {
            let Some((api_version, kind)) = key.rsplit_once('/') else {
                return Err(format!("bad kind key {key:?}"));
            };
            let mut defs = Vec::new();
            let mut served = 0;
            for (indices, def) in entries {
                let (&name, _) = definitions
                    .get_key_value(def.as_str())
                    .ok_or_else(|| format!("{key}: no definition {def}"))?;
                let mask = mask_of(&indices);
                served |= mask;
                defs.push((mask, name));
            }
            kinds.push(KindEntry {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                served,
                defs,
            });
        }
        kinds.sort_by(|a, b| (&a.api_version, &a.kind).cmp(&(&b.api_version, &b.kind)));
        let by_key = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| ((k.api_version.clone(), k.kind.clone()), i))
            .collect();
        let sets = versions.iter().map(|_| OnceLock::new()).collect();
        let groups = kinds.iter().map(|k| k.group().to_owned()).collect();
        Ok(Catalog {
            source: raw.source,
            versions,
            definitions,
            kinds,
            by_key,
            groups,
            sets,
        })
    }

    pub fn index_of(&self, version: KubeVersion) -> Option<usize> {
        self.versions.iter().position(|&v| v == version)
    }

    pub fn newest(&self) -> KubeVersion {
        *self.versions.last().expect("at least one version")
    }

    pub fn kind(&self, api_version: &str, kind: &str) -> Option<&KindEntry> {
        self.by_key
            .get(&(api_version.to_owned(), kind.to_owned()))
            .map(|&i| &self.kinds[i])
    }

    /// Whether `group` is an API group of Kubernetes itself (in any embedded version).
    pub fn is_builtin_group(&self, group: &str) -> bool {
        self.groups.contains(group)
    }

    /// The schemas of one version (built on first use).
    pub fn version_set(&self, version: usize) -> Arc<VersionSet> {
        self.sets[version]
            .get_or_init(|| Arc::new(self.build_version_set(version)))
            .clone()
    }

    fn build_version_set(&self, version: usize) -> VersionSet {
        let bit = 1 << version;
        let mut defs = Map::new();
        let mut names: Vec<&&'static str> = self.definitions.keys().collect();
        names.sort();
        for name in names {
            let bodies = &self.definitions[*name];
            if let Some((_, raw)) = bodies.iter().find(|(mask, _)| mask & bit != 0) {
                let mut body: Value =
                    serde_json::from_str(raw.get()).expect("embedded definitions are JSON");
                normalize(&mut body);
                defs.insert((*name).to_owned(), body);
            }
        }
        let mut doc = Map::new();
        doc.insert("$defs".into(), Value::Object(defs));
        let doc = Arc::new(Value::Object(doc));
        let uri = format!("{BASE_URI}{}", self.versions[version]);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(&uri, Arc::clone(&doc))
            .and_then(|b| b.prepare())
            .expect("the embedded definitions form a valid registry");
        VersionSet {
            version: self.versions[version],
            uri,
            doc,
            registry,
            validators: Mutex::default(),
        }
    }
}

/// Rewrites validator noise away: a `oneOf` whose branches only name types (IntOrString is
/// `oneOf: [{type: [string, null]}, {type: [integer, null]}]`, Quantity the same with number)
/// becomes one `type` list. Besides one clear error instead of `oneOf` noise, this fixes `null`,
/// which matches both branches and so failed the `oneOf`, while Kubernetes accepts it.
fn normalize(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some(Value::Array(branches)) = map.get("oneOf") {
        let only_types = branches.iter().all(|b| {
            b.as_object()
                .is_some_and(|o| o.len() == 1 && o.contains_key("type"))
        });
        if only_types && !branches.is_empty() {
            let mut types: Vec<Value> = Vec::new();
            for branch in branches {
                let t = &branch["type"];
                let items = match t {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                for item in items {
                    if !types.contains(&item) {
                        types.push(item);
                    }
                }
            }
            map.remove("oneOf");
            map.insert("type".into(), Value::Array(types));
        }
    }
    for (_, value) in map.iter_mut() {
        match value {
            Value::Object(_) => normalize(value),
            Value::Array(items) => items.iter_mut().for_each(normalize),
            _ => {}
        }
    }
}

type Cell = Arc<OnceLock<Result<Arc<Validator>, String>>>;

/// The schemas of one Kubernetes version.
pub struct VersionSet {
    pub version: KubeVersion,
    /// The registry URI of `doc`.
    pub uri: String,
    /// `{"$defs": {...}}`, normalized.
    pub doc: Arc<Value>,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Cell>>,
}

impl VersionSet {
    pub fn def(&self, name: &str) -> Option<&Value> {
        self.doc["$defs"].get(name)
    }

    /// A `$ref` to a definition of this version, usable from any schema built with
    /// [`VersionSet::build`].
    pub fn ref_to(&self, def: &str) -> String {
        ref_uri(self.version, def)
    }

    /// The validator for a definition, built once.
    pub fn validator(&self, def: &str) -> Result<Arc<Validator>, String> {
        self.cached(def, || {
            let schema = serde_json::json!({ "$ref": self.ref_to(def) });
            self.build(&schema)
        })
    }

    /// A validator from the cache under `key`, made by `build` the first time. Threads asking
    /// for the same key while it is being built wait for it instead of building it again.
    pub fn cached(
        &self,
        key: &str,
        build: impl FnOnce() -> Result<Validator, String>,
    ) -> Result<Arc<Validator>, String> {
        let cell = {
            let mut map = self.validators.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(map.entry(key.to_owned()).or_default())
        };
        cell.get_or_init(|| build().map(Arc::new)).clone()
    }

    /// Compiles a schema that may `$ref` this version's definitions.
    pub fn build(&self, schema: &Value) -> Result<Validator, String> {
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .with_keyword(super::crd::LIST_MAP_KEYWORD, super::crd::list_map_keyword)
            .build(schema)
            .map_err(|e| e.to_string())
    }

    /// Resolves a `$ref` to one of this version's definitions.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        let (_, name) = reference.split_once("#/$defs/")?;
        self.def(name)
    }
}
