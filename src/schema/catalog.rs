//! The embedded Kubernetes schemas (`schemas/kubernetes.zst`, laid out as
//! `schemas/README.md` describes): the index is parsed on first use; each chunk of schema
//! bodies is decompressed when a definition in it is first needed; each definition of a version is
//! parsed and compiled ([`super::validator`]) lazily, once, and shared by every thread.

use super::validator::{DefId, Definitions, Schema};
use crate::model::KubeVersion;
use foldhash::{HashMap, HashSet};
use serde::Deserialize;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// Decompressed with `ruzstd` (pure Rust) rather than the `zstd` crate: on the 2-core build
/// machine zstd-sys's C build took 64 s (release) against 2 s for ruzstd. A run decompresses
/// only the chunks its kinds need: a Pod, 115 KB of the 800 KB of bodies.
static EMBEDDED: &[u8] = include_bytes!("../../schemas/kubernetes.zst");

/// The base of `$ref`s into a version's definitions (only the `#/$defs/NAME` part is read).
/// Never fetched: `.invalid` is a reserved top-level domain, and kubevet has no network code.
const BASE_URI: &str = "https://schemas.kubevet.invalid/kubernetes/";

/// A `$ref` to a definition of a version's schema set, usable from any schema compiled with
/// [`VersionSet::compile`] of that version.
pub fn ref_uri(version: KubeVersion, def: &str) -> String {
    format!("{BASE_URI}{version}#/$defs/{def}")
}

/// A set of Kubernetes versions, bit `i` for `Catalog::versions[i]`.
pub type VersionMask = u64;

/// Where one schema body is: bytes `start .. start + len` of chunk `chunk`.
#[derive(Debug, Clone, Copy)]
struct BodyAt {
    chunk: u16,
    start: u32,
    len: u32,
}

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
    /// Every definition's bodies, with the versions each body applies to.
    definitions: HashMap<&'static str, Vec<(VersionMask, BodyAt)>>,
    /// The compressed chunks of bodies, each decompressed on first use.
    chunks: &'static [Chunk],
    pub kinds: Vec<KindEntry>,
    by_key: HashMap<(String, String), usize>,
    groups: HashSet<String>,
    sets: Vec<OnceLock<Arc<VersionSet>>>,
}

struct Chunk {
    compressed: &'static [u8],
    text: OnceLock<&'static str>,
}

impl Chunk {
    fn text(&self) -> &'static str {
        self.text.get_or_init(|| {
            decompress(self.compressed).expect("the embedded schema chunks are valid")
        })
    }
}

/// The index frame (`schemas/README.md`).
#[derive(Deserialize)]
struct Index<'a> {
    source: String,
    versions: Vec<String>,
    chunks: Vec<&'a str>,
    #[serde(borrow)]
    names: Vec<&'a str>,
    /// `[name, versions, chunk, start, length]` after one another: flat numbers, because every
    /// run parses the whole index (nested lists took twice as long).
    bodies: Vec<u64>,
    #[serde(borrow)]
    kinds: Vec<&'a str>,
    /// `[kind, name, versions]` after one another.
    kind_defs: Vec<u64>,
}

/// The embedded file's parts: the index (stored uncompressed in the leading skippable frame:
/// every run reads all of it) and the compressed chunk frames.
fn split(file: &'static [u8]) -> Result<(&'static str, Vec<&'static [u8]>), String> {
    let word = |at: usize| -> Result<usize, String> {
        file.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize)
            .ok_or_else(|| format!("truncated at byte {at}"))
    };
    if word(0)? != 0x184D_2A50 || file.get(8..12) != Some(b"KVS1") {
        return Err("not a kubevet schema container".into());
    }
    let (skippable, count, index_size) = (word(4)?, word(12)?, word(16)?);
    let index_at = 20 + 4 * count;
    if skippable != index_at - 8 + index_size {
        return Err("bad frame table".into());
    }
    let index = file
        .get(index_at..index_at + index_size)
        .ok_or("index past the end")?;
    let index = std::str::from_utf8(index).map_err(|e| e.to_string())?;
    let mut at = 8 + skippable;
    let mut frames = Vec::with_capacity(count);
    for i in 0..count {
        let size = word(20 + 4 * i)?;
        frames.push(file.get(at..at + size).ok_or("frame past the end")?);
        at += size;
    }
    if at != file.len() {
        return Err("bytes after the last frame".into());
    }
    Ok((index, frames))
}

