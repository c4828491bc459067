//! Globs over relative paths, `.gitignore`-style, for the configuration's `include`, `exclude`,
//! `overrides` and `applyUnits`, and for Argo CD's `include`/`exclude`.

use crate::discover::workspace::slash_path;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

/// Globs relative to the configuration's directory, `.gitignore`-style: `**` crosses
/// directories, `*` does not, a pattern without `/` matches at any depth, and a pattern that
/// matches a directory covers everything in it.
#[derive(Clone, Debug)]
pub struct PathGlobs {
    set: GlobSet,
    /// The patterns as written, for messages.
    patterns: Vec<String>,
}

impl PathGlobs {
    /// Compiles patterns; the error names the pattern that is wrong.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<PathGlobs, String> {
        let mut builder = GlobSetBuilder::new();
        let mut written = Vec::new();
        for pattern in patterns {
            written.push(pattern.to_owned());
            let glob = GlobBuilder::new(&normalize_pattern(pattern)?)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("invalid glob `{pattern}`: {}", glob_error(&e)))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PathGlobs {
            set,
            patterns: written,
        })
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether a relative path, or a directory it is in, matches.
    pub fn matches(&self, relative: &Path) -> bool {
        let path = slash_path(relative);
        let mut candidate = path.as_str();
        loop {
            if !candidate.is_empty() && self.set.is_match(candidate) {
                return true;
            }
            match candidate.rfind('/') {
                Some(i) => candidate = &candidate[..i],
                None => return false,
            }
        }
    }

    /// Whether a relative path itself matches (not a directory it is in).
    pub fn matches_exactly(&self, relative: &Path) -> bool {
        let path = slash_path(relative);
        !path.is_empty() && self.set.is_match(path.as_str())
    }
}

fn glob_error(e: &globset::Error) -> String {
    match e.kind() {
        globset::ErrorKind::UnclosedClass => "an unclosed character class `[`".to_owned(),
        globset::ErrorKind::UnclosedAlternates => "an unclosed `{`".to_owned(),
        globset::ErrorKind::InvalidRecursive => {
            "`**` must be a whole path segment (`a/**/b`, not `a**`)".to_owned()
        }
        kind => kind.to_string(),
    }
}

fn normalize_pattern(pattern: &str) -> Result<String, String> {
    let trimmed = pattern.trim();
    let mut p = trimmed;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let anchored = p.starts_with('/');
    let p = p.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() || p == "." {
        return Err(format!(
            "the glob `{pattern}` matches nothing; to match everything, write `**`"
        ));
    }
    if p.split('/').any(|part| part == "..") {
        return Err(format!(
            "the glob `{pattern}` leaves the configuration's directory; globs are relative to it and cannot use `..`"
        ));
    }
    Ok(if !anchored && !p.contains('/') && !p.starts_with("**") {
        format!("**/{p}")
    } else {
        p.to_owned()
    })
}
