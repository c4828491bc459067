//! The walk of one kustomization: resources, components, generators, transformers, in
//! kustomize's order (`AccumulateTarget` in sigs.k8s.io/kustomize
//! `api/internal/target/kusttarget.go`), and what only the top level does.

use super::gvk::{LEGACY_FIRST, LEGACY_LAST, gvk_key, rank_in};
use super::kust::{Kust, Walk, append};
use super::node::{Origin, RNode, from_loaded_keys};
use super::{Files, RenderError, RenderInfo, Resource};
use crate::index::kustomize::{kustomization_in, normalize};
use crate::load::tree::Node;
use std::path::Path;

/// Fields kubevet does not render yet: a kustomization using one is refused, never rendered
/// differently from kustomize.
const UNSUPPORTED: &[&str] = &["transformers", "generators", "validators", "openapi"];

pub(crate) fn build_top(
    files: &mut Files,
    dir: &Path,
) -> Result<(Vec<Resource>, Vec<RenderInfo>), RenderError> {
    let mut walk = Walk {
        files,
        stack: Vec::new(),
        infos: Vec::new(),
        vars: Vec::new(),
        build_metadata: None,
        config: Default::default(),
    };
    walk.files.plain = walk.files.sources.skeletons && super::skeleton::plain(walk.files, dir);
    let mut resources = Vec::new();
    let order = walk.build(dir, &mut resources, Role::Top)?;
    super::generate::add_hashes(&mut resources);
    super::metadata::strip(&mut resources, walk.files);
    if let Some((options, at)) = walk.build_metadata.take() {
        super::metadata::apply(&mut resources, &options, walk.files, dir, at);
    }
    super::refs::fix_references(&mut resources, &walk.config.name_reference)?;
    super::vars::resolve(&walk.vars, &mut resources, &walk.config.var_reference)?;
    // kustomize's `IgnoreLocal`, the last step of the build (so a patch may still set or
    // unset it): an object annotated `config.kubernetes.io/local-config` with any value but
    // `false` is the tools', not the cluster's, and is left out.
    resources.retain(|r| {
        r.root
            .get_path(&[
                "metadata",
                "annotations",
                "config.kubernetes.io/local-config",
            ])
            .is_none_or(|v| v.as_str() == Some("false"))
    });
    if let Order::Legacy { first, last } = &order {
        legacy_sort(&mut resources, first, last);
    }
    if let Some(at) = resources.iter().find_map(|r| r.non_string_key) {
        let mut e = RenderError::new(
            "json: unsupported type: map[interface {}]interface {}",
            Some(at),
        );
        // (`kubectl apply` reads the key as a string: only the build fails.)
        e.only_kustomize = true;
        return Err(e.suggesting(
            "kustomize reads this key as a number, a boolean or a date, not a string, and cannot write the object out: quote it"
                .to_owned(),
        ));
    }
    Ok((resources, walk.infos))
}

/// What a kustomization is built as: kustomize refuses a Component among `resources`, and
/// anything but a Component among `components`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    Resource,
    Component,
}

/// Whether a `resources` entry is remote (never fetched).
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.contains("?ref=")
        || entry.starts_with("git@")
        || entry.starts_with("git::")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|host| entry.starts_with(host))
}

