//! kustomize, rendered natively: `kustomize build DIR` in kubevet, with every rendered value
//! remembering the file and span that set it.
//!
//! [`render`] walks a kustomization as kustomize 5 does (sigs.k8s.io/kustomize
//! `api/internal/target/kusttarget.go`): its `resources` (files, and directories with their own
//! kustomization, rendered first), its `components` (applied to what is accumulated so far), its
//! generators, then its transformers in kustomize's fixed order (patches, namespace, prefix and
//! suffix, labels, annotations, JSON 6902 patches, replicas, images, replacements), then ties
//! its `vars` to their objects (`vars.rs`); at the top level only, the generated names get their
//! hash suffix, references to renamed objects follow them, `$(VAR)` is replaced, and the
//! objects are sorted in kustomize's legacy order. Files are read with kubevet's loader, and
//! scalars re-read as kustomize's go-yaml v3 reads them ([`node`]).
//!
//! Each kustomization is first decoded as strictly as kustomize decodes it ([`decode`]: unknown
//! fields and wrong types refused in kustomize's words, field names matched without regard to
//! case). Remote resources and `helmCharts` are never fetched: each such entry is left out with
//! one [`RenderInfo`] and the rest is rendered. Not rendered (yet): some `configurations`,
//! `transformers`/`generators`/`validators` plugins,
//! an `images` name that is a regular expression, and `openapi` schemas for custom resources (their
//! lists are replaced by patches, as kustomize does without a schema); a kustomization using one
//! of these is refused with [`RenderError::unsupported`] rather than rendered wrongly.

mod build;
mod config;
mod configurations;
mod decode;
pub mod emit;
mod fieldspecs;
mod generate;
mod gvk;
mod images;
mod inline;
mod json_patch;
mod kust;
mod metadata;
pub mod node;
mod patch;
mod refs;
mod refs_table;
mod refvar;
mod replace;
mod scalars;
mod sha256;
pub mod skeleton;
mod smp;
mod target;
mod transform;
mod vars;

