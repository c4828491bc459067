//! The objects two units render alike, checked once: a unit that renders an object another
//! unit has checked already skips it and takes its summaries ([`Seen`], [`share`]).

use super::Unit;
use crate::index::RenderedBuild;
use crate::index::summary::ObjectSummary;
use crate::model::diagnostic::FileId;
use foldhash::{HashMap, HashSet};

/// The digests ([`super::tree::digest`]) of the rendered objects a unit of the run has checked: a
/// unit that renders an object another has checked already (a base object an overlay leaves
/// alone) skips it, its findings being the same and reported once anyway. Only for a run whose
/// unit results are not kept for later runs ([`Cache`]): a kept result must be whole.
pub(super) struct Seen {
    digests: std::sync::Mutex<HashSet<u128>>,
    /// The summaries of the objects of each digest, made by the unit that checked them: the
    /// index needs them in every build (filled in once every unit is done, [`share`]).
    #[allow(clippy::vec_box)]
    summaries: std::sync::Mutex<HashMap<u128, Vec<Box<ObjectSummary>>>>,
    /// The files more than one unit includes: only their objects can be rendered twice (an
    /// object of any other file is not digested at all).
    pub(super) shared: HashSet<FileId>,
}

impl Seen {
    pub(super) fn of(units: &[Unit]) -> Seen {
        let mut once: HashSet<FileId> = HashSet::default();
        let mut shared: HashSet<FileId> = HashSet::default();
        for f in units.iter().flat_map(|u| &u.files) {
            if !once.insert(*f) {
                shared.insert(*f);
            }
        }
        Seen {
            digests: Default::default(),
            summaries: Default::default(),
            shared,
        }
    }

    /// Whether `digest` is new (and now seen).
    pub(super) fn first(&self, digest: u128) -> bool {
        self.digests.lock().map_or(true, |mut s| s.insert(digest))
    }

    /// Keeps the summaries of the objects of `digest`, for the units that skip them.
    #[allow(clippy::vec_box)]
    pub(super) fn keep(&self, digest: u128, objects: Vec<Box<ObjectSummary>>) {
        if let Ok(mut s) = self.summaries.lock() {
            s.insert(digest, objects);
        }
    }
}

/// Fills in the summaries of the objects a unit skipped ([`Seen`]), each where the unit
/// would have put them, from the unit that checked them.
pub(super) fn share(build: &mut RenderedBuild, skipped: &[(usize, u128)], seen: &Seen) {
    let Ok(summaries) = seen.summaries.lock() else {
        return;
    };
    // From the last: an insertion does not move the places before it.
    for (at, digest) in skipped.iter().rev() {
        if let Some(objects) = summaries.get(digest) {
            build.objects.splice(*at..*at, objects.iter().cloned());
        }
    }
}

/// How a unit is checked: the digests of the objects checked already ([`Seen`]), whether its
/// objects keep their trees ([`super::Inputs::keep_trees`]), and whether it is rendered for the index
/// only (a unit of context files: no check runs on its objects).
#[derive(Clone, Copy)]
pub(super) struct Mode<'s> {
    pub(super) seen: Option<&'s Seen>,
    pub(super) keep_trees: bool,
    pub(super) index_only: bool,
}
