//! kustomize, natively: kustomization files are read (never linted as objects), their file
//! entries are checked, and their `namespace`, `namePrefix`/`nameSuffix`, label and `replicas`
//! transformers are recorded for the index, which applies them to the objects they include. The
//! renders ([`crate::render`], checked by `run::rendered`) apply everything else.

use crate::check::Context;
use crate::check::facts::KustomizeFacts;
use crate::discover::workspace;
use crate::index::gitignore::ignored_by_git;
use crate::index::summary::{Labels, ObjectSummary};
use crate::load::tree::{Node, Value};
use crate::model::diagnostic::{Diagnostic, FileId, Location};
use std::path::{Component, Path, PathBuf};

pub const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

pub fn is_kustomization_file(path: &Path) -> bool {
    // Asked several times of every file and document: the common path, one that ends with its
    // file's name, is read as bytes (`Path::file_name` parses components from the end, some
    // 300 instructions); one that ends with a separator or a dot goes the long way.
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes.last() {
        None => false,
        Some(&last) if cfg!(unix) && last != b'/' && last != b'.' => {
            let name = bytes.rsplit(|&b| b == b'/').next().unwrap_or(bytes);
            FILE_NAMES.iter().any(|n| n.as_bytes() == name)
        }
        Some(_) => path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| FILE_NAMES.contains(&n)),
    }
}

/// The kustomization file in a directory, if any.
pub fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// One file or directory a kustomization includes.
#[derive(Clone, Debug)]
pub struct Include {
    /// The entry as written, resolved against the kustomization's directory.
    pub path: PathBuf,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct Kustomization {
    pub file: FileId,
    pub dir: PathBuf,
    pub is_component: bool,
    /// `resources`, `bases` and `components`.
    pub includes: Vec<Include>,
    /// Files used as patches: partial objects, not resources.
    pub patches: Vec<PathBuf>,
    pub namespace: Option<(String, Location)>,
    pub name_prefix: String,
    pub name_suffix: String,
    /// Labels added to metadata only.
    pub labels: Labels,
    /// Labels also added to pod templates, not to selectors (`labels` with
    /// `includeTemplates: true`).
    pub template_labels: Labels,
    /// Labels also added to selectors and pod templates (`commonLabels`, or `labels` with
    /// `includeSelectors: true`); kustomize creates `spec.selector.matchLabels` of Deployments,
    /// ReplicaSets, DaemonSets and StatefulSets that have none.
    pub selector_labels: Labels,
    /// `replicas:` entries (name, count): kustomize sets these workloads' `spec.replicas`.
    pub replicas: Vec<(String, i64)>,
    /// ConfigMaps and Secrets from `configMapGenerator`/`secretGenerator`: kustomize appends a
    /// hash to their names and rewrites references to them, so references by the plain name hold.
    pub generated: Vec<ObjectSummary>,
}

/// Entries that name something outside the repository: kustomize remote targets and URLs.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.contains("?ref=")
        || entry.starts_with("git@")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|host| entry.starts_with(host))
}

/// Lexically normalises a path (`a/./b/../c` → `a/c`), so that the same file reached from two
/// kustomizations has one name.
pub fn normalize(path: &Path) -> PathBuf {
    if is_normal(path) {
        return path.to_path_buf();
    }
    normalize_text(path)
}

/// [`normalize`]'s result as a map key: its bytes. Hashing a `Path` goes component by
/// component; two normalised paths are the same path exactly when their bytes are equal.
pub fn normalized_key(path: &Path) -> Vec<u8> {
    normalize(path).into_os_string().into_encoded_bytes()
}

/// [`normalize`] of a path that is not normal (an overlay's `../../base`), on its text rather
/// than by `Path::components` and `components().next_back()` at each `..` (on the 400-overlay
/// synthetic repository `normalize` took 9.7 → 9.3 M: most of its cost is the normal paths'
/// check and copy). A path that is not UTF-8 goes by its components.
fn normalize_text(path: &Path) -> PathBuf {
    let Some(text) = path.to_str() else {
        return normalize_components(path);
    };
    let mut kept: Vec<&str> = Vec::new();
    for segment in text.split('/') {
        match segment {
            "" | "." => {}
            ".." => match kept.last() {
                Some(&last) if last != ".." => {
                    kept.pop();
                }
                // `a/../..` is `..`, and `/..` is `/..`, as `PathBuf::push` makes them.
                _ => kept.push(".."),
            },
            normal => kept.push(normal),
        }
    }
    let mut out = String::with_capacity(text.len());
    if text.starts_with('/') {
        out.push('/');
    }
    for (i, segment) in kept.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(segment);
    }
    PathBuf::from(out)
}

