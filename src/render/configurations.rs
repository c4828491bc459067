//! A kustomization's `configurations` entry: its files read and decoded as kustomize decodes
//! them, merged over the built-in field specs, then into what the bases accumulated
//! ([`super::config`] holds the lists and kustomize's merge).

use super::RenderError;
use super::config::{Config, builtin};
use super::kust::{Kust, Walk};
use super::node::Origin;
use crate::index::kustomize::normalize;

impl Walk<'_> {
    /// Merges the kustomization's transformer configuration (the built-in one, with its
    /// `configurations` files) into the accumulated one.
    pub(crate) fn configurations(&mut self, k: &Kust) -> Result<(), RenderError> {
        let mut files = Config::default();
        for entry in k.seq("configurations") {
            let origin = k.origin(entry);
            let name = entry.as_str().unwrap_or_default();
            let path = normalize(&k.dir.join(name));
            let file = self.config_file(k, &path, origin)?;
            let root = self.files.documents(file)?.first().map(|d| d.root.clone());
            let Some(root) = root.filter(|r| !r.is_null()) else {
                continue;
            };
            // At the entry: the check reports a render's error in a kustomization.
            let at_entry = |mut e: RenderError| {
                e.at = Some(origin);
                e.suggestion = None;
                e
            };
            let root = super::decode::decode_as(
                &root,
                file,
                &crate::index::kustomize_schema::TRANSFORMER_CONFIG,
                "error unmarshaling JSON: while decoding JSON: ",
            )
            .map_err(at_entry)?;
            Config::of(&root)
                .and_then(|config| files.merge(&config))
                .map_err(|e| RenderError::new(e, Some(origin)))?;
        }
        let at = k.at("configurations");
        let mut mine = builtin();
        mine.merge(&files).map_err(|e| RenderError::new(e, at))?;
        self.config
            .merge(&mine)
            .map_err(|e| RenderError::new(e, at))
    }

    fn config_file(
        &mut self,
        k: &Kust,
        path: &std::path::Path,
        origin: Origin,
    ) -> Result<u32, RenderError> {
        if !path.is_file() {
            return Err(RenderError::new(
                format!(
                    "evalsymlink failure on '{0}' : lstat {0}: no such file or directory",
                    path.display()
                ),
                Some(origin),
            ));
        }
        super::kust::within_root(k, path, origin)?;
        self.files
            .read(path)
            .map_err(|e| RenderError::new(e, Some(origin)))
    }
}
