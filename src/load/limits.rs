//! The bounds on what one file may cost to load (size, documents, depth, aliases, nodes).

/// Bounds that keep hostile input from exhausting time or memory. Each can be set in the
/// configuration (`limits:`) or with a flag, within [`Limits::MAX_FILE_BYTES`],
/// [`Limits::MAX_DEPTH`] and [`Limits::MAX_COUNT`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_documents: usize,
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one document (an alias bomb hits this at once).
    pub max_alias_nodes: usize,
    pub max_nodes_per_document: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 32 * 1024 * 1024,
            max_documents: 100_000,
            max_depth: 200,
            max_alias_nodes: 100_000,
            max_nodes_per_document: 5_000_000,
        }
    }
}

impl Limits {
    /// The largest file size a user may allow: spans are 32-bit byte offsets, and a file is
    /// held in memory with its tree, so this stays well below 4 GiB.
    pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
    /// The deepest nesting a user may allow: the tree's recursive walks (JSON conversion,
    /// schema validation) are sized for it, and Kubernetes objects are never nested this deeply.
    pub const MAX_DEPTH: usize = 250;
    /// The largest count (documents, alias-expanded nodes, nodes per document) a user may
    /// allow: a billion nodes already take tens of GiB, and no file within `MAX_FILE_BYTES`
    /// holds a billion documents, so a larger value is a typo rather than a need.
    pub const MAX_COUNT: usize = 1_000_000_000;
}