impl Walk<'_> {
    /// Builds the kustomization in `dir` into `resources` (which a component transforms in
    /// place); returns the order its `sortOptions` ask for.
    fn build(
        &mut self,
        dir: &Path,
        resources: &mut Vec<Resource>,
        role: Role,
    ) -> Result<Order, RenderError> {
        let component = role == Role::Component;
        let Some(path) = kustomization_in(dir) else {
            return Err(RenderError::new(
                format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    dir.display()
                ),
                None,
            ));
        };
        let file = self
            .files
            .read(&path)
            .map_err(|e| RenderError::new(e, None))?;
        if let Err(e) = self.files.documents(file) {
            return Err(super::decode::yaml_error(e, self.files.text(file)));
        }
        // Decoded once for every render that reads the file (a base, by each overlay): what
        // `check` gives does not depend on the render (only its errors name the file).
        let shared = self.files.decoded(file).cloned();
        let root = match shared.as_ref().and_then(|d| d.get()) {
            Some(root) => root.clone(),
            None => {
                let loaded = self.files.loaded(file);
                let null = Node::new(
                    crate::load::tree::Value::Null,
                    Default::default(),
                    crate::load::tree::Style::Plain,
                );
                let written = loaded.documents.first().map_or(&null, |d| &d.root);
                let root = std::sync::Arc::new(super::decode::check(written, file, dir)?);
                if let Some(d) = shared {
                    let _ = d.set(root.clone());
                }
                root
            }
        };
        let k = Kust {
            file,
            dir: dir.to_path_buf(),
            root,
            real_dir: Default::default(),
        };
        let kind = k
            .root
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("Kustomization");
        if role == Role::Resource && kind == "Component" {
            return Err(RenderError::new(
                format!("expected kind != 'Component' for path '{}'", dir.display()),
                None,
            )
            .suggesting("list a Component under `components`, not `resources`".to_owned()));
        }
        if component && kind != "Component" {
            return Err(RenderError::new(
                format!(
                    "accumulating components: '{}' is not a Component (kind: {kind})",
                    dir.display()
                ),
                None,
            ));
        }
        for field in UNSUPPORTED {
            if let Some(at) = k.at(field) {
                return Err(RenderError::unsupported(
                    format!("kubevet does not render `{field}` yet"),
                    Some(at),
                ));
            }
        }
        if self.stack.is_empty() && !component {
            self.top_build_metadata(&k)?;
        }
        self.stack.push(dir.to_path_buf());
        let result = self
            .build_body(&k, resources)
            .and_then(|()| super::vars::declare(&mut self.vars, &k, resources));
        self.stack.pop();
        result?;
        for field in ["helmCharts", "helmChartInflationGenerator"] {
            for entry in k.seq(field) {
                let name = entry
                    .get("name")
                    .or_else(|| entry.get("chartName"))
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                self.infos.push(RenderInfo {
                    message: format!(
                        "helm chart `{name}` is not rendered: kubevet never runs helm; its objects are left out"
                    ),
                    at: k.origin(entry),
                });
            }
        }
        // Only the top kustomization's `sortOptions` count (kustomize reads no other).
        if self.stack.is_empty() && !component {
            Order::read(&k)
        } else {
            Ok(Order::Fifo)
        }
    }

    fn build_body(&mut self, k: &Kust, resources: &mut Vec<Resource>) -> Result<(), RenderError> {
        let entries: Vec<Node> = k
            .seq("resources")
            .iter()
            .chain(k.seq("bases"))
            .cloned()
            .collect();
        // Each entry read in order (a directory built then), its file's objects made from the
        // loaded tree afterwards — in parallel when there are many ([`Entry::File`]) — and
        // appended in order: the first error in the entries' order is the one returned.
        let mut got = Vec::with_capacity(entries.len());
        for entry in &entries {
            match self.resource_entry(k, entry) {
                Ok(g) => got.push(g),
                Err(e) => {
                    self.append_entries(k, &entries, got, resources)?;
                    return Err(e);
                }
            }
        }
        self.append_entries(k, &entries, got, resources)?;
        self.configurations(k)?;
        // Generators before components, as kustomize's `accumulateTarget` runs them.
        super::generate::run(self, k, resources)?;
        for entry in k.seq("components") {
            let Some(name) = entry.as_str() else { continue };
            if is_remote(name) {
                self.remote(k, entry);
                continue;
            }
            let dir = normalize(&k.dir.join(name));
            self.check_cycle(k, entry, &dir)?;
            self.build(&dir, resources, Role::Component)
                .map_err(|e| within(e, k.origin(entry)))?;
        }
        super::transform::run(self, k, resources)
    }

    /// Records the top kustomization's `buildMetadata` (a base's is dropped by kustomize).
    fn top_build_metadata(&mut self, k: &Kust) -> Result<(), RenderError> {
        let Some(entry) = k.root.entry("buildMetadata") else {
            return Ok(());
        };
        let options: Vec<String> = k
            .seq("buildMetadata")
            .iter()
            .filter_map(|o| Some(o.as_str()?.to_owned()))
            .collect();
        self.build_metadata = Some((options, k.origin(&entry.key)));
        Ok(())
    }

    /// One info for a remote entry, which is left out.
    fn remote(&mut self, k: &Kust, entry: &Node) {
        self.infos.push(RenderInfo {
            message: format!(
                "`{}` is a remote resource: kubevet never fetches it; its objects are left out",
                entry.as_str().unwrap_or_default()
            ),
            at: k.origin(entry),
        });
    }

    fn check_cycle(&self, k: &Kust, entry: &Node, dir: &Path) -> Result<(), RenderError> {
        if let Some(visited) = self.stack.iter().find(|v| v.starts_with(dir)) {
            return Err(RenderError::new(
                format!(
                    "cycle detected: candidate root '{}' contains visited root '{}'",
                    dir.display(),
                    visited.display()
                ),
                Some(k.origin(entry)),
            ));
        }
        Ok(())
    }

    /// The objects of the entries read so far ([`Self::resource_entry`]), appended in order.
    fn append_entries(
        &self,
        k: &Kust,
        entries: &[Node],
        got: Vec<Entry>,
        resources: &mut Vec<Resource>,
    ) -> Result<(), RenderError> {
        let files = got.iter().filter(|g| matches!(g, Entry::File(_))).count();
        let objects: Vec<Result<Vec<Resource>, RenderError>> = if files >= FILES_IN_PARALLEL {
            use rayon::prelude::*;
            got.into_par_iter().map(|g| g.objects(self.files)).collect()
        } else {
            got.into_iter().map(|g| g.objects(self.files)).collect()
        };
        for (entry, objects) in entries.iter().zip(objects) {
            for r in objects? {
                append(resources, r, k.origin(entry))?;
            }
        }
        Ok(())
    }

    /// What one `resources` entry names: a file read and loaded (its objects made later,
    /// [`Entry::objects`]), or the objects of a directory's kustomization, built.
    fn resource_entry(&mut self, k: &Kust, entry: &Node) -> Result<Entry, RenderError> {
        let origin = k.origin(entry);
        // Decoded: a string, or null (kustomize's empty name).
        let name = entry.as_str().unwrap_or_default();
        if is_remote(name) {
            self.remote(k, entry);
            return Ok(Entry::Objects(Vec::new()));
        }
        let path = normalize(&k.dir.join(name));
        if path.is_dir() {
            if kustomization_in(&path).is_none() {
                return Err(RenderError::new(
                    format!(
                        "accumulating resources from '{name}': unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                        path.display()
                    ),
                    Some(origin),
                ));
            }
            self.check_cycle(k, entry, &path)?;
            let mut inner = Vec::new();
            let outer_vars = std::mem::take(&mut self.vars);
            let outer_config = std::mem::take(&mut self.config);
            let built = self.build(&path, &mut inner, Role::Resource);
            let inner_vars = std::mem::replace(&mut self.vars, outer_vars);
            let inner_config = std::mem::replace(&mut self.config, outer_config);
            built.map_err(|e| within(e, origin))?;
            super::vars::merge(&mut self.vars, inner_vars)?;
            self.config
                .merge(&inner_config)
                .map_err(|e| RenderError::new(e, Some(origin)))?;
            return Ok(Entry::Objects(inner));
        }
        if !path.exists() {
            return Err(RenderError::new(
                format!(
                    "accumulating resources from '{name}': evalsymlink failure on '{0}' : lstat {0}: no such file or directory",
                    path.display()
                ),
                Some(origin),
            ));
        }
        super::kust::within_root(k, &path, origin)?;
        let file = self
            .files
            .read(&path)
            .map_err(|e| RenderError::new(e, Some(origin)))?;
        self.files.documents(file)?;
        Ok(Entry::File(file))
    }
}

