//! A kustomization's `configurations`: files of field specs for kustomize's built-in
//! transformers (`builtinconfig.TransformerConfig`, made by `MakeTransformerConfig` in
//! `api/internal/plugins/builtinconfig/transformerconfig.go`).
//!
//! kustomize merges lists of field specs with `FsSlice.MergeOne`: an incoming spec whose
//! group, version and kind select one already there on the same path is dropped (or, when the
//! two differ in `create`, is "conflicting fieldspecs"); after each merge the list is sorted by
//! kind order and group/version/kind. The lists are merged at every step kustomize merges them:
//! each configuration file into an empty list, the files into the built-in specs, and that
//! into the accumulator, which starts empty and has already taken the configuration of every
//! kustomization the `resources` include (so a base's configuration holds above it). The
//! transformers read the accumulator's lists. The order matters: a spec for one kind merged
//! into an empty list before the built-in kind-less one drops it (`metadata/name kind:
//! ConfigMap` alone makes `namePrefix` rename ConfigMaps only), and merged after it does not.
//! [`Specs`] is one list so merged; most builds never change a list, which stays the built-in
//! one without being copied.
//!
//! Each file is decoded as strictly as kustomize decodes it (unknown fields and wrong types
//! refused). Rendered: `namePrefix`, `nameSuffix`, `namespace`, `commonLabels`,
//! `templateLabels`, `commonAnnotations`, `replicas`, `images` (a custom resource's image field),
//! `nameReference` (a field naming a ConfigMap, Secret, … or a custom resource, renamed with
//! it) and `varReference` (where `$(VAR)` is replaced); the last two add to the built-in
//! lists.

use super::fieldspecs::{
    ANNOTATIONS, FieldSpec, IMAGES as IMAGE_SPECS, NAME_AFFIX, NAMESPACE, REPLICAS,
    SELECTOR_LABELS, Spec, TEMPLATE_LABELS,
};
use crate::load::tree::Node;
use std::sync::OnceLock;

/// A built-in list of field specs, by the name kustomize's merge errors give it.
pub(crate) struct Table {
    name: &'static str,
    parts: &'static [&'static [FieldSpec]],
    merged: OnceLock<Vec<Spec>>,
}

impl Table {
    const fn new(name: &'static str, parts: &'static [&'static [FieldSpec]]) -> Table {
        Table {
            name,
            parts,
            merged: OnceLock::new(),
        }
    }

    /// The built-in list as the accumulator holds it: merged into an empty list, sorted.
    fn specs(&self) -> &[Spec] {
        self.merged.get_or_init(|| {
            let mut raw: Vec<Spec> = self
                .parts
                .iter()
                .flat_map(|p| p.iter().map(Spec::of))
                .collect();
            sort(&mut raw);
            let mut list = Vec::new();
            fold(&mut list, &raw, self.name).expect("the built-in specs do not conflict");
            list
        })
    }
}

pub(crate) static NAME_PREFIX: Table = Table::new("NamePrefix", &[NAME_AFFIX]);
pub(crate) static NAME_SUFFIX: Table = Table::new("NameSuffix", &[NAME_AFFIX]);
pub(crate) static NAME_SPACE: Table = Table::new("NameSpace", &[NAMESPACE]);
pub(crate) static COMMON_LABELS: Table =
    Table::new("CommonLabels", &[TEMPLATE_LABELS, SELECTOR_LABELS]);
pub(crate) static TEMPLATE: Table = Table::new("TemplateLabels", &[TEMPLATE_LABELS]);
pub(crate) static COMMON_ANNOTATIONS: Table = Table::new("CommonAnnotations", &[ANNOTATIONS]);
pub(crate) static REPLICA_COUNT: Table = Table::new("Replicas", &[REPLICAS]);
pub(crate) static IMAGES: Table = Table::new("Images", &[IMAGE_SPECS]);

/// One list of field specs as kustomize's accumulator holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Specs {
    /// Nothing merged yet.
    #[default]
    Empty,
    /// The built-in list, unchanged by any configuration.
    Builtin,
    /// A list a configuration changed.
    Listed(Vec<Spec>),
}

impl Specs {
    /// The list's specs, in kustomize's order.
    pub(crate) fn list<'a>(&'a self, table: &'static Table) -> &'a [Spec] {
        match self {
            Specs::Empty => &[],
            Specs::Builtin => table.specs(),
            Specs::Listed(list) => list,
        }
    }

