//! The embedded Kubernetes schemas (`schemas/kubernetes.json.zst`, described in
//! `schemas/README.md`): decompressed and indexed once on first use; each definition of a
//! version is parsed and compiled ([`super::validator`]) lazily, once, and shared by every
//! thread.

use super::validator::{DefId, Definitions, Schema};
use crate::KubeVersion;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Decompressed with `ruzstd` (pure Rust) rather than the `zstd` crate: on the 2-core build
/// machine zstd-sys's C build took 64 s (release) against 2 s for ruzstd, while decompressing
/// this file takes 0.9–3 ms against 0.5–1.8 ms, both small next to parsing the JSON.
static EMBEDDED: &[u8] = include_bytes!("../../schemas/kubernetes.json.zst");

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

/// Texts borrowed from the embedded document (the definition names or kind keys), each with
/// the versions an entry applies to and that entry's text.
type Versioned = Vec<(VersionMask, &'static str)>;

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
    definitions: HashMap<&'static str, Versioned>,
    pub kinds: Vec<KindEntry>,
    by_key: HashMap<(String, String), usize>,
    groups: std::collections::HashSet<String>,
    sets: Vec<OnceLock<Arc<VersionSet>>>,
}

/// The embedded document's parts. `definitions` (90% of the text) is only indexed, by
/// [`index_definitions`]: each body stays text until a version needs it.
struct RawCatalog {
    source: String,
    versions: Vec<String>,
    definitions: HashMap<&'static str, Versioned>,
    kinds: Vec<(&'static str, Versioned)>,
}

impl RawCatalog {
    fn parse(json: &'static str) -> Result<RawCatalog, String> {
        let mut source = None;
        let mut versions = None;
        let mut definitions = None;
        let mut kinds = None;
        let mut c = Cursor { text: json, at: 0 };
        c.expect(b'{')?;
        loop {
            let key = c.string()?;
            c.expect(b':')?;
            match key {
                "definitions" => definitions = Some(index_definitions(&mut c)?),
                "source" => {
                    source = Some(serde_json::from_str(c.value()?).map_err(|e| e.to_string())?)
                }
                "versions" => {
                    versions = Some(serde_json::from_str(c.value()?).map_err(|e| e.to_string())?)
                }
                "kinds" => kinds = Some(index_kinds(&mut c)?),
                _ => {
                    c.value()?;
                }
            }
            if !c.next_item(b'}')? {
                break;
            }
        }
        Ok(RawCatalog {
            source: source.ok_or("no source")?,
            versions: versions.ok_or("no versions")?,
            definitions: definitions.ok_or("no definitions")?,
            kinds: kinds.ok_or("no kinds")?,
        })
    }
}

/// `{"<name>": [[[<version idx>...], <body>], ...], ...}`, with each body's text found by
/// skipping over it (a few instructions a byte) rather than parsing it.
fn index_definitions(c: &mut Cursor) -> Result<HashMap<&'static str, Versioned>, String> {
    Ok(versioned_entries(c, Cursor::value)?.into_iter().collect())
}

/// `{"<apiVersion>/<Kind>": [[[<version idx>...], "<def name>"], ...], ...}`.
fn index_kinds(c: &mut Cursor) -> Result<Vec<(&'static str, Versioned)>, String> {
    versioned_entries(c, Cursor::string)
}

/// `{"<key>": [[[<version idx>...], <item>], ...], ...}`, in file order; `item` reads each item.
fn versioned_entries(
    c: &mut Cursor,
    item: fn(&mut Cursor) -> Result<&'static str, String>,
) -> Result<Vec<(&'static str, Versioned)>, String> {
    let mut out = Vec::new();
    c.expect(b'{')?;
    if c.next_item(b'}')? {
        loop {
            let key = c.string()?;
            c.expect(b':')?;
            let mut entries = Vec::new();
            c.expect(b'[')?;
            if c.next_item(b']')? {
                loop {
                    c.expect(b'[')?;
                    let mask = c.indices()?;
                    c.expect(b',')?;
                    entries.push((mask, item(c)?));
                    c.expect(b']')?;
                    if !c.next_item(b']')? {
                        break;
                    }
                }
            }
            out.push((key, entries));
            if !c.next_item(b'}')? {
                break;
            }
        }
    }
    Ok(out)
}

/// A reader over trusted, compact JSON (the embedded file, checked by the tests): it finds
/// where values begin and end, and leaves parsing them to serde_json.
struct Cursor {
    text: &'static str,
    at: usize,
}