/// The least number of file entries in one kustomization whose objects are made in
/// parallel (kube-prometheus: 95 files, most of the render's time in making its trees).
const FILES_IN_PARALLEL: usize = 8;

/// A `resources` entry read ([`Walk::resource_entry`]).
enum Entry {
    /// A file of the render's table, loaded: its objects are still to be made.
    File(u32),
    Objects(Vec<Resource>),
}

impl Entry {
    fn objects(self, files: &Files) -> Result<Vec<Resource>, RenderError> {
        match self {
            Entry::File(file) => objects_of_loaded(files, file),
            Entry::Objects(objects) => Ok(objects),
        }
    }
}

/// The objects of a file loaded already ([`Files::documents`]): a `List`'s items one by one,
/// as kustomize reads them.
fn objects_of_loaded(files: &Files, file: u32) -> Result<Vec<Resource>, RenderError> {
    let loaded = files.loaded(file);
    let source = files.file(file);
    let text = source.text.as_str();
    let mut out = Vec::new();
    for doc in loaded.documents.iter().map(|d| &d.root) {
        let is_list = doc
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && doc.get("items").is_some();
        if is_list {
            // Each item on its own: the list around them is dropped, and a key kustomize
            // cannot write out fails the build only if its item is in the output.
            for loaded in doc.get("items").and_then(Node::as_seq).unwrap_or_default() {
                if let Some(r) = skeleton(files, loaded, file, text) {
                    out.push(r);
                    continue;
                }
                let (mut item, non_string_key) = from_loaded_keys(loaded, file, text);
                if item.is_map() {
                    annotations_as_text(&mut item, text);
                    out.push(resource_of(item, non_string_key)?);
                }
            }
            continue;
        }
        if let Some(r) = skeleton(files, doc, file, text) {
            out.push(r);
            continue;
        }
        let (mut node, non_string_key) = from_loaded_keys(doc, file, text);
        annotations_as_text(&mut node, text);
        if !node.is_map() || node.entries().is_empty() {
            continue;
        }
        out.push(resource_of(node, non_string_key)?);
    }
    Ok(out)
}