    /// kustomize's `FsSlice.MergeAll` of `incoming` into this list, then sorted.
    fn merge(&mut self, table: &'static Table, incoming: &Specs) -> Result<(), String> {
        match (&*self, incoming) {
            (_, Specs::Empty) | (Specs::Builtin, Specs::Builtin) => return Ok(()),
            // The built-in list merged into an empty one is itself (see `Table::specs`).
            (Specs::Empty, Specs::Builtin) => {
                *self = Specs::Builtin;
                return Ok(());
            }
            _ => {}
        }
        let mut list = self.list(table).to_vec();
        fold(&mut list, incoming.list(table), table.name)?;
        sort(&mut list);
        *self = Specs::Listed(list);
        Ok(())
    }

    /// A file's list, as kustomize reads it (sorted) and merges it into an empty one.
    fn read(mut raw: Vec<Spec>, table: &'static Table) -> Result<Specs, String> {
        if raw.is_empty() {
            return Ok(Specs::Empty);
        }
        sort(&mut raw);
        let mut list = Vec::new();
        fold(&mut list, &raw, table.name)?;
        sort(&mut list);
        Ok(Specs::Listed(list))
    }
}

/// `MergeOne` of each of `incoming` into `list`.
fn fold(list: &mut Vec<Spec>, incoming: &[Spec], name: &str) -> Result<(), String> {
    for x in incoming {
        Spec::merge_one(list, x.clone())
            .map_err(|e| format!("failed to merge {name} fieldSpec: {e}"))?;
    }
    Ok(())
}

/// `FsSlice`'s sort: by kind order (kustomize's legacy output order), then by
/// `group_version_kind`; stable, as kustomize's sort is on lists this short.
fn sort(list: &mut [Spec]) {
    list.sort_by_cached_key(|s| {
        (
            super::gvk::kind_rank(&s.kind),
            super::gvk::gvk_key(&s.group, &s.version, &s.kind),
        )
    });
}

/// kustomize's `Gvk.String()` of a spec, as its messages list them.
pub(crate) fn gvk_string(s: &Spec) -> String {
    super::gvk::gvk_string(&s.group, &s.version, &s.kind)
}

/// One `nameReference` entry: the kind referred to, and the fields that refer to it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NameRef {
    pub kind: String,
    pub group: String,
    pub version: String,
    pub referrers: Vec<Spec>,
}

/// kustomize's transformer configuration, as an accumulator holds it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    pub name_prefix: Specs,
    pub name_suffix: Specs,
    pub namespace: Specs,
    pub common_labels: Specs,
    pub template_labels: Specs,
    pub common_annotations: Specs,
    pub replicas: Specs,
    pub images: Specs,
    /// What configurations add to the built-in lists (which the transformers hold).
    pub var_reference: Vec<Spec>,
    pub name_reference: Vec<NameRef>,
}

/// The built-in lists themselves: what `MakeTransformerConfig` returns with no configurations.
pub(super) fn builtin() -> Config {
    Config {
        name_prefix: Specs::Builtin,
        name_suffix: Specs::Builtin,
        namespace: Specs::Builtin,
        common_labels: Specs::Builtin,
        template_labels: Specs::Builtin,
        common_annotations: Specs::Builtin,
        replicas: Specs::Builtin,
        images: Specs::Builtin,
        ..Config::default()
    }
}

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