impl Cursor {
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() && bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        match self.peek() {
            Some(b) if b == byte => {
                self.at += 1;
                Ok(())
            }
            other => Err(format!(
                "expected `{}` at byte {}, found {:?}",
                byte as char,
                self.at,
                other.map(char::from)
            )),
        }
    }

    /// After an opening bracket or an item: `true` if another item follows (a `,` is
    /// consumed; a first item needs none), `false` at `close` (consumed).
    fn next_item(&mut self, close: u8) -> Result<bool, String> {
        let first = matches!(
            self.text.as_bytes().get(self.at.wrapping_sub(1)),
            Some(b'{' | b'[')
        );
        match self.peek() {
            Some(b) if b == close => {
                self.at += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.at += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            other => Err(format!(
                "unexpected {:?} at byte {}",
                other.map(char::from),
                self.at
            )),
        }
    }

    /// A list of version indices, as a mask.
    fn indices(&mut self) -> Result<VersionMask, String> {
        let list: Vec<u32> = serde_json::from_str(self.value()?).map_err(|e| e.to_string())?;
        if list.iter().any(|&i| i >= 64) {
            return Err("a version index above 63".into());
        }
        Ok(mask_of(&list))
    }

    /// A string without escapes (names and keys of the embedded file have none).
    fn string(&mut self) -> Result<&'static str, String> {
        self.expect(b'"')?;
        let start = self.at;
        let len = self.text.as_bytes()[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .ok_or("unterminated string")?;
        if self.text.as_bytes()[start + len] == b'\\' {
            return Err(format!("escaped string at byte {start}"));
        }
        self.at = start + len + 1;
        Ok(&self.text[start..start + len])
    }

    /// The text of the next value, skipped over: strings are jumped with `memchr` (most of
    /// a schema's bytes are in its strings), brackets counted.
    fn value(&mut self) -> Result<&'static str, String> {
        self.peek();
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut depth = 0usize;
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    i += 1;
                    loop {
                        let at = memchr::memchr2(b'"', b'\\', &bytes[i..])
                            .ok_or("unterminated string")?;
                        if bytes[i + at] == b'"' {
                            i += at;
                            break;
                        }
                        i += at + 2;
                    }
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => break,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        if i > bytes.len() || i == start {
            return Err(format!("no value at byte {start}"));
        }
        self.at = i;
        Ok(&self.text[start..i])
    }
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
        // The frame says how large the text is: one allocation, decoded straight into it.
        let mut decoder = ruzstd::decoding::FrameDecoder::new();
        decoder.init(compressed).map_err(|e| e.to_string())?;
        let size = usize::try_from(decoder.content_size()).map_err(|e| e.to_string())?;
        let mut json = Vec::with_capacity(size);
        decoder
            .decode_all_to_vec(compressed, &mut json)
            .map_err(|e| e.to_string())?;
        // The catalog lives as long as the process; its definitions borrow from the text.
        let json = String::from_utf8(json).map_err(|e| e.to_string())?;
        let json: &'static str = Box::leak(json.into_boxed_str());
        let raw = RawCatalog::parse(json)?;
        let versions = raw
            .versions
            .iter()
            .map(|v| KubeVersion::parse_any(v).ok_or_else(|| format!("bad version {v:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        if versions.len() > 64 {
            return Err("more than 64 versions".into());
        }
        let definitions = raw.definitions;
        let mut kinds = Vec::with_capacity(raw.kinds.len());
        for (key, entries) in raw.kinds {
            let key = key.to_owned();
            let Some((api_version, kind)) = key.rsplit_once('/') else {
                return Err(format!("bad kind key {key:?}"));
            };
            let mut defs = Vec::new();
            let mut served = 0;
            for (mask, def) in entries {
                let (&name, _) = definitions
                    .get_key_value(def)
                    .ok_or_else(|| format!("{key}: no definition {def}"))?;
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
    raw: Vec<&'static str>,
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
            let mut body: Value =
                serde_json::from_str(self.raw[id as usize]).expect("embedded definitions are JSON");
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

    /// The skipping reader finds exactly what a full JSON parse of the embedded file finds.
    #[test]
    fn the_fast_index_agrees_with_a_full_parse() {
        let mut json = Vec::new();
        std::io::Read::read_to_end(
            &mut ruzstd::decoding::StreamingDecoder::new(EMBEDDED).unwrap(),
            &mut json,
        )
        .unwrap();
        let text: &'static str = Box::leak(String::from_utf8(json).unwrap().into_boxed_str());
        let fast = RawCatalog::parse(text).unwrap();
        let full: Value = serde_json::from_str(text).unwrap();
        assert_eq!(full["source"], Value::from(fast.source.as_str()));
        assert_eq!(full["versions"], serde_json::json!(fast.versions));
        let kinds = full["kinds"].as_object().unwrap();
        assert_eq!(kinds.len(), fast.kinds.len());
        for (key, entries) in &fast.kinds {
            let listed = kinds[*key].as_array().unwrap();
            assert_eq!(listed.len(), entries.len(), "{key}");
            for (json, (mask, def)) in listed.iter().zip(entries) {
                let indices: Vec<u32> = serde_json::from_value(json[0].clone()).unwrap();
                assert_eq!(
                    (mask_of(&indices), *def),
                    (*mask, json[1].as_str().unwrap())
                );
            }
        }
        let definitions = full["definitions"].as_object().unwrap();
        assert_eq!(definitions.len(), fast.definitions.len());
        for (name, bodies) in definitions {
            let indexed = &fast.definitions[name.as_str()];
            let bodies = bodies.as_array().unwrap();
            assert_eq!(bodies.len(), indexed.len(), "{name}");
            for (body, (mask, text)) in bodies.iter().zip(indexed) {
                let indices: Vec<u32> = serde_json::from_value(body[0].clone()).unwrap();
                assert_eq!(mask_of(&indices), *mask, "{name}");
                let parsed: Value = serde_json::from_str(text).unwrap();
                assert_eq!(body[1], parsed, "{name}");
            }
        }
    }

    #[test]
    fn the_reader_skips_strings_escapes_and_nesting() {
        let text = r#"{"a": [1, "x\"]y", {"b": [2, {}]}], "c": true, "d": {"e": "f,}"}}"#;
        let mut c = Cursor { text, at: 0 };
        c.expect(b'{').unwrap();
        let mut seen = Vec::new();
        loop {
            let key = c.string().unwrap();
            c.expect(b':').unwrap();
            seen.push((key, c.value().unwrap()));
            if !c.next_item(b'}').unwrap() {
                break;
            }
        }
        assert_eq!(
            seen,
            vec![
                ("a", r#"[1, "x\"]y", {"b": [2, {}]}]"#),
                ("c", "true"),
                ("d", r#"{"e": "f,}"}"#)
            ]
        );
        assert!(Cursor { text: "", at: 0 }.value().is_err());
    }
}
