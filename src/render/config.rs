//! A kustomization's `configurations`: files of extra field specs for kustomize's built-in
//! transformers (`builtinconfig.TransformerConfig`, read by `MakeTransformerConfig` in
//! `api/internal/target/kusttarget.go`). Each file is decoded as strictly as kustomize decodes
//! it (unknown fields and wrong types refused), merged over the built-in specs (a spec that
//! differs from one already there only in `create` is kustomize's "conflicting fieldspecs"),
//! and, like kustomize's accumulator, a base's configuration holds for the kustomizations that
//! include it too.
//!
//! Rendered: `commonLabels` (for `commonLabels` and `labels` with `includeSelectors`),
//! `commonAnnotations`, `images` (a CRD's image field), `nameReference` (a field naming a
//! ConfigMap, Secret, … or a custom resource, renamed with it) and `varReference` (where
//! `$(VAR)` is replaced). The other lists (`namePrefix`, `nameSuffix`, `namespace`,
//! `templateLabels`, `replicas`) are not rendered yet: a file that sets one is refused.

use super::RenderError;
use super::fieldspecs::Config;
use super::kust::{Kust, Walk};
use super::node::Origin;
use crate::index::kustomize::normalize;

impl Walk<'_> {
    /// Reads the kustomization's `configurations` into the accumulated configuration.
    pub(crate) fn configurations(&mut self, k: &Kust) -> Result<(), RenderError> {
        let mut mine = Config::default();
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
            let config = Config::of(&root).map_err(at_entry)?;
            mine.merge(&config)
                .map_err(|e| RenderError::new(e, Some(origin)))?;
        }
        if let Some(at) = k.at("configurations") {
            self.config
                .merge(&mine)
                .map_err(|e| RenderError::new(format!("merging config {e}"), Some(at)))?;
        }
        Ok(())
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
        if crate::index::kustomize_load::outside_root(&k.dir, path).is_some() {
            return Err(RenderError::new(
                format!(
                    "security; file '{}' is not in or below '{}'",
                    path.display(),
                    k.dir.display()
                ),
                Some(origin),
            ));
        }
        self.files
            .read(path)
            .map_err(|e| RenderError::new(e, Some(origin)))
    }
}
