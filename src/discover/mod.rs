//! Finds the files to check: a parallel walk (the `ignore` crate, as ripgrep uses it) that honours
//! `.gitignore` and `.ignore`, takes `*.yaml`, `*.yml` and `*.json` in directories and every file
//! named explicitly, and skips Helm chart templates. The result is sorted, so output order never
//! depends on the walk's parallelism.

pub mod canonical;
pub mod globs;
pub mod special;
pub mod workspace;

use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Found {
    /// A file to check.
    File(PathBuf),
    /// A Helm chart's `templates/` directory, skipped as a whole.
    HelmTemplates(PathBuf),
    /// A path the walk could not enter or follow (a symlink loop, a permission error), or a
    /// path named explicitly that is not a regular file.
    Problem { path: PathBuf, message: String },
    /// A FIFO, socket or device (also behind a symbolic link) met in a walk: never opened.
    Special { path: PathBuf, kind: String },
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::File(p)
            | Found::HelmTemplates(p)
            | Found::Problem { path: p, .. }
            | Found::Special { path: p, .. } => p,
        }
    }
}

impl Found {
    /// The same item under another name.
    pub fn renamed(self, rename: &dyn Fn(&Path) -> PathBuf) -> Found {
        match self {
            Found::File(p) => Found::File(rename(&p)),
            Found::HelmTemplates(p) => Found::HelmTemplates(rename(&p)),
            Found::Problem { path, message } => Found::Problem {
                path: rename(&path),
                message,
            },
            Found::Special { path, kind } => Found::Special {
                path: rename(&path),
                kind,
            },
        }
    }
}

#[derive(Debug)]
pub struct MissingPath(pub PathBuf);

/// Decides what a walk takes: `(path, is_dir, depth)`; a directory it rejects is not entered.
pub type Filter<'a> = &'a (dyn Fn(&Path, bool, usize) -> bool + Sync);

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Walks `roots` and returns what it found, sorted by path. A root that does not exist is an error.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<Found>, MissingPath> {
    discover_filtered(roots, &|_, _, _| true)
}

/// [`discover`], taking only what `filter` accepts (the configuration's `include`/`exclude`).
pub fn discover_filtered(roots: &[PathBuf], filter: Filter<'_>) -> Result<Vec<Found>, MissingPath> {
    if let Some(missing) = roots.iter().find(|r| std::fs::symlink_metadata(r).is_err()) {
        return Err(MissingPath(missing.clone()));
    }
    // The walk reads git's ignore files itself (`.gitignore`, `.ignore`, `.git/info/exclude`)
    // in the roots, their parents and every directory it enters: one that is a FIFO or a device
    // would block it or never end. Such a directory is not walked, and that is an error.
    let found = std::sync::Arc::new(Mutex::new(Vec::new()));
    let roots: Vec<PathBuf> = roots
        .iter()
        .filter(|root| {
            let absolute = workspace::absolute(root);
            let bad = absolute.ancestors().find_map(|dir| {
                if std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
                    special_ignore_file(dir, if dir == absolute { root } else { dir })
                } else {
                    None
                }
            });
            match bad {
                Some(problem) => {
                    found
                        .lock()
                        .unwrap()
                        .push(problem.renamed_under(root, &absolute));
                    false
                }
                None => true,
            }
        })
        .cloned()
        .collect();
    let Some((first, rest)) = roots.split_first() else {
        let mut found = std::mem::take(&mut *found.lock().unwrap());
        sort_found(&mut found);
        return Ok(found);
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .follow_links(true)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .ignore(true)
        .parents(true)
        .threads(rayon::current_num_threads().min(4));
    {
        let found = std::sync::Arc::clone(&found);
        builder.filter_entry(move |entry| {
            if !entry.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            match special_ignore_file(entry.path(), entry.path()) {
                Some(problem) => {
                    found.lock().unwrap().push(problem);
                    false
                }
                None => true,
            }
        });
    }
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            let item = match entry {
                Err(error) => problem(&error),
                Ok(entry) => {
                    let path = entry.path();
                    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                    if !filter(path, is_dir, entry.depth()) {
                        return if is_dir {
                            WalkState::Skip
                        } else {
                            WalkState::Continue
                        };
                    }
                    if is_dir {
                        if is_helm_templates_dir(path) {
                            found
                                .lock()
                                .unwrap()
                                .push(Found::HelmTemplates(path.to_path_buf()));
                            return WalkState::Skip;
                        }
                        return WalkState::Continue;
                    }
                    // Depth 0 is a path the user named: always checked, whatever its extension.
                    let named = entry.depth() == 0;
                    let wanted = named
                        || path
                            .extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| EXTENSIONS.contains(&e));
                    if !wanted {
                        return WalkState::Continue;
                    }
                    // A FIFO, socket or device: never opened (see `special`).
                    let file_type = if entry.path_is_symlink() {
                        std::fs::metadata(path).ok().map(|m| m.file_type())
                    } else {
                        entry.file_type()
                    };
                    let kind = file_type
                        .and_then(special::describe)
                        .and_then(|_| special::special_kind(path));
                    if let Some(kind) = kind {
                        let item = if named {
                            Found::Problem {
                                path: path.to_path_buf(),
                                message: format!(
                                    "cannot read file: it is {kind}, not a regular file"
                                ),
                            }
                        } else {
                            Found::Special {
                                path: path.to_path_buf(),
                                kind,
                            }
                        };
                        found.lock().unwrap().push(item);
                        return WalkState::Continue;
                    }
                    if in_helm_templates(path) {
                        Some(Found::HelmTemplates(path.to_path_buf()))
                    } else {
                        Some(Found::File(path.to_path_buf()))
                    }
                }
            };
            if let Some(item) = item {
                found.lock().unwrap().push(item);
            }
            WalkState::Continue
        })
    });
    let mut found = std::mem::take(&mut *found.lock().unwrap());
    sort_found(&mut found);
    found.dedup();
    Ok(found)
}