/// [`normalize`] by `Path::components`: for paths that are not UTF-8, and what
/// [`normalize_text`] must equal (the tests).
fn normalize_components(path: &Path) -> PathBuf {
    // Never longer than the path: one allocation, not one per component pushed.
    let mut out = PathBuf::with_capacity(path.as_os_str().len());
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether [`normalize`] leaves `path` as it is: no `.` or `..` component, no empty one (a
/// doubled or trailing `/`) but a leading `/`. Checked on the bytes: taking a path apart into
/// components costs far more, and most paths are normal already (`memchr` from one `/` to the
/// next costs more than this on paths this short: 364.0 → 366.3 M on the 400-overlay corpus).
fn is_normal(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes
        .split(|&b| b == b'/')
        .enumerate()
        .all(|(i, segment)| match segment {
            b"" => i == 0 && bytes.len() > 1,
            b"." | b".." => false,
            _ => true,
        })
}

fn strings(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|n| n.as_str().is_some())
}

fn string_map(node: Option<&Node>) -> Labels {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| {
                Some((
                    e.key.key_string()?.into_owned(),
                    e.value.as_str()?.to_owned(),
                ))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The patch files a kustomization names, with the field naming each: `patches[].path`,
/// `patchesJson6902[].path` and `patchesStrategicMerge` entries (a plain string under
/// `patches` is taken as a path too). Inline patches are YAML text, not paths.
pub fn patch_paths(root: &Node) -> Vec<(&'static str, &Node)> {
    let mut paths: Vec<(&'static str, &Node)> = strings(root.get("patchesStrategicMerge"))
        .map(|node| ("patchesStrategicMerge", node))
        .collect();
    for field in ["patches", "patchesJson6902"] {
        for item in root.get(field).and_then(Node::as_seq).unwrap_or_default() {
            let path = item.get("path").unwrap_or(item);
            if path.as_str().is_some() {
                paths.push((field, path));
            }
        }
    }
    paths.retain(|(_, node)| !node.as_str().unwrap_or_default().contains('\n'));
    paths
}

/// [`KustomizeFacts`] by object file (normalised path); files no build includes have none.
#[derive(Debug, Default)]
pub struct Facts(foldhash::HashMap<PathBuf, KustomizeFacts>);

impl Facts {
    /// The facts of an object file, by its name in the run.
    pub fn of(&self, name: &str) -> Option<&KustomizeFacts> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(&normalize(Path::new(name)))
    }

    /// Walks every build (each kustomization no other includes, recursively) and keeps, for each
    /// object file, the labels every build that includes it adds.
    pub fn compute(
        kustomizations: &[&Kustomization],
        path_of: &dyn Fn(FileId) -> PathBuf,
    ) -> Facts {
        use foldhash::{HashMap, HashSet};
        let by_dir: HashMap<PathBuf, usize> = kustomizations
            .iter()
            .enumerate()
            .map(|(i, k)| (k.dir.clone(), i))
            .collect();
        let by_file: HashMap<PathBuf, usize> = kustomizations
            .iter()
            .enumerate()
            .map(|(i, k)| (normalize(&path_of(k.file)), i))
            .collect();
        let target = |path: &Path| by_file.get(path).or_else(|| by_dir.get(path)).copied();
        let mut included: HashSet<usize> = HashSet::default();
        for k in kustomizations {
            included.extend(k.includes.iter().filter_map(|i| target(&i.path)));
        }
        // Each file's facts so far, and whether some build includes it without adding labels.
        let mut facts: HashMap<PathBuf, Option<KustomizeFacts>> = HashMap::default();
        for root in 0..kustomizations.len() {
            if kustomizations[root].is_component || included.contains(&root) {
                continue;
            }
            let mut stack = vec![(root, Labels::new(), Labels::new(), vec![root])];
            while let Some((current, selector, template, path)) = stack.pop() {
                let k = kustomizations[current];
                let mut selector = selector;
                let mut template = template;
                merge(&mut selector, &k.selector_labels);
                merge(&mut template, &k.template_labels);
                for include in &k.includes {
                    match target(&include.path) {
                        Some(inner) if !path.contains(&inner) => {
                            let mut p = path.clone();
                            p.push(inner);
                            stack.push((inner, selector.clone(), template.clone(), p));
                        }
                        Some(_) => {}
                        None => {
                            let here = KustomizeFacts {
                                selector_labels: selector.clone(),
                                template_labels: template.clone(),
                            };
                            facts
                                .entry(include.path.clone())
                                .and_modify(|f| {
                                    if let Some(f) = f {
                                        intersect(&mut f.selector_labels, &here.selector_labels);
                                        intersect(&mut f.template_labels, &here.template_labels);
                                    }
                                })
                                .or_insert(Some(here));
                        }
                    }
                }
            }
        }
        Facts(
            facts
                .into_iter()
                .filter_map(|(p, f)| {
                    f.filter(|f| !f.selector_labels.is_empty() || !f.template_labels.is_empty())
                        .map(|f| (p, f))
                })
                .collect(),
        )
    }
}

/// Adds labels an outer kustomization has not set (the outer one wins).
fn merge(to: &mut Labels, from: &Labels) {
    for (k, v) in from {
        if !to.iter().any(|(key, _)| key == k) {
            to.push((k.clone(), v.clone()));
        }
    }
}

/// Keeps the labels both have alike.
fn intersect(to: &mut Labels, other: &Labels) {
    to.retain(|pair| other.contains(pair));
}

/// Reads a kustomization file's first document and reports entries that do not exist. Field
/// names are matched as kustomize matches them (`Resources:` is `resources`).
pub fn read(root: &Node, cx: &mut Context<'_>) -> Kustomization {
    let root = &super::kustomize_schema::kustomization(root);
    let file_path = Path::new(&cx.file.name);
    let dir = normalize(file_path.parent().unwrap_or(Path::new("")));
    let mut k = Kustomization {
        file: cx.file.id,
        dir: dir.clone(),
        is_component: root.get("kind").and_then(Node::as_str) == Some("Component"),
        includes: Vec::new(),
        patches: Vec::new(),
        namespace: root
            .get("namespace")
            .and_then(|n| Some((n.as_str()?.to_owned(), cx.loc(n.span)))),
        name_prefix: root
            .get("namePrefix")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        name_suffix: root
            .get("nameSuffix")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        labels: Vec::new(),
        template_labels: Vec::new(),
        selector_labels: string_map(root.get("commonLabels")),
        replicas: root
            .get("replicas")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                Some((
                    r.get("name")?.as_str()?.to_owned(),
                    r.get("count")?.as_i64()?,
                ))
            })
            .collect(),
        generated: Vec::new(),
    };
    for entry in root
        .get("labels")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let pairs = string_map(entry.get("pairs"));
        let flag = |key| entry.get(key).and_then(Node::as_bool) == Some(true);
        if flag("includeSelectors") {
            k.selector_labels.extend(pairs);
        } else if flag("includeTemplates") {
            k.template_labels.extend(pairs);
        } else {
            k.labels.extend(pairs);
        }
    }
    // What each field may name: resources may be files or kustomization directories,
    // components and bases only directories.
    for (field, dirs_only) in [("resources", false), ("bases", true), ("components", true)] {
        for node in strings(root.get(field)) {
            let entry = node.as_str().unwrap_or_default();
            if is_remote(entry) {
                continue;
            }
            let path = normalize(&dir.join(entry));
            if check_exists(cx, field, node, &dir, &path, dirs_only) {
                k.includes.push(Include {
                    path,
                    location: cx.loc(node.span),
                });
            }
        }
    }
    let mut file_entries: Vec<(&str, &Node)> = Vec::new();
    for node in strings(root.get("crds")) {
        file_entries.push(("crds", node));
    }
    file_entries.extend(patch_paths(root));
    for item in root
        .get("replacements")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let Some(node) = item.get("path").filter(|n| n.as_str().is_some()) {
            file_entries.push(("replacements", node));
        }
    }
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for generator in root.get(field).and_then(Node::as_seq).unwrap_or_default() {
            if let Some(name) = generator.get("name").filter(|n| n.as_str().is_some()) {
                k.generated
                    .push(generated_object(kind, name, generator, cx));
            }
            for node in strings(generator.get("files")).chain(strings(generator.get("envs"))) {
                file_entries.push((field, node));
            }
            if let Some(node) = generator.get("env").filter(|n| n.as_str().is_some()) {
                file_entries.push((field, node));
            }
        }
    }
    for (field, node) in file_entries {
        let entry = node.as_str().unwrap_or_default();
        // Generator files may be `key=path`.
        let entry = match field {
            "configMapGenerator" | "secretGenerator" => {
                entry.split_once('=').map_or(entry, |(_, p)| p)
            }
            _ => entry,
        };
        if is_remote(entry) {
            continue;
        }
        let path = normalize(&dir.join(entry));
        if check_exists(cx, field, node, &dir, &path, false) && field.starts_with("patches") {
            k.patches.push(path);
        }
    }
    k
}

