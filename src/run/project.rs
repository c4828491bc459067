//! What the files around a manifest say about it, read by the run and handed to the per-object
//! rules as data ([`crate::check::facts::ProjectFacts`]; rules never read the file system):
//!
//! * **Patches.** A file listed under `patches`, `patchesStrategicMerge` or `patchesJson6902` of
//!   a kustomization in its directory or above, or kept in a directory named `patches`
//!   (kustomize, kubeadm and kind conventions), holds a fragment that is merged into a full
//!   object elsewhere. Rules that report a *missing* field, or rely on defaults, skip it.
//! * **Images set by tools.** An image named as a skaffold build artifact, or given a tag by a
//!   kustomization's `images:` transformer, is tagged when it is deployed.
//!
//! Directories are read once per run and cached (a long-running caller, the language server,
//! [`forget`]s them when files change); the search stops a few levels up. Tool files
//! are read with the run's limits (and never over 1 MiB): they are input from the repository
//! like the manifests. An editor's unsaved buffer of a tool file ([`Options::buffers`]) is read
//! instead of the file on disk, as the manifests' are; facts read with buffers are cached apart
//! from those read without (or with other buffers).

use crate::check::facts::ProjectFacts;
use crate::load::tree::Node;
use crate::load::{self, Limits};
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use crate::run::Options;
use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// How many directories above a manifest are searched.
const LEVELS: usize = 5;
/// Tool files larger than this are not read.
const MAX_TOOL_FILE: u64 = 1024 * 1024;

const SKAFFOLDS: [&str; 2] = ["skaffold.yaml", "skaffold.yml"];

/// Whether a file is one whose content changes the facts of the manifests around it (a
/// kustomization, a skaffold file).
pub fn is_tool_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| SKAFFOLDS.contains(&n) || crate::index::kustomize::FILE_NAMES.contains(&n))
}

/// Empties the caches of directory and file facts: tool files may have changed (or the files
/// gone) since they were read. Without it a long-running process would report from stale
/// facts, and keep the facts of every file it ever saw.
pub fn forget() {
    if let Ok(mut c) = cache().lock() {
        c.clear();
    }
    if let Ok(mut f) = files().lock() {
        f.clear();
    }
    if let Ok(mut c) = chains().lock() {
        c.clear();
    }
    crate::discover::canonical::forget();
    if let Ok(mut l) = offered().lock() {
        l.clear();
    }
}

/// Kustomization files the run has loaded already, by canonical path (its bytes: hashing a
/// `Path` goes component by component), with the limits they were loaded under: the facts of
/// their directories are taken from these rather than read and parsed again (14% of a
/// `--no-render` check of a kustomize-heavy repository). Each keeps only what the facts read.
type LoadedToolFiles = HashMap<Vec<u8>, (Limits, Arc<KustomizationFacts>)>;

fn offered() -> &'static Mutex<LoadedToolFiles> {
    static LOADED: OnceLock<Mutex<LoadedToolFiles>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

/// Offers a kustomization file the run has read from the disk and loaded under its limits
/// ([`load::load`] of the same text gives the same trees): the facts of its directory read
/// it instead of the disk. Not with editor buffers (a long-running server), whose texts may
/// differ from the disk's and change.
pub fn offer_loaded(file: &SourceFile, loaded: &load::Loaded, options: &Options) {
    let path = Path::new(&file.name);
    if options.buffers.is_some() || !crate::index::kustomize::is_kustomization_file(path) {
        return;
    }
    if file.text.len() as u64 > MAX_TOOL_FILE.min(options.limits.max_file_bytes) {
        return;
    }
    let Some(canonical) = crate::discover::canonical::canonical_file(path) else {
        return;
    };
    let facts = Arc::new(kustomization_facts(
        loaded.documents.iter().map(|d| &d.root),
    ));
    if let Ok(mut l) = offered().lock() {
        let key = canonical.into_os_string().into_encoded_bytes();
        l.insert(key, (options.limits.clone(), facts));
    }
}

/// What a kustomization file says for the facts, its documents in order.
#[derive(Default)]
struct KustomizationFacts {
    /// The patch files it names, as written (relative to its directory).
    patches: Vec<String>,
    /// The images its `images:` entries give a tag or digest.
    tagged_images: Vec<String>,
}