/// The ignore files the walk reads in a directory.
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore", ".git/info/exclude"];

/// A directory whose ignore file is a FIFO, socket or device: the problem to report.
fn special_ignore_file(dir: &Path, shown: &Path) -> Option<Found> {
    IGNORE_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        let kind = special::special_kind(&path)?;
        Some(Found::Problem {
            message: format!(
                "cannot read git's ignore file: it is {kind}, not a regular file; the directory `{}` was not checked",
                shown.display()
            ),
            path,
        })
    })
}

impl Found {
    /// A problem found at an absolute path, named relative to the root the user gave when it
    /// is inside it.
    fn renamed_under(self, root: &Path, absolute_root: &Path) -> Found {
        self.renamed(&|p: &Path| match p.strip_prefix(absolute_root) {
            Ok(rest) => root.join(rest),
            Err(_) => p.to_path_buf(),
        })
    }
}

fn problem(error: &ignore::Error) -> Option<Found> {
    let path = error_path(error)?;
    let broken_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(&path).is_err();
    let message = if matches!(error, ignore::Error::Loop { .. }) || loop_inside(error) {
        format!("symbolic link loop: {error}; not followed")
    } else if broken_link {
        "broken symbolic link: its target does not exist".to_owned()
    } else {
        match error.io_error() {
            Some(io) => format!("cannot read: {io}"),
            None => error.to_string(),
        }
    };
    Some(Found::Problem { path, message })
}

fn loop_inside(error: &ignore::Error) -> bool {
    match error {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_inside(err),
        _ => false,
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// `templates/` beside a `Chart.yaml`.
fn is_helm_templates_dir(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "templates")
        && dir
            .parent()
            .is_some_and(|chart| chart.join("Chart.yaml").is_file())
}

/// A file inside a chart's templates (when the user named it, or the templates directory, directly).
fn in_helm_templates(path: &Path) -> bool {
    path.ancestors().skip(1).any(is_helm_templates_dir)
}

/// Sorts in `Found`'s order, with each path split into components once rather than at every
/// comparison (that was most of discovery's instructions on 2,000 files).
fn sort_found(found: &mut [Found]) {
    found.sort_by_cached_key(|f| {
        let variant = match f {
            Found::File(_) => 0,
            Found::HelmTemplates(_) => 1,
            Found::Problem { .. } => 2,
            Found::Special { .. } => 3,
        };
        // The order `Component` derives (its variant's rank, then its text), component by
        // component, as one byte string: each component is its rank, its bytes and a NUL (no
        // path holds one), so a component that begins another sorts first, as does a path that
        // begins another. (One allocation a path: a vector of components was 1% of a check.)
        let mut components: Vec<u8> = Vec::with_capacity(f.path().as_os_str().len() + 8);
        for c in f.path().components() {
            let rank = match c {
                std::path::Component::Prefix(_) => 0,
                std::path::Component::RootDir => 1,
                std::path::Component::CurDir => 2,
                std::path::Component::ParentDir => 3,
                std::path::Component::Normal(_) => 4,
            };
            components.push(rank);
            components.extend_from_slice(c.as_os_str().as_encoded_bytes());
            components.push(0);
        }
        let message = match f {
            Found::Problem { message, .. } => message.clone(),
            Found::Special { kind, .. } => kind.clone(),
            _ => String::new(),
        };
        (variant, components, message)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_order_is_the_order_of_paths() {
        let names = [
            "a/b",
            "a-b",
            "/x",
            "./y",
            "../z",
            "-w",
            "a",
            "a/b/c",
            "ä",
            "a.b",
            "..",
            "./a/b",
            "/",
            "a/bc",
            "a/b-c",
            "ab/c",
            "a/b/",
            "a//b",
            "a/./b",
            "a/b/../c",
            "/a",
            "a/b.yaml",
            "a/b/c.yaml",
            "a b/c",
            "A/b",
        ];
        let mut found: Vec<Found> = names
            .iter()
            .flat_map(|n| {
                [
                    Found::File(PathBuf::from(n)),
                    Found::HelmTemplates(PathBuf::from(n)),
                    Found::Problem {
                        path: PathBuf::from(n),
                        message: n.to_string(),
                    },
                    Found::Special {
                        path: PathBuf::from(n),
                        kind: n.to_string(),
                    },
                ]
            })
            .rev()
            .collect();
        let mut expected = found.clone();
        expected.sort();
        sort_found(&mut found);
        assert_eq!(found, expected);
    }
}
