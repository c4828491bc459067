//! Where a run happens: absolute and relative paths without touching the file system, the git
//! repository a path is in, and the `.kubevet.yaml` that applies to it.

use std::path::{Component, Path, PathBuf};

/// The names kubevet looks for when it walks up to find its configuration.
pub const CONFIG_FILE_NAMES: &[&str] = &[".kubevet.yaml", ".kubevet.yml"];

/// The current directory, or `.` if it cannot be read (it was deleted under us).
pub fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// `path` made absolute against `base` and normalized lexically: `.` dropped, `..` applied
/// (symbolic links are not resolved; kubevet names files as the user reaches them).
pub fn absolute_from(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // `/..` is `/`.
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` made absolute against the current directory.
pub fn absolute(path: &Path) -> PathBuf {
    absolute_from(&current_dir(), path)
}

/// `path` relative to `base` if it is inside it (both absolute and normalized).
pub fn relative_inside<'a>(path: &'a Path, base: &Path) -> Option<&'a Path> {
    path.strip_prefix(base).ok()
}

/// The root of the git repository (the directory holding `.git`, a directory or, in worktrees
/// and submodules, a file) that contains `start`, an absolute path.
pub fn git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The directory to start looking for configuration from for a path the user named: the path
/// itself if it is a directory, else the directory it is in.
pub fn start_dir(path: &Path) -> PathBuf {
    let path = absolute(path);
    if path.is_dir() {
        path
    } else {
        path.parent().map_or(path.clone(), Path::to_path_buf)
    }
}

/// The `.kubevet.yaml` (or `.kubevet.yml`) nearest to `start` (an absolute directory), looking
/// in it and its parents up to the root of its git repository (or of the file system, outside
/// a repository).
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let stop = git_root(start);
    for dir in start.ancestors() {
        for name in CONFIG_FILE_NAMES {
            let candidate = dir.join(name);
            // A FIFO or device there is taken too: reading it fails with a clear error
            // rather than the run silently using no configuration.
            if candidate.is_file() || crate::discover::special::special_kind(&candidate).is_some() {
                return Some(candidate);
            }
        }
        if stop.as_deref() == Some(dir) {
            break;
        }
    }
    None
}

/// A short name for `path` (absolute) as seen from `cwd`: relative if it is inside it, else the
/// absolute path.
pub fn display_name(path: &Path, cwd: &Path) -> String {
    match relative_inside(path, cwd) {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}

/// A path as a `/`-separated string, for globs and URIs.
pub fn slash_path(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&part.to_string_lossy());
            }
            Component::RootDir => out.push('/'),
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::CurDir | Component::ParentDir => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(if component == Component::CurDir {
                    "."
                } else {
                    ".."
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_are_normalized_lexically() {
        let base = Path::new("/repo/sub");
        assert_eq!(
            absolute_from(base, Path::new("a.yaml")),
            Path::new("/repo/sub/a.yaml")
        );
        assert_eq!(
            absolute_from(base, Path::new("./x/../../b/./c.yaml")),
            Path::new("/repo/b/c.yaml")
        );
        assert_eq!(absolute_from(base, Path::new("/../etc")), Path::new("/etc"));
        assert_eq!(absolute_from(base, Path::new(".")), Path::new("/repo/sub"));
    }

    #[test]
    fn display_names_are_relative_inside_the_current_directory() {
        let cwd = Path::new("/repo");
        assert_eq!(display_name(Path::new("/repo/a/b.yaml"), cwd), "a/b.yaml");
        assert_eq!(display_name(Path::new("/repo"), cwd), ".");
        assert_eq!(display_name(Path::new("/other/x"), cwd), "/other/x");
        // A sibling whose name starts the same is not inside.
        assert_eq!(display_name(Path::new("/repo2/x"), cwd), "/repo2/x");
    }

    #[test]
    fn slash_paths() {
        assert_eq!(slash_path(Path::new("a/b/c.yaml")), "a/b/c.yaml");
        assert_eq!(slash_path(Path::new("/a/b")), "/a/b");
        assert_eq!(slash_path(Path::new("../a")), "../a");
    }
}