fn kustomization_facts<'a>(documents: impl Iterator<Item = &'a Node>) -> KustomizationFacts {
    let mut facts = KustomizationFacts::default();
    for doc in documents {
        let doc = crate::index::kustomize_schema::kustomization_fields(
            doc,
            &[
                "patches",
                "patchesStrategicMerge",
                "patchesJson6902",
                "images",
            ],
        );
        for (_, path) in crate::index::kustomize::patch_paths(&doc) {
            facts
                .patches
                .push(path.as_str().unwrap_or_default().to_owned());
        }
        for image in doc.get("images").and_then(Node::as_seq).unwrap_or_default() {
            let sets_tag = ["newTag", "digest", "tagSuffix"]
                .iter()
                .any(|k| image.get(k).is_some());
            if let (Some(name), true) = (image.get("name").and_then(Node::as_str), sets_tag) {
                facts.tagged_images.push(name.to_owned());
            }
        }
    }
    facts
}

/// What a kustomization file says for the facts: the run's offer ([`offer_loaded`]), or read
/// from the disk.
fn kustomization_file_facts(path: &Path, reading: Reading<'_>) -> Arc<KustomizationFacts> {
    if reading.buffers.is_none()
        && let Some(facts) = offered().lock().ok().and_then(|l| {
            let (under, facts) = l.get(path.as_os_str().as_encoded_bytes())?;
            (under == reading.limits).then(|| facts.clone())
        })
    {
        return facts;
    }
    let loaded = read_yaml(path, reading);
    Arc::new(kustomization_facts(documents(&loaded)))
}

/// What one directory's tool files say.
#[derive(Default)]
struct DirFacts {
    /// Canonical paths of patch files named by a kustomization here.
    patches: Vec<PathBuf>,
    /// Image names built by skaffold or re-tagged by kustomize here.
    tool_images: Vec<(String, &'static str)>,
}

/// The files read: the limits (a library user may check with different limits in turn) and
/// the editor buffers of tool files, if any.
#[derive(Clone, Copy)]
struct Reading<'a> {
    limits: &'a Limits,
    buffers: Option<&'a foldhash::HashMap<PathBuf, String>>,
    /// A digest of the buffers of tool files (0: none): part of every cache key.
    key: u64,
}

impl<'a> Reading<'a> {
    fn new(options: &'a Options) -> Reading<'a> {
        let buffers = options.buffers.as_deref();
        let key = buffers.map_or(0, |b| {
            b.iter()
                .filter(|(path, _)| is_tool_file(path))
                .map(|(path, text)| {
                    let path = crate::model::report::digest(&path.to_string_lossy()).1;
                    let text = crate::model::report::digest(text).1;
                    // Summed: the same whatever order the map yields them in.
                    path.rotate_left(17) ^ text
                })
                .fold(0u64, u64::wrapping_add)
        });
        Reading {
            limits: &options.limits,
            buffers,
            key,
        }
    }

    /// A tool file's unsaved buffer, if it has one (`path` is canonical; the buffers are by
    /// the path the editor named, which may go through a symbolic link).
    fn buffer(&self, path: &Path) -> Option<&'a str> {
        let buffers = self.buffers?;
        if let Some(text) = buffers.get(path) {
            return Some(text);
        }
        if self.key == 0 {
            return None;
        }
        buffers
            .iter()
            .find(|(named, _)| {
                named.file_name() == path.file_name()
                    && named
                        .parent()
                        .and_then(|d| d.canonicalize().ok())
                        .is_some_and(|d| Some(d.as_path()) == path.parent())
            })
            .map(|(_, text)| text.as_str())
    }
}

/// Facts per directory (its path's bytes: hashing a `Path` goes component by component, and
/// the directories here are canonical), limits and tool-file buffers.
type DirCache = HashMap<(Vec<u8>, Limits, u64), Arc<DirFacts>>;

/// A cache key of a canonical path: its bytes.
fn path_key(path: &Path) -> Vec<u8> {
    path.as_os_str().as_encoded_bytes().to_vec()
}

fn cache() -> &'static Mutex<DirCache> {
    static CACHE: OnceLock<Mutex<DirCache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn facts_of_dir(dir: &Path, reading: Reading<'_>) -> Arc<DirFacts> {
    let key = (path_key(dir), reading.limits.clone(), reading.key);
    if let Some(facts) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return facts;
    }
    let facts = Arc::new(read_dir_facts(dir, reading));
    if let Ok(mut c) = cache().lock() {
        c.insert(key, facts.clone());
    }
    facts
}

/// A tool file's documents (none if it cannot be read, or is over the limits).
fn read_yaml(path: &Path, reading: Reading<'_>) -> Option<load::Loaded> {
    let limits = reading.limits;
    let max_bytes = MAX_TOOL_FILE.min(limits.max_file_bytes);
    let text = match reading.buffer(path) {
        Some(text) => (text.len() as u64 <= max_bytes).then(|| text.to_owned()),
        None => {
            let readable =
                std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= max_bytes);
            readable
                .then(|| crate::discover::special::read_regular_string(path, max_bytes).ok())
                .flatten()
        }
    };
    let text = text?;
    let file = SourceFile::new(FileId(0), path.display().to_string(), text);
    Some(load::load(&file, limits))
}

