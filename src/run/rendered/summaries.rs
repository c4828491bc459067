//! What the whole-repo stage needs of a rendered object: its summary
//! ([`crate::index::summarize`]) made on the rendered tree, every location moved from the unit's
//! virtual text to the file and span of the node that set the value (a patch, the base, an
//! `images:` entry, a generator line), so cross-object rules see each build as kustomize
//! applies it and point where the user wrote it.

use super::labels::real_location;
use super::tree::Layout;
use crate::index::summary::ObjectSummary;
use crate::model::diagnostic::Location;
use crate::model::source::SourceFile;
use foldhash::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// Each file's documents, split once a unit: the documents' ranges, and whether each counts
/// (blank and comment-only ones do not, as the loader numbers them).
#[derive(Default)]
pub(super) struct Documents(HashMap<u32, Vec<(Range<usize>, bool)>>);

impl Documents {
    /// The loader's number of the document of file `k` (of the render) holding offset `at`.
    fn index(&mut self, k: u32, text: &str, at: usize) -> u32 {
        let chunks = self.0.entry(k).or_insert_with(|| {
            crate::load::split_documents(text)
                .into_iter()
                .map(|chunk| {
                    let source = text.get(chunk.range.clone()).unwrap_or("");
                    let counts = !source
                        .lines()
                        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
                    (chunk.range, counts)
                })
                .collect()
        });
        let mut index = 0u32;
        for (range, counts) in chunks.iter() {
            if at < range.start || at < range.end.max(range.start + 1) {
                break;
            }
            index += u32::from(*counts);
        }
        index
    }
}

/// A summary of a rendered object (made on the virtual text) with its locations in the run's
/// files. Its file and document are those of its `metadata.name` (where findings about the
/// object point); a value set in a file the run does not have points there too. `None` when the
/// object's identity is in no file of the run (a base outside the checked paths: its objects
/// are not indexed, as when it is not rendered).
pub(super) fn relocate(
    mut summary: ObjectSummary,
    root: crate::render::node::Origin,
    layout: &Layout,
    files: &[Arc<SourceFile>],
    documents: &mut Documents,
) -> Option<ObjectSummary> {
    let to_real = |at: &Location| real_location(layout.origin(at.span)?, layout, files);
    let (identity, k) = match to_real(&summary.location) {
        Some(l) => (l, layout.origin(summary.location.span)?.file),
        None => (real_location(root, layout, files)?, root.file),
    };
    let text = &files.get(k as usize)?.text;
    summary.file = identity.file;
    summary.document = documents.index(k, text, identity.span.start as usize);
    summary.locations_mut(&mut |l: &mut Location| {
        *l = to_real(l).unwrap_or(identity);
    });
    summary.location = identity;
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_numbered_as_the_loader_numbers_them() {
        // A comment-only document does not count.
        let text = "# header\n---\na: 1\n---\n# nothing\n---\nb: 2\n";
        let mut documents = Documents::default();
        let a = text.find("a: 1").unwrap();
        let b = text.find("b: 2").unwrap();
        assert_eq!(documents.index(0, text, a), 0);
        assert_eq!(documents.index(0, text, b), 1);
        let loaded = crate::load::load(
            &SourceFile::new(
                crate::model::diagnostic::FileId(0),
                "x.yaml".into(),
                text.into(),
            ),
            &crate::load::Limits::default(),
        );
        let indices: Vec<u32> = loaded.documents.iter().map(|d| d.index).collect();
        assert_eq!(indices, [0, 1]);
    }
}