/// The object's [`super::skeleton`], in a plain build that asked for them.
fn skeleton(files: &Files, node: &Node, file: u32, text: &str) -> Option<Resource> {
    if !files.plain {
        return None;
    }
    super::skeleton::resource(node, file, text)
}

/// An object of a file as kustomize's resource factory takes it: with a kind and a name (a
/// scalar, not empty), else it fails in kustomize's words (the kind asked first).
fn resource_of(node: RNode, non_string_key: Option<Origin>) -> Result<Resource, RenderError> {
    if let Some(what) = node.unidentified() {
        return Err(RenderError::new(
            format!("missing {what} in object"),
            Some(node.origin),
        ));
    }
    let mut r = Resource::new(node);
    r.non_string_key = non_string_key;
    Ok(r)
}

/// kustomize reads annotations as strings and writes them back: each value is its text as
/// written (`0755`, `true`, `~` stay those strings; a mapping or a list is `""`), whatever YAML
/// would resolve it to ([`super::scalars`]).
fn annotations_as_text(node: &mut RNode, text: &str) {
    let Some(annotations) = node
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    else {
        return;
    };
    super::scalars::values_as_text(annotations, |v| super::scalars::text_in(text, v));
}

/// An error of an included kustomization, pointed at where the outer one includes it when
/// the inner one has no place of its own.
fn within(mut e: RenderError, at: Origin) -> RenderError {
    if e.at.is_none() {
        e.at = Some(at);
    }
    e
}

/// The output order a kustomization's `sortOptions` ask for.
enum Order {
    /// As the resources were read.
    Fifo,
    /// kustomize's legacy order, with these kinds first and last.
    Legacy {
        first: Vec<String>,
        last: Vec<String>,
    },
}

impl Order {
    /// `sortOptions`: `order: fifo`, or the legacy order — with `legacySortOptions`, its
    /// `orderFirst` and `orderLast` lists in place of kustomize's own (an absent list is empty).
    fn read(k: &Kust) -> Result<Order, RenderError> {
        let options = k.root.get("sortOptions").filter(|o| !o.is_null());
        let field = |path: &[&str]| options.and_then(|o| o.get_path(path));
        let legacy_options = field(&["legacySortOptions"]).filter(|o| !o.is_null());
        let fail = |message: &str| Err(RenderError::new(message, k.at("sortOptions")));
        match field(&["order"]).and_then(Node::as_str) {
            _ if options.is_none() => {}
            Some("fifo") if legacy_options.is_some() => {
                return fail(
                    "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
                );
            }
            Some("fifo") => return Ok(Order::Fifo),
            Some("legacy") => {}
            _ => return fail("the field 'sortOptions.order' must be one of [fifo, legacy]"),
        }
        let kinds = |key: &str| -> Vec<String> {
            field(&["legacySortOptions", key])
                .and_then(Node::as_seq)
                .map(|list| {
                    list.iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let owned = |list: &[&str]| list.iter().map(|k| (*k).to_owned()).collect();
        Ok(match legacy_options {
            Some(_) => Order::Legacy {
                first: kinds("orderFirst"),
                last: kinds("orderLast"),
            },
            None => Order::Legacy {
                first: owned(LEGACY_FIRST),
                last: owned(LEGACY_LAST),
            },
        })
    }
}

/// kustomize's legacy order (`SortOrderTransformer`): kinds in `first` and `last` order, then
/// by `group_version_kind|namespace|name`.
fn legacy_sort(resources: &mut [Resource], first: &[String], last: &[String]) {
    let key = |r: &Resource| {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_owned()
            } else {
                s.to_owned()
            }
        };
        let (g, v) = r.group_version();
        let g = gvk_key(g, v, r.kind());
        (
            rank_in(r.kind(), first, last),
            g.clone(),
            format!("{g}|{}|{}", or(r.namespace(), "~X"), or(r.name(), "~N")),
        )
    };
    resources.sort_by_cached_key(key);
}
