//! The files the stage reads: kept trees of the checked files, else their text loaded again;
//! and the policies given outside the tree (`--policy`, `policies:`, the pack).

use super::{Inputs, PACK, Source};
use crate::index::Instance;
use crate::load::Loaded;
use crate::load::tree::Node;
use crate::model::diagnostic::FileId;
use crate::model::source::SourceFile;
use std::sync::Arc;

/// A loaded file whose objects the stage reads: in the tree or given.
pub(super) struct Tree {
    /// For policies given outside the tree: where they are, for messages.
    pub(super) origin: String,
    pub(super) loaded: Arc<Loaded>,
}

/// A checked file's tree: the one the run kept, else its text loaded again.
pub(super) fn tree_of(id: FileId, inputs: &Inputs<'_>) -> Option<Tree> {
    let loaded = match (inputs.tree)(id) {
        Some(loaded) => loaded,
        None => {
            let file = SourceFile::new(id, String::new(), (inputs.source)(id)?);
            Arc::new(crate::load::load(&file, inputs.limits))
        }
    };
    Some(Tree {
        origin: String::new(),
        loaded,
    })
}

/// The policies and bindings given besides the tree.
pub(super) fn load_given(inputs: &Inputs<'_>) -> Vec<Tree> {
    let load = |name: String, text: String| Tree {
        origin: name.clone(),
        loaded: Arc::new(crate::load::load(
            &SourceFile::new(FileId(u32::MAX), name, text),
            inputs.limits,
        )),
    };
    let mut out = Vec::new();
    for source in inputs.given {
        match source {
            Source::Pack(name) => {
                if let Some((_, text)) = PACK.iter().find(|(n, _)| n == name) {
                    let mut tree = load(format!("pack:{name}"), (*text).into());
                    tree.origin = format!("the policy pack's {name}");
                    out.push(tree);
                }
            }
            Source::Path(path) => {
                let files = crate::discover::discover(std::slice::from_ref(path))
                    .map(|found| {
                        found
                            .into_iter()
                            .filter_map(|f| match f {
                                crate::discover::Found::File(p) => Some(p),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                for p in files {
                    let Ok(text) = crate::discover::special::read_regular_string(
                        &p,
                        inputs.limits.max_file_bytes,
                    ) else {
                        continue;
                    };
                    out.push(load(p.display().to_string(), text));
                }
            }
        }
    }
    out
}

/// An instance's object: its rendered tree (an object of a kustomize build), else the object of
/// its loaded file at its location.
pub(super) fn object_of<'t>(
    trees: &'t std::collections::HashMap<FileId, Tree>,
    instance: &'t Instance,
) -> Option<&'t Node> {
    match &instance.object.tree {
        Some(rendered) => Some(rendered),
        None => object_at(trees.get(&instance.object.file)?, instance),
    }
}

/// The object of a loaded file at an instance's location.
pub(super) fn object_at<'t>(tree: &'t Tree, instance: &Instance) -> Option<&'t Node> {
    crate::index::digests::object_at(&tree.loaded, instance)
}
