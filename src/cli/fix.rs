//! `kubevet check --fix`: the fixes with one certain choice ([`crate::run::fixes::certain`]: the
//! text-only ones and a removed apiVersion's successor where nothing else changes, the fixes
//! SARIF carries) applied to the files, all of a file's at once, each file written atomically
//! and only if checking it again finds no error it did not have. kubevet writes files only when
//! asked to.

use super::*;
use crate::model::diagnostic::FileId;
use crate::model::fix::{self, Fix};
use crate::run::fixes::errors;
use std::path::Path;

/// What `--fix` did.
pub(super) struct Fixed {
    pub findings: usize,
    pub files: usize,
    /// Files not written, and why.
    pub skipped: Vec<(String, String)>,
    /// The fixed text of stdin, if it was checked.
    pub stream: Option<String>,
}

/// Applies the certain fixes of the report's findings. `roots` are the paths asked about: a
/// file is written only where it is (no symbolic link, nothing reached through one out of them).
pub(super) fn apply(report: &Report, options: &Options, roots: &[PathBuf]) -> Fixed {
    let computed;
    let certain = match report.computed_fixes() {
        Some(fixes) => fixes,
        None => {
            computed = crate::run::fixes::certain(report, options);
            computed.as_slice()
        }
    };
    let mut by_file: Vec<(FileId, Vec<Fix>)> = Vec::new();
    let mut texts: Vec<Option<String>> = vec![None; report.files.len()];
    for (d, fix) in report.diagnostics.iter().zip(certain) {
        let Some(fix) = fix.clone() else {
            continue;
        };
        let file = d.file();
        let Some(entry) = report.files.get(file.0 as usize) else {
            continue;
        };
        if texts[file.0 as usize].is_none() {
            match entry.source() {
                Some(text) => texts[file.0 as usize] = Some(text.into_owned()),
                None => continue,
            }
        }
        match by_file.last_mut() {
            Some((f, fixes)) if *f == file => fixes.push(fix),
            _ => by_file.push((file, vec![fix])),
        }
    }
    let mut fixed = Fixed {
        findings: 0,
        files: 0,
        skipped: Vec::new(),
        stream: None,
    };
    for (file, fixes) in by_file {
        let entry = &report.files[file.0 as usize];
        let Some(text) = texts[file.0 as usize].as_deref() else {
            continue;
        };
        let (new, applied) = fix::apply(text, &fixes);
        if applied.is_empty() {
            continue;
        }
        // Checked again before it is written: a fix never brings an error of its own.
        let before = errors(&entry.name, text, options);
        let after = errors(&entry.name, &new, options);
        if after.len() > before.len() || after.iter().any(|r| !before.contains(r)) {
            fixed.skipped.push((
                entry.name.clone(),
                "the fixed file would have new errors".into(),
            ));
            continue;
        }
        match &entry.path {
            // Stdin: the fixed text is the output.
            None => {
                fixed.stream = Some(new);
            }
            Some(path) => {
                if let Err(why) = write(path, &new, roots) {
                    fixed.skipped.push((entry.name.clone(), why));
                    continue;
                }
            }
        }
        fixed.findings += applied.len();
        fixed.files += 1;
    }
    fixed
}

/// Writes a file atomically (a temporary file beside it, renamed over it), keeping its
/// permissions; never through a symbolic link, never out of the paths asked about.
fn write(path: &Path, text: &str, roots: &[PathBuf]) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link; not written".into());
    }
    if !meta.is_file() {
        return Err("not a regular file; not written".into());
    }
    let canonical = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let inside = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .any(|r| canonical.starts_with(r));
    if !inside {
        return Err("reached through a symbolic link out of the paths checked; not written".into());
    }
    let dir = canonical.parent().ok_or("no directory")?;
    let name = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.kubevet-fix-{}", std::process::id()));
    let written = (|| -> io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&temp, meta.permissions())?;
        std::fs::rename(&temp, &canonical)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write it: {e}")
    })
}

/// The line `--fix` prints on stderr.
pub(super) fn summary(fixed: &Fixed) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "kubevet: fixed {} in {}",
        plural(fixed.findings, "finding", "findings"),
        plural(fixed.files, "file", "files")
    )
}