fn generated_object(kind: &str, name: &Node, generator: &Node, cx: &Context<'_>) -> ObjectSummary {
    let mut object = ObjectSummary::new(
        cx.file.id,
        0,
        "v1",
        kind,
        name.as_str().unwrap_or_default(),
        cx.loc(name.span),
    );
    object.namespace = generator
        .get("namespace")
        .and_then(Node::as_str)
        .map(str::to_owned);
    object
}

/// Reports an entry that names nothing; returns whether it exists.
fn check_exists(
    cx: &mut Context<'_>,
    field: &str,
    node: &Node,
    dir: &Path,
    path: &Path,
    dirs_only: bool,
) -> bool {
    let Value::Str(entry) = &node.value else {
        return false;
    };
    let mut ignored = None;
    // A file (whatever its type) outside the kustomization's directory: kustomize refuses it
    // before reading it, and kubevet never reads it.
    let is_dir = path.is_dir();
    if !is_dir
        && !dirs_only
        && let Some(via_link) = super::kustomize_load::outside_root(dir, path)
    {
        let mut message = format!(
            "security; file '{}' is not in or below '{}'",
            path.display(),
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }
            .display()
        );
        if via_link {
            message.push_str(" (a symbolic link to a file outside it)");
        }
        cx.report(super::kustomize_load::load_restriction(node, message, cx));
        return false;
    }
    if let Some(kind) = crate::discover::special::special_kind(path) {
        let message = format!(
            "`{entry}` in `{field}` is {kind}, not a regular file: `kustomize build` would block or never end reading it"
        );
        cx.report(
            Diagnostic::new(
                &crate::model::rule::kustomize_missing_file,
                cx.loc(node.span),
                message,
            )
            .with_label("`kustomize build` hangs here")
            .with_help("name a regular file; kubevet never opens a FIFO, socket or device"),
        );
        return false;
    }
    let problem = if is_dir {
        if kustomization_in(path).is_some() {
            if Path::new(entry.as_str()).is_absolute() {
                // kustomize's loader: `New` refuses absolute roots.
                let message = format!("new root '{entry}' cannot be absolute");
                cx.report(super::kustomize_load::load_restriction(node, message, cx));
                return false;
            }
            return true;
        }
        format!("`{entry}` in `{field}` is a directory without a kustomization.yaml")
    } else if path.is_file() && !dirs_only {
        return true;
    } else if path.is_file() {
        format!("`{entry}` in `{field}` must be a directory with a kustomization.yaml, not a file")
    } else {
        ignored = ignored_by_git(path);
        format!("`{entry}` in `{field}` does not exist")
    };
    let mut diagnostic = Diagnostic::new(
        &crate::model::rule::kustomize_missing_file,
        cx.loc(node.span),
        problem,
    )
    .with_label("`kustomize build` fails here");
    if let Some(by) = ignored {
        // A file git ignores is not in the repository by design: something generates it before
        // `kustomize build` runs (a config-management plugin, a CI step).
        diagnostic.message = format!(
            "`{entry}` in `{field}` does not exist here: git ignores it, so it is presumably generated before `kustomize build`"
        );
        diagnostic.severity = crate::model::diagnostic::Severity::Info;
        cx.report(
            diagnostic
                .with_label("ignored by git")
                .with_help(format!(
                    "`{}` line {} (`{}`) ignores it; if nothing generates it before the build, `kustomize build` fails here",
                    workspace::display_name(&by.file, &workspace::current_dir()),
                    by.line,
                    by.pattern
                )),
        );
        return false;
    }
    let siblings = path.parent().and_then(|p| std::fs::read_dir(p).ok());
    let wanted = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(entries) = siblings {
        let names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        if let Some(best) =
            crate::model::text::did_you_mean(wanted, names.iter().map(String::as_str))
        {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
    }
    if diagnostic.help.is_none() {
        diagnostic = diagnostic.with_help(format!(
            "paths are relative to the kustomization's directory ({})",
            if cx.file.name.contains('/') {
                Path::new(&cx.file.name)
                    .parent()
                    .unwrap_or(Path::new("."))
                    .display()
                    .to_string()
            } else {
                ".".into()
            }
        ));
    }
    cx.report(diagnostic);
    false
}

#[cfg(test)]
mod tests;
