//! Facts about the files around a manifest, computed by the run (which reads them) and handed
//! to the per-object rules as data: a rule never reads the file system.

use std::sync::Arc;

/// What the kustomizations of a run say about one object file, for the per-object checks: the
/// labels kustomize adds to its selectors and pod templates in *every* build that includes it
/// (a base's Deployment without a selector is valid when each overlay's `commonLabels` makes
/// one). Computed from the kustomization files before the object files are checked.
#[derive(Clone, Debug, Default)]
pub struct KustomizeFacts {
    /// Added to selectors, pod templates and metadata.
    pub selector_labels: Vec<(String, String)>,
    /// Added to pod templates and metadata only.
    pub template_labels: Vec<(String, String)>,
}

/// What the tool files near a manifest (kustomizations and skaffold files in its directory and a
/// few above) say about it.
#[derive(Clone, Debug, Default)]
pub struct ProjectFacts {
    /// The file holds patches (listed under a kustomization's `patches`, or kept in a directory
    /// named `patches`) rather than whole objects.
    pub is_patch: bool,
    /// Images whose tag a tool sets when deploying, with the tool, nearest directory first.
    pub tool_images: Arc<[(String, &'static str)]>,
}

impl ProjectFacts {
    /// The tool that sets the tag of `image` (a reference without tag) when it is deployed.
    pub fn image_tagged_by_tool(&self, image: &str) -> Option<&'static str> {
        self.tool_images
            .iter()
            .find(|(name, _)| name == image)
            .map(|(_, tool)| *tool)
    }
}
