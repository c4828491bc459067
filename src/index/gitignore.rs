//! Which `.gitignore` line ignores a path: a kustomization entry that git ignores is a file
//! generated before `kustomize build` (an info, not an error). Each directory's `.gitignore` is
//! read once per run and re-read when it changes.

use crate::discover::workspace;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The `.gitignore` line that ignores a path.
pub struct IgnoredBy {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    pub pattern: String,
}

/// A `.gitignore` file read for [`ignored_by_git`], with what identifies its version.
struct GitignoreFile {
    matcher: Gitignore,
    text: String,
    stamp: (Option<std::time::SystemTime>, u64),
}

/// The `.gitignore` of a directory (`None` if it has none), read once per directory and run
/// (re-read only if the file changes: a long-lived process sees edits).
fn gitignore_in(dir: &Path) -> Option<Arc<GitignoreFile>> {
    type Cache = Mutex<foldhash::HashMap<PathBuf, Arc<GitignoreFile>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let path = dir.join(".gitignore");
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
    let stamp = (meta.modified().ok(), meta.len());
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(file) = cache.lock().ok()?.get(dir).filter(|f| f.stamp == stamp) {
        return Some(Arc::clone(file));
    }
    let text = crate::discover::special::read_regular_string(&path, 16 * 1024 * 1024).ok()?;
    let mut builder = GitignoreBuilder::new(dir);
    for line in text.lines() {
        // A line that is no valid glob is ignored, as git ignores it.
        let _ = builder.add_line(Some(path.clone()), line);
    }
    let file = Arc::new(GitignoreFile {
        matcher: builder.build().ok()?,
        text,
        stamp,
    });
    cache
        .lock()
        .ok()?
        .insert(dir.to_path_buf(), Arc::clone(&file));
    Some(file)
}

/// Whether a `.gitignore` in the path's directory or above it (up to the root of its git
/// repository, or of the file system outside one) ignores the path, and which line does.
pub fn ignored_by_git(path: &Path) -> Option<IgnoredBy> {
    use ignore::Match;
    let path = workspace::absolute(path);
    for dir in path.ancestors().skip(1) {
        if let Some(file) = gitignore_in(dir) {
            let relative = path.strip_prefix(dir).ok()?;
            // Whether the entry was meant as a file or a directory is unknown: either counts.
            let found = match file.matcher.matched_path_or_any_parents(relative, false) {
                Match::None => file.matcher.matched_path_or_any_parents(relative, true),
                found => found,
            };
            match found {
                Match::Ignore(glob) => {
                    let line = file
                        .text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| l.trim_end() == glob.original())
                        .last()
                        .map_or(0, |(i, _)| i + 1);
                    return Some(IgnoredBy {
                        file: dir.join(".gitignore"),
                        line,
                        pattern: glob.original().to_owned(),
                    });
                }
                Match::Whitelist(_) => return None,
                Match::None => {}
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}