use crate::load::{Document, Limits, Loaded};
use crate::model::source::SourceFile;
use crate::model::span::Span;
pub use build::is_remote;
use foldhash::HashMap;
use node::{Origin, RNode, RValue};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One object of a render, with the ids it had on the way (kustomize's name history).
#[derive(Clone, Debug)]
pub struct Resource {
    pub root: RNode,
    /// Every (namespace, name) the object had, oldest first; the last is the current one.
    pub(crate) ids: Vec<(String, String)>,
    /// A generated object whose name gets kustomize's content hash at the end.
    pub(crate) hashed: bool,
    /// The name prefixes and suffixes given to it, innermost first (kustomize's
    /// `internal.config.kubernetes.io/prefixes` and `suffixes`).
    pub(crate) affixes: [Vec<String>; 2],
    /// The vars tied to this object (kustomize's `refVarNames`).
    pub(crate) vars: Vec<String>,
    /// The transformers that ran over it (kustomization file, kind), for `transformerAnnotations`.
    pub(crate) transformations: Vec<(u32, &'static str)>,
    /// A mapping key kustomize reads as something other than a string (`1:`, `true:`): it
    /// cannot write the object out.
    pub(crate) non_string_key: Option<Origin>,
    /// The text of a `metadata.name` written as a number or a boolean (`name: 123`), which
    /// kustomize takes for the name and writes back as it was.
    name_text: Option<String>,
    /// Only `apiVersion`, `kind` and `metadata` converted, the rest as loaded ([`skeleton`]).
    pub skeleton: bool,
}

impl Resource {
    pub(crate) fn new(root: RNode) -> Resource {
        let mut r = Resource {
            root,
            ids: Vec::new(),
            hashed: false,
            affixes: Default::default(),
            vars: Vec::new(),
            transformations: Vec::new(),
            non_string_key: None,
            name_text: None,
            skeleton: false,
        };
        if let Some(n) = r.root.get_path(&["metadata", "name"])
            && matches!(n.value, RValue::Int(_) | RValue::Float(_) | RValue::Bool(_))
        {
            r.name_text = n.scalar_text();
        }
        r.ids.push((r.namespace().to_owned(), r.name().to_owned()));
        r
    }

    pub fn kind(&self) -> &str {
        self.root.str_at(&["kind"]).unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.root.str_at(&["apiVersion"]).unwrap_or("")
    }

    /// (group, version) of `apiVersion`.
    pub fn group_version(&self) -> (&str, &str) {
        group_version_of(self.api_version())
    }

    pub fn name(&self) -> &str {
        self.root
            .str_at(&["metadata", "name"])
            .or(self.name_text.as_deref())
            .unwrap_or("")
    }

    pub fn namespace(&self) -> &str {
        self.root.str_at(&["metadata", "namespace"]).unwrap_or("")
    }

    /// Records the current id after a transformer changed the name or namespace.
    pub(crate) fn remember_id(&mut self) {
        let id = (self.namespace().to_owned(), self.name().to_owned());
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
    }

    /// kustomize's `ResId.String()`-like description: `Kind.version.group/name.namespace`.
    pub fn id_string(&self) -> String {
        self.id_string_as(self.namespace(), self.name())
    }

    /// [`Resource::id_string`] with another namespace and name (one it had).
    pub(crate) fn id_string_as(&self, namespace: &str, name: &str) -> String {
        let (g, v) = self.group_version();
        id_string_of(self.kind(), (g, v), namespace, name)
    }
}

/// (group, version) of an `apiVersion`.
pub(crate) fn group_version_of(api_version: &str) -> (&str, &str) {
    // (A byte search: `split_once('/')` sets up a memchr search, most of the cost on strings
    // this short, asked thousands of times a render.)
    match api_version.bytes().position(|b| b == b'/') {
        Some(at) => (&api_version[..at], &api_version[at + 1..]),
        None => ("", api_version),
    }
}

/// kustomize's `ResId.String()`: `Kind.version.group/name.namespace`, `[noGrp]`, `[noVer]` and
/// `[noNs]` for what is empty.
pub(crate) fn id_string_of(
    kind: &str,
    (g, v): (&str, &str),
    namespace: &str,
    name: &str,
) -> String {
    let v = if v.is_empty() { "[noVer]" } else { v };
    let gv = if g.is_empty() {
        format!("{v}.[noGrp]")
    } else {
        format!("{v}.{g}")
    };
    let ns = match namespace {
        "" => "[noNs]",
        ns => ns,
    };
    format!("{kind}.{gv}/{name}.{ns}")
}

/// Keys written twice in one mapping of an object or patch file (kubevet's `duplicate-key`
/// findings): the same key twice fails, as kustomize's YAML reader refuses it (a kustomization
/// keeps the last, as kubectl does); `Ok(true)` where two keys YAML 1.1 reads alike are written
/// differently (`on:` and `yes:`), two keys to kustomize, one to kubevet's loader.
fn repeated_keys(
    file: &SourceFile,
    diagnostics: &[crate::model::diagnostic::Diagnostic],
    id: u32,
) -> Result<bool, RenderError> {
    if crate::index::kustomize::is_kustomization_file(Path::new(&file.name)) {
        return Ok(false);
    }
    let unquoted = |span: Span| {
        let text = file.text.get(span.range()).unwrap_or("");
        ['"', '\'']
            .iter()
            .find_map(|q| text.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(text)
    };
    let mut spelled_apart = false;
    for d in diagnostics.iter().filter(|d| d.rule.id == "duplicate-key") {
        let second = &d.primary.location;
        let Some(first) = d.secondary.first().map(|l| &l.location) else {
            continue;
        };
        let key = unquoted(second.span);
        if key != unquoted(first.span) {
            spelled_apart = true;
            continue;
        }
        return Err(RenderError::new(
            format!(
                "line {}: mapping key \"{key}\" already defined at line {}",
                second.start.line, first.start.line
            ),
            Some(Origin {
                file: id,
                span: second.span,
            }),
        ));
    }
    Ok(spelled_apart)
}

/// Why a render failed: kustomize's words where kustomize fails, and the entry that causes it.
#[derive(Clone, Debug)]
pub struct RenderError {
    pub message: String,
    pub at: Option<Origin>,
    /// kustomize would render this, kubevet cannot yet.
    pub unsupported: bool,
    /// kubevet's advice beside kustomize's words (a near-miss field name).
    pub suggestion: Option<String>,
    /// The cause is in an object's file, which `kubectl apply` accepts as written: no check of
    /// the file as written reports it (most errors in an object's file are findings there too).
    pub only_kustomize: bool,
}

impl RenderError {
    pub(crate) fn new(message: impl Into<String>, at: Option<Origin>) -> RenderError {
        RenderError {
            message: message.into(),
            at,
            unsupported: false,
            suggestion: None,
            only_kustomize: false,
        }
    }

    /// The error with kubevet's advice.
    pub(crate) fn suggesting(mut self, suggestion: String) -> RenderError {
        self.suggestion = Some(suggestion);
        self
    }

    pub(crate) fn unsupported(message: impl Into<String>, at: Option<Origin>) -> RenderError {
        RenderError {
            message: message.into(),
            at,
            unsupported: true,
            suggestion: None,
            only_kustomize: false,
        }
    }
}

/// An entry left out of a render (a remote resource, a helm chart): advice, not a failure.
#[derive(Clone, Debug)]
pub struct RenderInfo {
    pub message: String,
    pub at: Origin,
}

/// The result of a render: the objects in kustomize's output order, the files they came
/// from (an [`Origin`]'s `file` indexes `files`), and the entries left out.
pub struct Rendered {
    pub files: Vec<Arc<SourceFile>>,
    /// Each file's documents as the loader read them, for the files the render loaded.
    pub loaded: Vec<Option<Arc<Loaded>>>,
    pub resources: Vec<Resource>,
    pub infos: Vec<RenderInfo>,
}

impl Rendered {
    /// `file:line:column: message` of an entry left out.
    pub fn describe_info(&self, info: &RenderInfo) -> String {
        match self.files.get(info.at.file as usize) {
            Some(file) => {
                let p = file.position(info.at.span.start);
                format!("{}:{}:{}: {}", file.name, p.line, p.column, info.message)
            }
            None => info.message.clone(),
        }
    }

    /// `file:line` of an origin, for `--show-sources`.
    pub fn describe(&self, origin: Origin) -> Option<String> {
        let file = self.files.get(origin.file as usize)?;
        let line = file.position(origin.span.start).line;
        Some(format!("{}:{line}", file.name))
    }

    pub fn to_yaml(&self, show_sources: bool) -> String {
        let objects: Vec<&RNode> = self.resources.iter().map(|r| &r.root).collect();
        let describe = |o: Origin| self.describe(o);
        emit::write_stream(
            &objects,
            show_sources.then_some(&describe as emit::Describe),
        )
    }
}

/// A file loaded already (by the run's per-file stage): its text and its documents, shared.
#[derive(Clone)]
pub struct Source {
    pub file: Arc<SourceFile>,
    pub loaded: Arc<Loaded>,
    /// Its kustomization decoded ([`decode::check`]), once for every render that reads it (a
    /// base is read by each of its overlays).
    pub decoded: Decoded,
}

/// A kustomization file's decoded root, shared by the renders that read the file.
pub type Decoded = Arc<std::sync::OnceLock<Arc<crate::load::tree::Node>>>;

/// Where a render reads its files besides the disk.
#[derive(Clone, Default)]
pub struct Sources {
    /// Texts to read instead of the disk's (an editor's unsaved buffers), by path as named.
    pub reader: Option<Reader>,
    /// Files loaded already, by normalized path (`kustomize::normalized_key`): used as they are,
    /// neither read nor loaded again. The reader, if any, comes first.
    pub preloaded: Option<Arc<HashMap<Vec<u8>, Source>>>,
    /// Whether the objects of a plain build may be [`skeleton`]s (a run that checks them,
    /// not one that prints them).
    pub skeletons: bool,
}

/// The table of files a render read, each loaded once.
pub(crate) struct Files {
    pub files: Vec<Arc<SourceFile>>,
    docs: Vec<Option<Arc<Loaded>>>,
    /// For a file loaded already ([`Sources::preloaded`]) and read as loaded: its shared
    /// decoded kustomization ([`Source::decoded`]).
    decoded: Vec<Option<Decoded>>,
    limits: Limits,
    sources: Sources,
    /// The build is plain and asked for skeletons ([`skeleton::plain`]).
    plain: bool,
}

/// A file's text from elsewhere than the disk (`None`: read the disk).
pub type Reader = Arc<dyn Fn(&Path) -> Option<String> + Send + Sync>;

impl Files {
    fn new(sources: Sources) -> Files {
        Files {
            files: Vec::new(),
            docs: Vec::new(),
            decoded: Vec::new(),
            limits: Limits::default(),
            sources,
            plain: false,
        }
    }

    /// Reads a file into the table (once); `Err` in kustomize-like words.
    pub(crate) fn read(&mut self, path: &Path) -> Result<u32, String> {
        let name = path.to_string_lossy();
        if let Some(i) = self.files.iter().position(|f| f.name == name) {
            return Ok(i as u32);
        }
        let id = self.files.len() as u32;
        let text = match self.sources.reader.as_ref().and_then(|r| r(path)) {
            Some(text) => text,
            None => {
                if let Some(p) = self.preloaded(path) {
                    self.files.push(p.file);
                    self.docs.push(Some(p.loaded));
                    self.decoded.push(Some(p.decoded));
                    return Ok(id);
                }
                crate::discover::special::read_regular_string(path, 64 << 20)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            }
        };
        let name = name.into_owned();
        self.files.push(Arc::new(SourceFile::new(
            crate::model::diagnostic::FileId(id),
            name,
            text,
        )));
        self.docs.push(None);
        self.decoded.push(None);
        Ok(id)
    }

    /// The decoded kustomization file `id` shares with the other renders that read it
    /// ([`Source::decoded`]), if it is a file loaded already.
    pub(crate) fn decoded(&self, id: u32) -> Option<&Decoded> {
        self.decoded.get(id as usize)?.as_ref()
    }

    /// The run's loaded file at `path`, if it is the one named so (same name, loaded under the
    /// limits a render uses).
    fn preloaded(&self, path: &Path) -> Option<Source> {
        let map = self.sources.preloaded.as_ref()?;
        let p = map.get(crate::index::kustomize::normalized_key(path).as_slice())?;
        (p.file.name == path.to_string_lossy()).then(|| p.clone())
    }

    /// The documents of a file as kubevet's loader reads them; a syntax error fails the render.
    pub(crate) fn documents(&mut self, id: u32) -> Result<&[Document], RenderError> {
        let i = id as usize;
        if self.docs[i].is_none() {
            self.docs[i] = Some(Arc::new(crate::load::load(&self.files[i], &self.limits)));
        }
        let loaded = self.docs[i].as_deref().expect("loaded above");
        if let Some(d) = loaded.diagnostics.iter().find(|d| {
            d.severity == crate::model::diagnostic::Severity::Error && d.rule.id != "duplicate-key"
        }) {
            return Err(RenderError::new(
                format!("{}: {}", self.files[i].name, d.message),
                Some(Origin {
                    file: id,
                    span: d.primary.location.span,
                }),
            ));
        }
        if repeated_keys(&self.files[i], &loaded.diagnostics, id)? {
            // Read again as kustomize reads it: `on:` and `yes:` are two keys.
            let again = crate::load::load_keeping_spellings(&self.files[i], &self.limits);
            self.docs[i] = Some(Arc::new(again));
            // Not the loaded documents the shared decoding is of.
            self.decoded[i] = None;
        }
        Ok(&self.docs[i].as_deref().expect("loaded above").documents)
    }

    /// The loaded file (after [`Files::documents`] succeeded for it), shared.
    pub(crate) fn loaded(&self, id: u32) -> Arc<Loaded> {
        self.docs[id as usize].clone().expect("documents() first")
    }

    /// The documents of a file, if they were loaded.
    pub(crate) fn loaded_if_any(&self, id: u32) -> Option<&Loaded> {
        self.docs.get(id as usize)?.as_deref()
    }

    /// The file, shared.
    pub(crate) fn file(&self, id: u32) -> Arc<SourceFile> {
        self.files[id as usize].clone()
    }

    pub(crate) fn text(&self, id: u32) -> &str {
        &self.files[id as usize].text
    }

    pub(crate) fn origin(id: u32, span: Span) -> Origin {
        Origin { file: id, span }
    }
}

/// A failed render: the error, and the files read (where the error points).
pub struct Failed {
    pub error: RenderError,
    pub files: Vec<Arc<SourceFile>>,
}

impl Failed {
    /// `file:line:column: message`, or the message alone when it has no place.
    pub fn describe(&self) -> String {
        let place = self.error.at.and_then(|o| {
            let file = self.files.get(o.file as usize)?;
            let p = file.position(o.span.start);
            Some(format!("{}:{}:{}: ", file.name, p.line, p.column))
        });
        format!("{}{}", place.unwrap_or_default(), self.error.message)
    }
}

/// Renders the kustomization in `dir` as `kustomize build DIR` does.
pub fn render(dir: &Path) -> Result<Rendered, Failed> {
    render_with(dir, Sources::default())
}

/// [`render`], reading files from `sources` first (an editor's unsaved buffers, the files the
/// run has loaded).
pub fn render_with(dir: &Path, sources: Sources) -> Result<Rendered, Failed> {
    let mut files = Files::new(sources);
    match build::build_top(&mut files, dir) {
        Ok((resources, infos)) => Ok(Rendered {
            files: files.files,
            loaded: files.docs,
            resources,
            infos,
        }),
        Err(error) => Err(Failed {
            error,
            files: files.files,
        }),
    }
}

/// The kustomization file of a directory, as kustomize looks for it.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    crate::index::kustomize::kustomization_in(dir)
}