/// The documents of a tool file read by [`read_yaml`].
fn documents(loaded: &Option<load::Loaded>) -> impl Iterator<Item = &Node> {
    loaded
        .iter()
        .flat_map(|l| l.documents.iter().map(|d| &d.root))
}

fn read_dir_facts(dir: &Path, reading: Reading<'_>) -> DirFacts {
    let mut facts = DirFacts::default();
    for name in crate::index::kustomize::FILE_NAMES {
        let file = kustomization_file_facts(&dir.join(name), reading);
        for path in &file.patches {
            if let Some(canonical) = crate::discover::canonical::canonical_file(&dir.join(path)) {
                facts.patches.push(canonical);
            }
        }
        for name in &file.tagged_images {
            facts.tool_images.push((name.clone(), "kustomize `images`"));
        }
    }
    for name in SKAFFOLDS {
        let loaded = read_yaml(&dir.join(name), reading);
        for doc in documents(&loaded) {
            let profiles = doc
                .get("profiles")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            for build in std::iter::once(doc)
                .chain(profiles)
                .filter_map(|d| d.get("build"))
            {
                for artifact in build
                    .get("artifacts")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                {
                    if let Some(image) = artifact.get("image").and_then(Node::as_str) {
                        facts.tool_images.push((image.to_owned(), "skaffold"));
                    }
                }
            }
        }
    }
    facts
}

type FileCache = HashMap<(String, Limits, u64), ProjectFacts>;

fn files() -> &'static Mutex<FileCache> {
    static FILES: OnceLock<Mutex<FileCache>> = OnceLock::new();
    FILES.get_or_init(Default::default)
}

type Chains = HashMap<(Vec<u8>, Limits, u64), Arc<Chain>>;

fn chains() -> &'static Mutex<Chains> {
    static CHAINS: OnceLock<Mutex<Chains>> = OnceLock::new();
    CHAINS.get_or_init(Default::default)
}

/// What the tool files around a manifest say about it (read with the run's limits, through its
/// editor buffers): computed once per file.
pub fn facts(file_name: &str, options: &Options) -> ProjectFacts {
    let reading = Reading::new(options);
    let files = files();
    let key = (file_name.to_owned(), options.limits.clone(), reading.key);
    if let Some(facts) = files.lock().ok().and_then(|f| f.get(&key).cloned()) {
        return facts;
    }
    let facts = read_file_facts(file_name, reading);
    if let Ok(mut f) = files.lock() {
        f.insert(key, facts.clone());
    }
    facts
}

fn read_file_facts(file_name: &str, reading: Reading<'_>) -> ProjectFacts {
    let path = Path::new(file_name);
    let in_patches_dir = path
        .parent()
        .is_some_and(|p| p.components().any(|c| c.as_os_str() == "patches"));
    let Some(canonical) = crate::discover::canonical::canonical_file(path) else {
        return ProjectFacts {
            is_patch: in_patches_dir,
            tool_images: Arc::from([]),
        };
    };
    let Some(dir) = canonical.parent() else {
        return ProjectFacts {
            is_patch: in_patches_dir,
            tool_images: Arc::from([]),
        };
    };
    let chain = ancestor_facts(dir, reading);
    let is_patch = in_patches_dir || chain.dirs.iter().any(|d| d.patches.contains(&canonical));
    ProjectFacts {
        is_patch,
        tool_images: chain.tool_images.clone(),
    }
}

