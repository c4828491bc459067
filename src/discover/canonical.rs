//! Paths with their symbolic links resolved (`canonicalize`), each directory resolved once, from
//! its parent: `canonicalize` costs a `readlink` per component, and a run asks about thousands
//! of files in a few hundred directories (the kustomize load restrictor, the tool files around
//! a manifest). The directories are cached for the process: a long-running caller (the language
//! server) [`forget`]s them when files change.

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Resolved directories by the path written (its bytes: hashing a `Path` goes component by
/// component; two spellings of one directory, `a//b` and `a/b`, are two entries, alike).
type Dirs = HashMap<Vec<u8>, Option<PathBuf>>;

fn dirs() -> &'static Mutex<Dirs> {
    static DIRS: OnceLock<Mutex<Dirs>> = OnceLock::new();
    DIRS.get_or_init(Default::default)
}

/// Empties the cache: directories may have moved, or become links, since they were resolved.
pub fn forget() {
    if let Ok(mut d) = dirs().lock() {
        d.clear();
    }
}

/// `dir.canonicalize()` (`""` is the current directory), resolved once per directory.
pub fn canonical_dir(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let dirs = dirs();
    let key = dir.as_os_str().as_encoded_bytes();
    if let Some(resolved) = dirs.lock().ok().and_then(|d| d.get(key).cloned()) {
        return resolved;
    }
    let resolved = canonical_file(dir);
    if let Ok(mut d) = dirs.lock() {
        d.insert(key.to_vec(), resolved.clone());
    }
    resolved
}

/// `path.canonicalize()` (a file's or a directory's) from its directory's, resolved once
/// ([`canonical_dir`]), and one `lstat` of the path itself, followed only if it is a symbolic
/// link: `canonicalize` reads every component as a link (`realpath`: 3,400 `readlink` calls in
/// a check of the 400-overlay synthetic repository).
pub fn canonical_file(path: &Path) -> Option<PathBuf> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return path.canonicalize().ok();
    };
    // `lstat` of `link/` or `link/.` follows the link (and `file_name` of `link/.` is `link`).
    let bytes = path.as_os_str().as_encoded_bytes();
    if bytes.ends_with(b"/") || bytes.ends_with(b"/.") {
        return path.canonicalize().ok();
    }
    if std::fs::symlink_metadata(path)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return path.canonicalize().ok();
    }
    canonical_dir(parent).map(|d| d.join(name))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn resolves_as_canonicalize_does() {
        let dir = std::env::temp_dir().join(format!("kubevet-canonical-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("real/sub")).unwrap();
        std::fs::write(dir.join("real/sub/a.yaml"), "").unwrap();
        std::os::unix::fs::symlink("real", dir.join("linked")).unwrap();
        std::os::unix::fs::symlink("sub/a.yaml", dir.join("real/b.yaml")).unwrap();
        std::os::unix::fs::symlink("missing", dir.join("real/broken.yaml")).unwrap();
        for path in [
            "real/sub/a.yaml",
            "linked/sub/a.yaml",
            "linked/b.yaml",
            "real/b.yaml",
            "real/broken.yaml",
            "real/missing.yaml",
            "real/sub/../sub/a.yaml",
            "linked/sub/..",
            "linked/",
            "linked/.",
            "linked/sub/.",
            "linked/sub/",
            "real/b.yaml/",
            "linked/./sub",
            "./linked/sub",
            "linked/./sub/a.yaml",
            "real/sub",
            "linked",
        ] {
            let path = dir.join(path);
            assert_eq!(canonical_file(&path), path.canonicalize().ok(), "{path:?}");
            // Asked again, from the cache.
            assert_eq!(canonical_file(&path), path.canonicalize().ok(), "{path:?}");
            assert_eq!(canonical_dir(&path), path.canonicalize().ok(), "{path:?}");
        }
        assert_eq!(
            canonical_dir(Path::new("")),
            Path::new(".").canonicalize().ok()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
