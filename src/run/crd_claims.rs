//! Which file's CRDs win, decided while the first pass runs in parallel: the rank of a file
//! (given, context, `--crd`) and the earliest file so far to define each CRD apiVersion/kind, so
//! that files whose CRDs an earlier file already gives drop their trees at once.

use crate::model::diagnostic::FileId;
use crate::run::Options;
use crate::run::files::Preloaded;
use crate::schema::crd::Crds;

/// Where a file's CRDs come in the order that decides which definition of an apiVersion/kind
/// wins: the given files, then the context, then `--crd` files, each in path order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CrdRank {
    Given(FileId),
    Context(FileId),
    CrdFlag(usize),
}

/// The earliest file seen so far to define each CRD apiVersion/kind, shared by the parallel
/// first pass: a file whose every definition an earlier file already gives drops its tree at
/// once, instead of holding it until all files are loaded (a repository that vendors the same
/// CRDs many times held them all). Which definition wins is still decided by merging in rank
/// order; this only decides what may be dropped early.
#[derive(Default)]
pub(crate) struct CrdClaims(std::sync::Mutex<foldhash::HashMap<(String, String), CrdRank>>);

impl CrdClaims {
    /// The CRDs `p` defines if it is the earliest so far to define one of them.
    pub(crate) fn claim(&self, rank: CrdRank, p: &Preloaded, options: &Options) -> Option<Crds> {
        let mut crds = Crds::default();
        crds.add_file(p.file.id, &p.loaded, options.kubernetes_version);
        self.keep(rank, crds)
    }

    pub(crate) fn keep(&self, rank: CrdRank, crds: Crds) -> Option<Crds> {
        let mut claims = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut first = false;
        for key in crds.keys() {
            match claims.get_mut(key) {
                Some(earliest) if *earliest < rank => {}
                Some(earliest) => {
                    *earliest = rank;
                    first = true;
                }
                None => {
                    claims.insert(key.clone(), rank);
                    first = true;
                }
            }
        }
        first.then_some(crds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;
    use crate::model::KubeVersion;
    use crate::model::source::SourceFile;
    use std::sync::Arc;

    fn defining(kinds: &[&str]) -> Crds {
        let text: String = kinds
            .iter()
            .map(|kind| {
                format!(
                    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                     metadata: {{name: x}}\nspec:\n  group: example.org\n  names: {{kind: {kind}}}\n  \
                     versions: [{{name: v1, served: true}}]\n---\n"
                )
            })
            .collect();
        let file = SourceFile::new(FileId(0), "crds.yaml".into(), text);
        let loaded = Arc::new(load::load(&file, &Options::default().limits));
        let mut crds = Crds::default();
        crds.add_file(file.id, &loaded, KubeVersion::new(37));
        assert_eq!(crds.keys().count(), kinds.len());
        crds
    }

    /// A file keeps its CRDs only while it is the earliest to define one of them; the threads
    /// may present files in any order.
    #[test]
    fn crd_claims_keep_only_possible_winners() {
        let claims = CrdClaims::default();
        let given = |i| CrdRank::Given(FileId(i));
        assert!(claims.keep(given(5), defining(&["A"])).is_some());
        // Earlier than the holder: kept (it wins at the merge).
        assert!(claims.keep(given(3), defining(&["A"])).is_some());
        // Later than the earliest: dropped.
        assert!(claims.keep(given(4), defining(&["A"])).is_none());
        // Partly new: kept whole.
        assert!(claims.keep(given(9), defining(&["A", "B"])).is_some());
        assert!(
            claims
                .keep(CrdRank::Context(FileId(0)), defining(&["B"]))
                .is_none()
        );
        assert!(
            claims
                .keep(CrdRank::CrdFlag(0), defining(&["A", "B"]))
                .is_none()
        );
        assert!(claims.keep(CrdRank::CrdFlag(0), defining(&["C"])).is_some());
        // Given files come before the context, whatever their ids.
        assert!(
            claims
                .keep(CrdRank::Context(FileId(0)), defining(&["D"]))
                .is_some()
        );
        assert!(claims.keep(given(100), defining(&["D"])).is_some());
    }
}
