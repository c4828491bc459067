//! The digests of objects as written ([`ObjectSummary::digest`](super::summary::ObjectSummary)),
//! made when `duplicate-object` compares two copies in one directory: from the file's kept
//! tree, else its text loaded again (each file once). The per-file stage no longer hashes every
//! tree it loads (23.6 M of 687 M instructions on the 2,000-file corpus) for the few objects
//! that have a copy.

use super::Instance;
use crate::k8s::object::objects_of;
use crate::load::tree::Node;
use crate::load::{Limits, Loaded};
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A file's text again (`None`: it cannot be read).
pub type Source<'a> = &'a (dyn Fn(FileId) -> Option<String> + Sync);
/// A checked file's tree, when the run kept it.
pub type Tree<'a> = &'a (dyn Fn(FileId) -> Option<Arc<Loaded>> + Sync);

/// Digests of objects as written, made on demand.
pub struct Digests<'a> {
    source: Source<'a>,
    tree: Tree<'a>,
    limits: &'a Limits,
    loaded: Mutex<HashMap<FileId, Option<Arc<Loaded>>>>,
}

impl<'a> Digests<'a> {
    pub fn new(source: Source<'a>, tree: Tree<'a>, limits: &'a Limits) -> Digests<'a> {
        Digests {
            source,
            tree,
            limits,
            loaded: Mutex::default(),
        }
    }

    /// The digest of an instance's object: its summary's, or made from its file; `None` when
    /// the file cannot be read again or no longer holds the object (no two such are alike).
    pub fn of(&self, instance: &Instance) -> Option<u64> {
        if let Some(digest) = instance.object.digest {
            return Some(digest);
        }
        let file = instance.object.file;
        let loaded = {
            let mut cache = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry(file)
                .or_insert_with(|| {
                    (self.tree)(file).or_else(|| {
                        let text = (self.source)(file)?;
                        let source = SourceFile::new(file, String::new(), text);
                        Some(Arc::new(crate::load::load(&source, self.limits)))
                    })
                })
                .clone()?
        };
        object_at(&loaded, instance).map(super::summarize::digest)
    }
}

/// The object of a loaded file at an instance's place: in its document, the object (the
/// document, or an item of its `List`) whose span holds the instance's location.
pub fn object_at<'t>(loaded: &'t Loaded, instance: &Instance) -> Option<&'t Node> {
    let at = instance.object.location.span.start;
    loaded
        .documents
        .iter()
        .filter(|d| d.index == instance.object.document)
        .flat_map(|d| objects_of(&d.root, d.index))
        .map(|o| o.root)
        .find(|root| root.span.start <= at && at <= root.span.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::summary::ObjectSummary;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn instance(file: FileId, document: u32, location: crate::model::span::Span) -> Instance {
        let at = crate::model::diagnostic::Location {
            file,
            span: location,
            start: Default::default(),
            end: Default::default(),
        };
        let mut object = ObjectSummary::new(file, document, "v1", "ConfigMap", "x", at);
        object.digest = None;
        Instance {
            object: Box::new(object),
            namespace: None,
            namespace_location: None,
            build: None,
            units: Box::default(),
            loose_dir: None,
            via: None,
        }
    }

    #[test]
    fn digests_are_made_from_the_file_once_and_agree_with_the_trees() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {x: '1'}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}, data: {y: 0x2}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {y: 2}}\n";
        let reads = AtomicUsize::new(0);
        let source = |f: FileId| {
            reads.fetch_add(1, Ordering::Relaxed);
            (f == FileId(3)).then(|| text.to_owned())
        };
        let no_tree = |_: FileId| None;
        let limits = Limits::default();
        let digests = Digests::new(&source, &no_tree, &limits);
        let loaded = crate::load::load(
            &SourceFile::new(FileId(3), String::new(), text.into()),
            &limits,
        );
        let name_of = |root: &Node| root.get_path(&["metadata", "name"]).unwrap().span;
        let first = &loaded.documents[0].root;
        let items = loaded.documents[1]
            .root
            .get("items")
            .unwrap()
            .as_seq()
            .unwrap();
        let a = instance(FileId(3), 0, name_of(first));
        let b = instance(FileId(3), 1, name_of(&items[0]));
        let c = instance(FileId(3), 1, name_of(&items[1]));
        let digest = crate::index::summarize::digest;
        assert_eq!(digests.of(&a), Some(digest(first)));
        assert_eq!(digests.of(&b), Some(digest(&items[0])));
        // `0x2` and `2` decode alike; `b` and `c` differ by their names only.
        assert_ne!(digests.of(&b), digests.of(&c));
        assert_eq!(reads.load(Ordering::Relaxed), 1, "the file is read once");
        // A built object's digest is its summary's; a file that cannot be read has none.
        let mut built = instance(FileId(3), 0, name_of(first));
        built.object.digest = Some(0);
        assert_eq!(digests.of(&built), Some(0));
        assert_eq!(digests.of(&instance(FileId(4), 0, name_of(first))), None);
    }
}
