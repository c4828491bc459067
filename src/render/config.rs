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
use super::fieldspecs::{ANNOTATIONS, FieldSpec, SELECTOR_LABELS, Spec, TEMPLATE_LABELS};
use super::kust::{Kust, Walk};
use super::node::Origin;
use crate::index::kustomize::normalize;
use crate::load::tree::Node;

/// One `nameReference` entry: the kind referred to, and the fields that refer to it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NameRef {
    pub kind: String,
    pub group: String,
    pub version: String,
    pub referrers: Vec<Spec>,
}

/// The field specs configurations add to the built-in ones.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    pub common_labels: Vec<Spec>,
    pub common_annotations: Vec<Spec>,
    pub images: Vec<Spec>,
    pub var_reference: Vec<Spec>,
    pub name_reference: Vec<NameRef>,
}

const NOT_RENDERED: &[&str] = &[
    "namePrefix",
    "nameSuffix",
    "namespace",
    "templateLabels",
    "replicas",
];

fn specs(node: Option<&Node>) -> Vec<Spec> {
    let text = |n: &Node, key| {
        n.get(key)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|f| Spec {
            group: text(f, "group"),
            version: text(f, "version"),
            kind: text(f, "kind"),
            path: text(f, "path"),
            create: f.get("create").and_then(Node::as_bool) == Some(true),
        })
        .collect()
}

/// kustomize's `FsSlice.MergeAll` of `incoming` into `list`, over the built-in `defaults`.
fn merge_specs(
    list: &mut Vec<Spec>,
    defaults: &[FieldSpec],
    incoming: &[Spec],
    field: &str,
) -> Result<(), String> {
    let fail = |e: &str| format!("failed to merge {field} fieldSpec: {e}");
    for x in incoming {
        // One of the built-in specs: kept as it is (or a conflict).
        let mut seen: Vec<Spec> = Spec::all(defaults);
        Spec::merge_one(&mut seen, x.clone()).map_err(fail)?;
        if seen.len() == defaults.len() {
            continue;
        }
        Spec::merge_one(list, x.clone()).map_err(fail)?;
    }
    Ok(())
}

impl Config {
    /// Merges another configuration into this one (kustomize's `TransformerConfig.Merge`).
    pub(crate) fn merge(&mut self, other: &Config) -> Result<(), String> {
        let labels: Vec<FieldSpec> = SELECTOR_LABELS
            .iter()
            .chain(TEMPLATE_LABELS)
            .copied()
            .collect();
        merge_specs(
            &mut self.common_annotations,
            ANNOTATIONS,
            &other.common_annotations,
            "CommonAnnotations",
        )?;
        merge_specs(
            &mut self.common_labels,
            &labels,
            &other.common_labels,
            "CommonLabels",
        )?;
        merge_specs(
            &mut self.var_reference,
            &[],
            &other.var_reference,
            "VarReference",
        )?;
        merge_specs(&mut self.images, &[], &other.images, "Images")?;
        for r in &other.name_reference {
            let same =
                |n: &&mut NameRef| n.kind == r.kind && n.group == r.group && n.version == r.version;
            match self.name_reference.iter_mut().find(same) {
                Some(n) => merge_specs(&mut n.referrers, &[], &r.referrers, "NameReference")?,
                None => self.name_reference.push(r.clone()),
            }
        }
        Ok(())
    }

    fn of(root: &Node) -> Result<Config, RenderError> {
        for key in NOT_RENDERED {
            if let Some(e) = root.entry(key)
                && !e.value.as_seq().unwrap_or_default().is_empty()
            {
                return Err(RenderError::unsupported(
                    format!("kubevet does not render a configuration's `{key}` field specs yet"),
                    None,
                ));
            }
        }
        let name_reference = root
            .get("nameReference")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|n| {
                let text = |key| {
                    n.get(key)
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                NameRef {
                    kind: text("kind"),
                    group: text("group"),
                    version: text("version"),
                    referrers: specs(n.get("fieldSpecs")),
                }
            })
            .collect();
        Ok(Config {
            common_labels: specs(root.get("commonLabels")),
            common_annotations: specs(root.get("commonAnnotations")),
            images: specs(root.get("images")),
            var_reference: specs(root.get("varReference")),
            name_reference,
        })
    }
}

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
                &super::kust_types::TRANSFORMER_CONFIG,
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
