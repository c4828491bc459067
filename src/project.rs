//! What the files around a manifest say about it, for the few rules that need it:
//!
//! * **Patches.** A file listed under `patches`, `patchesStrategicMerge` or `patchesJson6902` of
//!   a kustomization in its directory or above, or kept in a directory named `patches`
//!   (kustomize, kubeadm and kind conventions), holds a fragment that is merged into a full
//!   object elsewhere. Rules that report a *missing* field, or rely on defaults, skip it.
//! * **Images set by tools.** An image named as a skaffold build artifact, or given a tag by a
//!   kustomization's `images:` transformer, is tagged when it is deployed.
//!
//! Directories are read once per run and cached; the search stops a few levels up.

use crate::diagnostics::FileId;
use crate::load::{self, Limits};
use crate::source::SourceFile;
use crate::tree::Node;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// How many directories above a manifest are searched.
const LEVELS: usize = 5;
/// Tool files larger than this are not read.
const MAX_TOOL_FILE: u64 = 1024 * 1024;

const SKAFFOLDS: [&str; 2] = ["skaffold.yaml", "skaffold.yml"];

/// What one directory's tool files say.
#[derive(Default)]
struct DirFacts {
    /// Canonical paths of patch files named by a kustomization here.
    patches: Vec<PathBuf>,
    /// Image names built by skaffold or re-tagged by kustomize here.
    tool_images: Vec<(String, &'static str)>,
}

fn cache() -> &'static Mutex<HashMap<PathBuf, Arc<DirFacts>>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<DirFacts>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn facts(dir: &Path) -> Arc<DirFacts> {
    if let Some(facts) = cache().lock().ok().and_then(|c| c.get(dir).cloned()) {
        return facts;
    }
    let facts = Arc::new(read_dir_facts(dir));
    if let Ok(mut c) = cache().lock() {
        c.insert(dir.to_path_buf(), facts.clone());
    }
    facts
}

fn read_yaml(path: &Path) -> Vec<Node> {
    let readable = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_TOOL_FILE);
    let Some(text) = readable
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
    else {
        return Vec::new();
    };
    let file = SourceFile::new(FileId(0), path.display().to_string(), text);
    load::load(&file, &Limits::default())
        .documents
        .into_iter()
        .map(|d| d.root)
        .collect()
}

fn read_dir_facts(dir: &Path) -> DirFacts {
    let mut facts = DirFacts::default();
    for name in crate::kustomize::FILE_NAMES {
        for doc in read_yaml(&dir.join(name)) {
            for (_, path) in crate::kustomize::patch_paths(&doc) {
                let path = path.as_str().unwrap_or_default();
                if let Ok(canonical) = dir.join(path).canonicalize() {
                    facts.patches.push(canonical);
                }
            }
            for image in doc.get("images").and_then(Node::as_seq).unwrap_or_default() {
                let sets_tag = ["newTag", "digest", "tagSuffix"]
                    .iter()
                    .any(|k| image.get(k).is_some());
                if let (Some(name), true) = (image.get("name").and_then(Node::as_str), sets_tag) {
                    facts
                        .tool_images
                        .push((name.to_owned(), "kustomize `images`"));
                }
            }
        }
    }
    for name in SKAFFOLDS {
        for doc in read_yaml(&dir.join(name)) {
            let profiles = doc
                .get("profiles")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            for build in std::iter::once(&doc)
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

/// What is known about one manifest file.
struct FileFacts {
    is_patch: bool,
    /// The facts of the directories above it, nearest first.
    dirs: Vec<Arc<DirFacts>>,
}

/// Rules ask once per object; the answer is computed once per file.
fn file_facts(file_name: &str) -> Arc<FileFacts> {
    static FILES: OnceLock<Mutex<HashMap<String, Arc<FileFacts>>>> = OnceLock::new();
    let files = FILES.get_or_init(Default::default);
    if let Some(facts) = files.lock().ok().and_then(|f| f.get(file_name).cloned()) {
        return facts;
    }
    let facts = Arc::new(read_file_facts(file_name));
    if let Ok(mut f) = files.lock() {
        f.insert(file_name.to_owned(), facts.clone());
    }
    facts
}

fn read_file_facts(file_name: &str) -> FileFacts {
    let path = Path::new(file_name);
    let in_patches_dir = path
        .parent()
        .is_some_and(|p| p.components().any(|c| c.as_os_str() == "patches"));
    let Ok(canonical) = path.canonicalize() else {
        return FileFacts {
            is_patch: in_patches_dir,
            dirs: Vec::new(),
        };
    };
    let dirs: Vec<Arc<DirFacts>> = canonical
        .ancestors()
        .skip(1)
        .take(LEVELS)
        .map(facts)
        .collect();
    let is_patch = in_patches_dir || dirs.iter().any(|d| d.patches.contains(&canonical));
    FileFacts { is_patch, dirs }
}

/// Whether the file holds patches rather than whole objects.
pub fn is_patch_file(file_name: &str) -> bool {
    file_facts(file_name).is_patch
}

/// The tool that sets the tag of `image` (a reference without tag) when it is deployed.
pub fn image_tagged_by_tool(file_name: &str, image: &str) -> Option<&'static str> {
    file_facts(file_name).dirs.iter().find_map(|dir| {
        dir.tool_images
            .iter()
            .find(|(name, _)| name == image)
            .map(|(_, tool)| *tool)
    })
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
        assert!(is_patch_file(&name("overlay/patch.yaml")));
        assert!(is_patch_file(&name("other.yaml")));
        assert!(!is_patch_file(&name("deploy.yaml")));
        assert!(is_patch_file("some/patches/kube-apiserver.yaml"));
        assert_eq!(
            image_tagged_by_tool(&name("deploy.yaml"), "web"),
            Some("skaffold")
        );
        assert_eq!(
            image_tagged_by_tool(&name("overlay/patch.yaml"), "api"),
            Some("kustomize `images`")
        );
        assert_eq!(image_tagged_by_tool(&name("deploy.yaml"), "db"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
