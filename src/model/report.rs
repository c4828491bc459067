//! What a run found, as every output format reads it: the files, the findings, the summary.

use crate::model::diagnostic::{Diagnostic, FileId, Location, ObjectRef, Severity, Summary};
use std::path::PathBuf;

/// A file as the report knows it: its name for output, and its text where a renderer will need
/// it for snippets. Texts of files without per-file findings are dropped after their checks (so
/// memory does not grow with the repository); a renderer re-reads them from `path` if a
/// whole-repo finding points there.
#[derive(Clone, Default)]
pub struct FileEntry {
    pub name: String,
    /// The text, kept only where it cannot be read again (stdin, undecodable files).
    pub text: Option<String>,
    /// Where to read the text again; `None` for stdin and for paths that could not be read.
    pub path: Option<PathBuf>,
    /// The length and hash of the text that was checked, for files with findings: a snippet
    /// is shown from the file read again only if it is still that text.
    pub digest: Option<(usize, u64)>,
    /// The objects in the file, in order (for formats that list them, such as JUnit).
    pub objects: Vec<ObjectEntry>,
    /// Read only as context for the whole-repo checks; nothing is reported about it.
    pub context: bool,
}

/// An object of a checked file, as the report lists it.
#[derive(Clone, Debug, Default)]
pub struct ObjectEntry {
    pub document: u32,
    /// The same allocation as the object of its findings.
    pub object: std::sync::Arc<ObjectRef>,
}

impl FileEntry {
    /// The file's text for snippets: kept, or read again (checked files are not kept in memory,
    /// so a run's memory does not grow with the size of the sources). `None` when the file
    /// changed since it was checked.
    pub fn source(&self) -> Option<std::borrow::Cow<'_, str>> {
        match (&self.text, &self.path) {
            (Some(text), _) => Some(std::borrow::Cow::Borrowed(text)),
            (None, Some(path)) => {
                crate::discover::special::read_regular_string(path, u32::MAX.into())
                    .ok()
                    .filter(|text| self.digest.is_none_or(|d| d == digest(text)))
                    .map(std::borrow::Cow::Owned)
            }
            (None, None) => None,
        }
    }
}

/// Length and hash of a text (foldhash, fixed seed: the same in every run). Every file a render
/// may cover has one (whether it will have findings is not known when it is read), so it reads
/// the text a word at a time: byte-at-a-time FNV-1a, one multiply after another, took 8 ms of
/// CPU on kube-prometheus's 5.8 MB.
pub fn digest(text: &str) -> (usize, u64) {
    use std::hash::BuildHasher;
    let hash =
        foldhash::quality::FixedState::with_seed(0x6b75_6265_7665_7464).hash_one(text.as_bytes());
    (text.len(), hash)
}

/// Everything a run found, ready for any output format.
#[derive(Default)]
pub struct Report {
    pub files: Vec<FileEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Findings a suppression comment or annotation covered (counted in the summary).
    pub suppressed: Vec<Suppressed>,
    /// The certain fix of each finding, in the order of `diagnostics`, where the run computed
    /// them (`kubevet check` for `--fix` and SARIF: [`crate::run::fixes::certain`], which can
    /// check a fixed text again); empty otherwise.
    pub fixes: Vec<Option<crate::model::fix::Fix>>,
}

impl Report {
    /// The rule ids of the report's errors (what a fix must not add: [`crate::model::fix::api_version`]).
    pub fn error_rules(&self) -> Vec<&'static str> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.rule.id)
            .collect()
    }

    pub fn file_name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    /// The certain fixes of the findings, if the run computed them (one per finding).
    pub fn computed_fixes(&self) -> Option<&[Option<crate::model::fix::Fix>]> {
        (self.fixes.len() == self.diagnostics.len()).then_some(self.fixes.as_slice())
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}

/// How a suppression was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// `# kubevet-ignore:`
    Line,
    /// `# kubevet-ignore-document:`
    Document,
    /// `# kubevet-ignore-file:`
    File,
    /// The `kubevet.dev/ignore` annotation.
    Annotation,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Line => "comment",
            SuppressionKind::Document => "document-comment",
            SuppressionKind::File => "file-comment",
            SuppressionKind::Annotation => "annotation",
        }
    }

    /// Where it applies, in words.
    pub fn covers(self) -> &'static str {
        match self {
            SuppressionKind::Line => "on the line it covers",
            SuppressionKind::Document => "in its document",
            SuppressionKind::File => "in this file",
            SuppressionKind::Annotation => "in this object",
        }
    }
}

/// A finding kept out of the results by a suppression.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    pub kind: SuppressionKind,
    /// Where the suppression is written.
    pub by: Location,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::digest;

    #[test]
    fn digests_tell_texts_apart() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n".repeat(40);
        assert_eq!(digest(&text), digest(&text.clone()));
        assert_eq!(digest(&text).0, text.len());
        // Any one byte changed, anywhere in a long text; one byte more or less.
        for at in [0, 1, 7, 8, 31, 32, 33, text.len() / 2, text.len() - 1] {
            let mut changed = text.clone().into_bytes();
            changed[at] ^= 0x20;
            let changed = String::from_utf8(changed).unwrap();
            assert_ne!(digest(&changed).1, digest(&text).1, "byte {at}");
        }
        assert_ne!(digest(&text[1..]).1, digest(&text).1);
        assert_ne!(digest(&format!("{text} ")).1, digest(&text).1);
    }
}