/// One zstd frame, decompressed into text that lives as long as the process (the catalog
/// borrows names and bodies from it).
fn decompress(frame: &[u8]) -> Result<&'static str, String> {
    // The frame says how large the text is: one allocation, decoded straight into it.
    let mut decoder = ruzstd::decoding::FrameDecoder::new();
    decoder.init(frame).map_err(|e| e.to_string())?;
    let size = usize::try_from(decoder.content_size()).map_err(|e| e.to_string())?;
    let mut text = Vec::with_capacity(size);
    decoder
        .decode_all_to_vec(frame, &mut text)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8(text).map_err(|e| e.to_string())?;
    Ok(Box::leak(text.into_boxed_str()))
}

/// The catalog, decompressed and indexed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(EMBEDDED).expect("the embedded schemas are valid"))
}

impl Catalog {
    fn load(file: &'static [u8]) -> Result<Catalog, String> {
        let (index, bodies) = split(file)?;
        let raw: Index<'static> = serde_json::from_str(index).map_err(|e| e.to_string())?;
        if raw.chunks.len() != bodies.len() {
            return Err("the index and the frames disagree on the number of chunks".into());
        }
        let versions = raw
            .versions
            .iter()
            .map(|v| KubeVersion::parse_any(v).ok_or_else(|| format!("bad version {v:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        if versions.len() > 64 {
            return Err("more than 64 versions".into());
        }
        let name = |n: u64| -> Result<&'static str, String> {
            usize::try_from(n)
                .ok()
                .and_then(|n| raw.names.get(n).copied())
                .ok_or_else(|| format!("no definition number {n}"))
        };
        let mut definitions: HashMap<&'static str, Vec<(VersionMask, BodyAt)>> =
            HashMap::with_capacity_and_hasher(raw.names.len(), Default::default());
        if !raw.bodies.len().is_multiple_of(5) || !raw.kind_defs.len().is_multiple_of(3) {
            return Err("the index's bodies or kind_defs are not whole tuples".into());
        }
        for body in raw.bodies.chunks_exact(5) {
            let &[n, mask, chunk, start, len] = body else {
                unreachable!("chunks of five")
            };
            let number = |v: u64| u32::try_from(v).map_err(|e| e.to_string());
            let at = BodyAt {
                chunk: u16::try_from(chunk).map_err(|e| e.to_string())?,
                start: number(start)?,
                len: number(len)?,
            };
            if usize::from(at.chunk) >= bodies.len() || at.start.checked_add(at.len).is_none() {
                return Err(format!("{}: a body in no chunk", name(n)?));
            }
            definitions.entry(name(n)?).or_default().push((mask, at));
        }
        // Leaked like the texts: version sets borrow the chunks, and the catalog is forever.
        let chunks: &'static [Chunk] = bodies
            .iter()
            .map(|&compressed| Chunk {
                compressed,
                text: OnceLock::new(),
            })
            .collect::<Vec<_>>()
            .leak();
        let mut defs_of_kind: Vec<Vec<(VersionMask, &'static str)>> =
            vec![Vec::new(); raw.kinds.len()];
        for kind_def in raw.kind_defs.chunks_exact(3) {
            let &[k, n, mask] = kind_def else {
                unreachable!("chunks of three")
            };
            let defs = usize::try_from(k)
                .ok()
                .and_then(|k| defs_of_kind.get_mut(k))
                .ok_or_else(|| format!("no kind number {k}"))?;
            let def = name(n)?;
            if !definitions.contains_key(def) {
                return Err(format!("kind number {k}: no body for {def}"));
            }
            defs.push((mask, def));
        }
        let mut kinds = Vec::with_capacity(raw.kinds.len());
        for (key, defs) in raw.kinds.iter().zip(defs_of_kind) {
            let Some((api_version, kind)) = key.rsplit_once('/') else {
                return Err(format!("bad kind key {key:?}"));
            };
            kinds.push(KindEntry {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                served: defs.iter().fold(0, |served, (mask, _)| served | mask),
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
            chunks,
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
        let mut names: Vec<&'static str> = Vec::new();
        let mut raw = Vec::new();
        for (name, bodies) in &self.definitions {
            if let Some((_, body)) = bodies.iter().find(|(mask, _)| mask & bit != 0) {
                names.push(name);
                raw.push(*body);
            }
        }
        let ids = names
            .iter()
            .enumerate()
            .map(|(i, name)| (*name, i as DefId))
            .collect();
        VersionSet {
            version: self.versions[version],
            ids,
            values: raw.iter().map(|_| OnceLock::new()).collect(),
            compiled: raw.iter().map(|_| OnceLock::new()).collect(),
            raw,
            chunks: self.chunks,
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

/// The schemas of one Kubernetes version. A definition is parsed, and compiled, the first time
/// an object needs it: a one-file run pays for the few definitions of its kinds only.
pub struct VersionSet {
    pub version: KubeVersion,
    ids: HashMap<&'static str, DefId>,
    raw: Vec<BodyAt>,
    chunks: &'static [Chunk],
    /// Each definition as JSON, normalized (for messages that look up the allowed fields).
    values: Vec<OnceLock<Value>>,
    compiled: Vec<OnceLock<Option<Schema>>>,
}

impl VersionSet {
    /// A definition, as (normalized) JSON.
    pub fn def(&self, name: &str) -> Option<&Value> {
        self.ids.get(name).map(|&id| self.value(id))
    }

    fn value(&self, id: DefId) -> &Value {
        self.values[id as usize].get_or_init(|| {
            let at = self.raw[id as usize];
            let text = self.chunks[usize::from(at.chunk)].text();
            let body = text
                .get(at.start as usize..(at.start + at.len) as usize)
                .expect("embedded bodies lie inside their chunk");
            let mut body: Value =
                serde_json::from_str(body).expect("embedded definitions are JSON");
            normalize(&mut body);
            body
        })
    }

    /// A definition, compiled (once).
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.ids.get(name).and_then(|&id| self.compiled(id))
    }

    /// Compiles a schema that may `$ref` this version's definitions.
    pub fn compile(&self, schema: &Value) -> Result<Schema, String> {
        Schema::compile(schema, self)
    }

    /// Resolves a `$ref` to one of this version's definitions.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        self.id_of(reference).map(|id| self.value(id))
    }

    /// The names of every definition of this version.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.ids.keys().copied()
    }
}

impl Definitions for VersionSet {
    fn id_of(&self, reference: &str) -> Option<DefId> {
        let (_, name) = reference.split_once("#/$defs/")?;
        self.ids.get(name).copied()
    }

    fn compiled(&self, id: DefId) -> Option<&Schema> {
        self.compiled[id as usize]
            .get_or_init(|| Schema::compile(self.value(id), self).ok())
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every body the index points at is one JSON value, and the bodies of a chunk tile it
    /// exactly (what `scripts/update-schemas` writes; a slip would cut a schema in two).
    #[test]
    fn the_index_points_at_whole_bodies() {
        let catalog = catalog();
        let mut covered = vec![0u32; catalog.chunks.len()];
        let mut bodies: Vec<&BodyAt> = catalog
            .definitions
            .values()
            .flat_map(|entries| entries.iter().map(|(_, at)| at))
            .collect();
        bodies.sort_by_key(|at| (at.chunk, at.start));
        for at in bodies {
            let chunk = usize::from(at.chunk);
            assert_eq!(
                at.start, covered[chunk],
                "chunk {chunk}: a gap or an overlap"
            );
            covered[chunk] += at.len;
            let text = &catalog.chunks[chunk].text()[at.start as usize..][..at.len as usize];
            let value: Value = serde_json::from_str(text).unwrap();
            assert!(value.is_object() || value.is_boolean(), "{text}");
        }
        for (chunk, len) in covered.iter().enumerate() {
            assert_eq!(
                *len as usize,
                catalog.chunks[chunk].text().len(),
                "chunk {chunk}"
            );
        }
    }

    /// Each definition has at most one body per version, and every kind's definition exists in
    /// the versions that serve it.
    #[test]
    fn versions_are_consistent() {
        let catalog = catalog();
        for (name, entries) in &catalog.definitions {
            let masks: Vec<VersionMask> = entries.iter().map(|(mask, _)| *mask).collect();
            let union = masks.iter().fold(0, |all, mask| {
                assert_eq!(all & mask, 0, "{name}: a version has two bodies");
                all | mask
            });
            assert!(union >> catalog.versions.len() == 0, "{name}");
        }
        for kind in &catalog.kinds {
            for version in 0..catalog.versions.len() {
                if kind.served & (1 << version) == 0 {
                    continue;
                }
                let def = kind.def_in(version).unwrap();
                assert!(
                    catalog.definitions[def]
                        .iter()
                        .any(|(mask, _)| mask & (1 << version) != 0),
                    "{}/{} in {}: {def} missing",
                    kind.api_version,
                    kind.kind,
                    catalog.versions[version]
                );
            }
        }
    }

    #[test]
    fn a_damaged_container_is_an_error() {
        assert!(split(b"").is_err());
        assert!(split(&EMBEDDED[..EMBEDDED.len() - 1]).is_err());
        let mut longer = EMBEDDED.to_vec();
        longer.push(0);
        assert!(split(longer.leak()).is_err());
        assert!(split(&EMBEDDED[4..]).is_err());
    }
}