/// `MergeAll` of `incoming` into `list`, over the built-in `defaults` (for the lists kubevet
/// keeps as additions to the transformer's own).
fn merge_additions(
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
    fn lists(&mut self) -> [(&mut Specs, &'static Table); 8] {
        [
            (&mut self.name_prefix, &NAME_PREFIX),
            (&mut self.name_suffix, &NAME_SUFFIX),
            (&mut self.namespace, &NAME_SPACE),
            (&mut self.common_labels, &COMMON_LABELS),
            (&mut self.template_labels, &TEMPLATE),
            (&mut self.common_annotations, &COMMON_ANNOTATIONS),
            (&mut self.replicas, &REPLICA_COUNT),
            (&mut self.images, &IMAGES),
        ]
    }

    fn lists_of(&self) -> [&Specs; 8] {
        [
            &self.name_prefix,
            &self.name_suffix,
            &self.namespace,
            &self.common_labels,
            &self.template_labels,
            &self.common_annotations,
            &self.replicas,
            &self.images,
        ]
    }

    /// Merges another configuration into this one (kustomize's `TransformerConfig.Merge`).
    pub(crate) fn merge(&mut self, other: &Config) -> Result<(), String> {
        for ((mine, table), theirs) in self.lists().into_iter().zip(other.lists_of()) {
            mine.merge(table, theirs)?;
        }
        merge_additions(
            &mut self.var_reference,
            &[],
            &other.var_reference,
            "VarReference",
        )?;
        for r in &other.name_reference {
            let same =
                |n: &&mut NameRef| n.kind == r.kind && n.group == r.group && n.version == r.version;
            match self.name_reference.iter_mut().find(same) {
                Some(n) => merge_additions(&mut n.referrers, &[], &r.referrers, "NameReference")?,
                None => self.name_reference.push(r.clone()),
            }
        }
        Ok(())
    }

    /// One configuration file, as kustomize reads it.
    pub(super) fn of(root: &Node) -> Result<Config, String> {
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
        let list = |key, table| Specs::read(specs(root.get(key)), table);
        Ok(Config {
            name_prefix: list("namePrefix", &NAME_PREFIX)?,
            name_suffix: list("nameSuffix", &NAME_SUFFIX)?,
            namespace: list("namespace", &NAME_SPACE)?,
            common_labels: list("commonLabels", &COMMON_LABELS)?,
            template_labels: list("templateLabels", &TEMPLATE)?,
            common_annotations: list("commonAnnotations", &COMMON_ANNOTATIONS)?,
            replicas: list("replicas", &REPLICA_COUNT)?,
            images: list("images", &IMAGES)?,
            var_reference: specs(root.get("varReference")),
            name_reference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: &str, path: &str, create: bool) -> Spec {
        Spec {
            group: String::new(),
            version: String::new(),
            kind: kind.to_owned(),
            path: path.to_owned(),
            create,
        }
    }

    #[test]
    fn builtin_lists_are_their_own_merge() {
        for table in [
            &NAME_PREFIX,
            &NAME_SUFFIX,
            &NAME_SPACE,
            &COMMON_LABELS,
            &TEMPLATE,
            &COMMON_ANNOTATIONS,
            &REPLICA_COUNT,
            &IMAGES,
        ] {
            // What the fast paths of `Specs::merge` assume: merging the built-in list into an
            // empty one, or into itself, gives it back.
            let mut list = Vec::new();
            fold(&mut list, table.specs(), table.name).unwrap();
            sort(&mut list);
            assert_eq!(list, table.specs(), "{}", table.name);
            fold(&mut list, table.specs(), table.name).unwrap();
            assert_eq!(list, table.specs(), "{}", table.name);
        }
    }

    #[test]
    fn a_kind_merged_first_drops_the_kindless_spec_merged_after_it() {
        // A configuration alone: its ConfigMap spec sorts first, the built-in one is dropped.
        let file = Specs::read(
            vec![spec("ConfigMap", "metadata/name", false)],
            &NAME_PREFIX,
        );
        let mut tc = Specs::Builtin;
        tc.merge(&NAME_PREFIX, &file.unwrap()).unwrap();
        let mut top = Specs::Empty;
        top.merge(&NAME_PREFIX, &tc).unwrap();
        let kinds: Vec<&str> = top.list(&NAME_PREFIX).iter().map(|s| &*s.kind).collect();
        assert_eq!(kinds, ["ConfigMap"]);
        // Above a base that had the built-in list: both stay.
        let mut overlay = Specs::Empty;
        overlay.merge(&NAME_PREFIX, &Specs::Builtin).unwrap();
        overlay.merge(&NAME_PREFIX, &tc).unwrap();
        let kinds: Vec<&str> = overlay
            .list(&NAME_PREFIX)
            .iter()
            .map(|s| &*s.kind)
            .collect();
        assert_eq!(kinds, ["ConfigMap", ""]);
        // A webhook configuration sorts last: the kind-less spec is merged first and stays.
        let file = Specs::read(
            vec![spec(
                "ValidatingWebhookConfiguration",
                "metadata/name",
                false,
            )],
            &NAME_PREFIX,
        );
        let mut tc = Specs::Builtin;
        tc.merge(&NAME_PREFIX, &file.unwrap()).unwrap();
        let mut top = Specs::Empty;
        top.merge(&NAME_PREFIX, &tc).unwrap();
        assert_eq!(top.list(&NAME_PREFIX).len(), 2);
    }

    #[test]
    fn create_differing_is_a_conflict() {
        let file = Specs::read(vec![spec("", "metadata/name", true)], &NAME_PREFIX).unwrap();
        let mut tc = Specs::Builtin;
        assert_eq!(
            tc.merge(&NAME_PREFIX, &file),
            Err("failed to merge NamePrefix fieldSpec: conflicting fieldspecs".to_owned())
        );
    }
}
