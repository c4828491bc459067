//! `kustomize-cycle`: a kustomization that includes, directly or through others, its own
//! directory or a directory above it. kustomize's loader keeps the chain of roots it is loading
//! and refuses a new root that is equal to or above any of them (`errIfArgEqualOrHigher` in
//! sigs.k8s.io/kustomize `api/internal/loader/fileloader.go`): "cycle detected: candidate root
//! '...' contains visited root '...'". So `a` including `b` including `a` fails, and so does a
//! kustomization including `.` or `..`; a base included twice (a diamond) does not.
//!
//! Computed from the kustomizations of the run (and its context), never by reading more files:
//! an entry in kustomization `K` naming directory `R` is a cycle when `R` is `K`'s directory or
//! above it, or when some kustomization reachable from `R` includes such a directory.

use crate::index::FileObjects;
use crate::index::kustomize::{Kustomization, normalize};
use crate::model::diagnostic::Diagnostic;
use foldhash::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn shown(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        dir.display().to_string()
    }
}

/// The kustomizations by their directory (normalized), by its text.
type ByDir<'a> = HashMap<&'a OsStr, usize>;

/// The `kustomize-cycle` findings of the run's kustomizations.
pub fn cycles(files: &[FileObjects]) -> Vec<Diagnostic> {
    let ks: Vec<&Kustomization> = files
        .iter()
        .filter_map(|f| f.kustomization.as_deref())
        .collect();
    if ks.is_empty() {
        return Vec::new();
    }
    // (Maps of normalized paths (an include's is) keyed by their text: equal texts are equal
    // paths, and hashing a `Path` goes component by component.)
    let dirs: Vec<PathBuf> = ks.iter().map(|k| normalize(&k.dir)).collect();
    let by_dir: ByDir = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| (dir.as_os_str(), i))
        .collect();
    // Every directory some kustomization includes: a cycle needs one at or above its start.
    let targets: HashSet<&OsStr> = ks
        .iter()
        .flat_map(|k| k.includes.iter())
        .map(|i| i.path.as_os_str())
        .filter(|p| by_dir.contains_key(p))
        .collect();
    let mut out = Vec::new();
    for (k, dir) in ks.iter().zip(&dirs) {
        let closes = |target: &Path| dir.starts_with(target);
        // Whether some kustomization of the run includes this directory or one above it.
        let reachable = dir.ancestors().any(|a| targets.contains(a.as_os_str()));
        for include in &k.includes {
            // Its own directory or one above: a cycle whatever that directory includes (and
            // even when it is not part of the run).
            let message = if closes(&include.path) {
                format!(
                    "cycle detected: candidate root '{}' contains visited root '{}'",
                    shown(&include.path),
                    shown(dir)
                )
            } else if let Some((chain, target)) = by_dir
                .get(include.path.as_os_str())
                .filter(|_| reachable)
                .and_then(|&start| path_back(&ks, &by_dir, start, &closes))
            {
                let mut names = vec![shown(dir)];
                names.extend(chain.iter().map(|&i| shown(&ks[i].dir)));
                names.push(shown(target));
                format!(
                    "cycle detected: {}; candidate root '{}' contains visited root '{}'",
                    names.join(" includes "),
                    shown(target),
                    shown(dir)
                )
            } else {
                continue;
            };
            out.push(
                Diagnostic::new(&crate::model::rule::kustomize_cycle, include.location, message)
                    .with_label("`kustomize build` fails here")
                    .with_help(
                        "a kustomization cannot include its own directory, a directory above it, or a kustomization that includes it back; move what both need into a base that includes neither",
                    ),
            );
        }
    }
    out
}

/// A chain of kustomizations from `start` to one that includes a directory `closes` accepts,
/// and that directory.
fn path_back<'a>(
    ks: &[&'a Kustomization],
    by_dir: &ByDir,
    start: usize,
    closes: &dyn Fn(&Path) -> bool,
) -> Option<(Vec<usize>, &'a Path)> {
    let mut seen: HashSet<usize> = HashSet::default();
    seen.insert(start);
    // Depth-first, with the chain so far: (kustomization, index of its next include).
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    while let Some(&mut (current, ref mut next)) = stack.last_mut() {
        let includes = &ks[current].includes;
        let Some(include) = includes.get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        let Some(&inner) = by_dir.get(include.path.as_os_str()) else {
            continue;
        };
        if closes(&include.path) {
            let chain = stack.iter().map(|&(i, _)| i).collect();
            return Some((chain, include.path.as_path()));
        }
        if seen.insert(inner) {
            stack.push((inner, 0));
        }
    }
    None
}