/// The facts of a directory and those above it.
struct Chain {
    /// Nearest first.
    dirs: Vec<Arc<DirFacts>>,
    /// Their images set by tools, nearest directory first.
    tool_images: Arc<[(String, &'static str)]>,
}

/// The facts of `dir` and the directories above it, nearest first: the same for every file of
/// a directory, so looked up once per directory.
fn ancestor_facts(dir: &Path, reading: Reading<'_>) -> Arc<Chain> {
    let chains = chains();
    let key = (path_key(dir), reading.limits.clone(), reading.key);
    if let Some(chain) = chains.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return chain;
    }
    let dirs: Vec<Arc<DirFacts>> = dir
        .ancestors()
        .take(LEVELS)
        .map(|d| facts_of_dir(d, reading))
        .collect();
    let tool_images = dirs
        .iter()
        .flat_map(|d| d.tool_images.iter().cloned())
        .collect();
    let chain = Arc::new(Chain { dirs, tool_images });
    if let Ok(mut c) = chains.lock() {
        c.insert(key, chain.clone());
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_and_tool_images() {
        let dir = std::env::temp_dir().join(format!("kubevet-project-{}", std::process::id()));
        let overlay = dir.join("overlay");
        std::fs::create_dir_all(&overlay).unwrap();
        std::fs::write(
            dir.join("kustomization.yaml"),
            "patches:\n- path: overlay/patch.yaml\npatchesStrategicMerge:\n- other.yaml\nimages:\n- name: api\n  newTag: v1\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("skaffold.yaml"),
            "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n",
        )
        .unwrap();
        for f in ["overlay/patch.yaml", "other.yaml", "deploy.yaml"] {
            std::fs::write(dir.join(f), "kind: Deployment\n").unwrap();
        }
        let name = |f: &str| dir.join(f).display().to_string();
        let limits = Options::default();
        assert!(facts(&name("overlay/patch.yaml"), &limits).is_patch);
        assert!(facts(&name("other.yaml"), &limits).is_patch);
        assert!(!facts(&name("deploy.yaml"), &limits).is_patch);
        assert!(facts("some/patches/kube-apiserver.yaml", &limits).is_patch);
        assert_eq!(
            facts(&name("deploy.yaml"), &limits).image_tagged_by_tool("web"),
            Some("skaffold")
        );
        assert_eq!(
            facts(&name("overlay/patch.yaml"), &limits).image_tagged_by_tool("api"),
            Some("kustomize `images`")
        );
        assert_eq!(
            facts(&name("deploy.yaml"), &limits).image_tagged_by_tool("db"),
            None
        );
        // Tool files are read with the run's limits: over them, they are not consulted (and
        // facts read under other limits are not reused).
        let shallow = Options {
            limits: Limits {
                max_depth: 1,
                ..Limits::default()
            },
            ..Options::default()
        };
        assert_eq!(
            facts(&name("deploy.yaml"), &shallow).image_tagged_by_tool("web"),
            None
        );
        assert!(!facts(&name("other.yaml"), &shallow).is_patch);
        // An editor's unsaved skaffold.yaml is read instead of the file (and facts read
        // through it are not those of a run without it).
        let mut buffers = foldhash::HashMap::default();
        buffers.insert(
            dir.join("skaffold.yaml"),
            "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: db\n"
                .to_owned(),
        );
        let editing = Options {
            buffers: Some(Arc::new(buffers)),
            ..Options::default()
        };
        let deploy = facts(&name("deploy.yaml"), &editing);
        assert_eq!(deploy.image_tagged_by_tool("db"), Some("skaffold"));
        assert_eq!(deploy.image_tagged_by_tool("web"), None);
        assert_eq!(
            facts(&name("deploy.yaml"), &limits).image_tagged_by_tool("db"),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kustomizations_the_run_loaded_are_not_read_again() {
        let dir = std::env::temp_dir().join(format!("kubevet-offered-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kustomization = dir.join("kustomization.yaml");
        std::fs::write(&kustomization, "images:\n- name: api\n  newTag: v1\n").unwrap();
        std::fs::write(dir.join("deploy.yaml"), "kind: Deployment\n").unwrap();
        // What the run loaded stands for the file (here a text the disk does not have, to see
        // which one is read: in a run they are the same).
        let file = SourceFile::new(
            FileId(0),
            kustomization.display().to_string(),
            "images:\n- name: web\n  newTag: v2\n".to_owned(),
        );
        let run = Options::default();
        offer_loaded(&file, &load::load(&file, &run.limits), &run);
        let deploy = dir.join("deploy.yaml").display().to_string();
        let facts_of = |options: &Options| {
            let f = facts(&deploy, options);
            ["api", "web"].map(|image| f.image_tagged_by_tool(image).is_some())
        };
        assert_eq!(facts_of(&run), [false, true]);
        // Facts read under other limits read the disk.
        let deeper = Options {
            limits: Limits {
                max_depth: 100,
                ..Limits::default()
            },
            ..Options::default()
        };
        assert_eq!(facts_of(&deeper), [true, false]);
        // A file offered with editor buffers (a language server) is not kept.
        let editing = Options {
            buffers: Some(Arc::new(foldhash::HashMap::default())),
            ..Options::default()
        };
        let other =
            std::env::temp_dir().join(format!("kubevet-offered-other-{}", std::process::id()));
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("kustomization.yaml"), "images: []\n").unwrap();
        std::fs::write(other.join("a.yaml"), "kind: Deployment\n").unwrap();
        let file = SourceFile::new(
            FileId(0),
            other.join("kustomization.yaml").display().to_string(),
            "images:\n- name: web\n  newTag: v2\n".to_owned(),
        );
        offer_loaded(&file, &load::load(&file, &run.limits), &editing);
        let a = facts(&other.join("a.yaml").display().to_string(), &run);
        assert_eq!(a.image_tagged_by_tool("web"), None);
        std::fs::remove_dir_all(&other).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
