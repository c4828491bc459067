//! The checks behind `kubevet lsp`: the same stages as `kubevet check` on the workspace folder,
//! with the per-file results kept. A changed buffer is checked again on its own (as the second
//! pass of a run would check it) and the whole-repo checks run again over the kept results
//! (borrowed, not copied); the configuration and suppressions are applied again only to the
//! files whose own or whole-repo findings changed. So the findings are those `kubevet check
//! FOLDER` reports with the buffers saved. A change that alters what other files are checked
//! with (a kustomization, a CRD, the configuration, a file appearing or going) re-runs both
//! passes.

use crate::config::{self, ConfigError};
use crate::diagnostics::{Diagnostic, FileId};
use crate::index::kustomize;
use crate::run::files::{FileResult, Preloaded, Walked, check_source, read_source};
use crate::run::finish::{file_findings, repo_checks};
use crate::run::passes::{Analysis, Survey, analyse};
use crate::run::per_file::no_crds;
use crate::schema::crd::Crds;
use crate::{Input, KubeVersion, Options, Report, load, workspace};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Open buffers by absolute path.
pub type Buffers = Arc<foldhash::HashMap<PathBuf, String>>;

pub struct Engine {
    /// The workspace folder, absolute.
    pub root: PathBuf,
    /// The `.kubevet.yaml` in force, if any.
    pub config: Option<PathBuf>,
    /// Why the configuration cannot be used (unreadable): nothing is checked, as with `check`.
    pub config_problem: Option<String>,
    /// The findings of an invalid configuration: the only report, as with `check`.
    pub config_report: Option<Report>,
    pub options: Options,
    cwd: PathBuf,
    /// Absolute path of every file, by id.
    paths: Vec<PathBuf>,
    ids: foldhash::HashMap<PathBuf, FileId>,
    outcomes: Vec<FileResult>,
    /// Files whose change changes how other files are checked: kustomizations and files that
    /// define CRDs.
    special: Vec<bool>,
    crds: Crds,
    facts: kustomize::Facts,
    /// The files checked as rendered kustomizations ([`crate::run::rendered`]).
    covered: crate::run::rendered::Covered,
    /// Each kustomization's last render and checks, kept until one of its files changes.
    render_cache: crate::run::rendered::Cache,
    /// The objects of the builds that rendered, as the index takes them.
    builds: Vec<Arc<crate::index::RenderedBuild>>,
    /// The whole-repo findings by the file of their primary location, before the
    /// configuration and suppressions apply.
    repo: Vec<Vec<Diagnostic>>,
    /// Each file's findings as `check` reports them.
    findings: Vec<Vec<Diagnostic>>,
    /// Paths under the folder that the last analysis did not take (excluded, ignored): they are
    /// checked on their own.
    outside: HashSet<PathBuf>,
    /// The index of the last whole-repo checks, updated in place as files change.
    index: Option<crate::index::Index>,
    /// The kustomization cycles (only kustomizations change them: a full analysis).
    cycles: Vec<Diagnostic>,
    /// How long the last full analysis took.
    pub analysis_time: Duration,
    /// How many times the index was built whole (the first analysis included), not updated in
    /// place (`kubevet/folders`, a debug request: tests of the in-place updates).
    pub batch_indexes: usize,
}

impl Engine {
    /// Reads the configuration for `root` and checks every file under it.
    pub fn build(root: PathBuf, buffers: Buffers) -> Engine {
        let cwd = workspace::current_dir();
        let root = workspace::absolute_from(&cwd, &root);
        let config = workspace::find_config(&root);
        let mut engine = Engine {
            root,
            config: config.clone(),
            config_problem: None,
            config_report: None,
            options: Options::default(),
            cwd,
            paths: Vec::new(),
            ids: Default::default(),
            outcomes: Vec::new(),
            special: Vec::new(),
            crds: Crds::default(),
            facts: kustomize::Facts::default(),
            covered: Default::default(),
            render_cache: Default::default(),
            builds: Vec::new(),
            repo: Vec::new(),
            findings: Vec::new(),
            outside: HashSet::new(),
            index: None,
            cycles: Vec::new(),
            analysis_time: Duration::ZERO,
            batch_indexes: 0,
        };
        let config = match config.as_deref().map(config::load) {
            None => config::Config::default(),
            Some(Ok(config)) => config,
            Some(Err(ConfigError::Unreadable(message))) => {
                engine.config_problem = Some(message);
                return engine;
            }
            Some(Err(ConfigError::Invalid(report))) => {
                engine.config_report = Some(*report);
                return engine;
            }
        };
        engine.options = Options {
            kubernetes_version: config.kubernetes_version.unwrap_or(KubeVersion::NEWEST),
            strict: config.strict.unwrap_or(true),
            policy: config.policy,
            crd_paths: config.crds,
            policies: config.policies,
            limits: config.limits.resolve(),
            pod_security: config.pod_security,
            context: Vec::new(),
            buffers: Some(buffers),
            render: true,
        };
        engine.analyse();
        engine
    }

    /// Whether the configuration lets anything be checked.
    pub fn usable(&self) -> bool {
        self.config_problem.is_none() && self.config_report.is_none()
    }

    /// Both passes over the folder, then the whole-repo stage.
    fn analyse(&mut self) {
        let started = Instant::now();
        crate::run::project::forget();
        let analysis = analyse(Input::Paths(vec![self.root.clone()]), &self.options)
            .unwrap_or_else(|_| Analysis {
                outcomes: Vec::new(),
                crds: Crds::default(),
                facts: kustomize::Facts::default(),
            });
        self.paths = analysis
            .outcomes
            .iter()
            .map(|o| workspace::absolute_from(&self.cwd, Path::new(&o.entry.name)))
            .collect();
        self.ids = self
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), FileId(i as u32)))
            .collect();
        self.special = analysis
            .outcomes
            .iter()
            .map(|o| {
                kustomize::is_kustomization_file(Path::new(&o.entry.name))
                    || o.objects
                        .iter()
                        .any(|o| o.kind == "CustomResourceDefinition")
            })
            .collect();
        self.outcomes = analysis.outcomes;
        // The renders here read the files (or their buffers) as they are at each edit.
        for o in &mut self.outcomes {
            o.source = None;
        }
        self.crds = analysis.crds;
        self.facts = analysis.facts;
        self.outside.clear();
        self.finish(None);
        self.analysis_time = started.elapsed();
    }

    /// The whole-repo checks again, and the findings of the files that `changed` (all if
    /// `None`) or whose whole-repo findings changed. The index is updated in place for the
    /// changed files (else built again), and the scoped rules ([`crate::rules::scoped`]) run
    /// again only on the namespaces the change can affect ([`super::scope`]).
    fn finish(&mut self, changed: Option<&[FileId]>) {
        // The renders first: the index takes the objects of the builds that rendered. A build
        // that read a changed file has its objects replaced in place
        // ([`crate::index::Index::replace_build`]); everything is indexed again when a build
        // starts or stops rendering, or reads other files.
        let trees = self.render_cache.keeps_trees();
        let mut rendered = self.rendered(changed);
        let roots = |builds: &[Arc<crate::index::RenderedBuild>]| {
            builds.iter().map(|b| b.root).collect::<HashSet<FileId>>()
        };
        // The rendered objects gained or lost their trees (a policy came or went): every build
        // is indexed again.
        let same_builds = roots(&rendered.builds) == roots(&self.builds)
            && trees == self.render_cache.keeps_trees();
        self.builds = std::mem::take(&mut rendered.builds);
        let mut scope = None;
        let replaced = match (changed, self.index.as_mut()) {
            (Some(changed), Some(index)) if same_builds => {
                let declared = index.declared_namespaces.clone();
                let outcomes = &self.outcomes;
                let file = |id: FileId| {
                    let o = &outcomes[id.0 as usize];
                    (&o.objects[..], lost(o))
                };
                let all = index.replace_changed(changed, &self.builds, file);
                let done = all.is_some();
                if let Some(all) = &all {
                    scope = super::scope::affected(index, all, &declared);
                }
                done
            }
            _ => false,
        };
        if !replaced {
            self.batch_indexes += 1;
            let index = self.batch_index();
            // Freeing the old index is all small allocations: off the critical path.
            if let Some(old) = self.index.replace(index) {
                rayon::spawn(move || drop(old));
            }
        }
        let Some(index) = self.index.as_mut() else {
            return;
        };
        index.set_scope(scope.clone());
        let found = self.repo_findings(self.index.as_ref().unwrap());
        if let Some(index) = self.index.as_mut() {
            index.set_scope(None);
        }
        let mut repo: Vec<Vec<Diagnostic>> = vec![Vec::new(); self.outcomes.len()];
        if let Some(scope) = &scope {
            // The findings of the scoped rules elsewhere stay.
            let stays = |d: &Diagnostic| {
                crate::rules::scoped(d.rule)
                    && !d
                        .object
                        .as_ref()
                        .and_then(|o| o.namespace.as_ref())
                        .is_some_and(|ns| scope.contains(ns))
            };
            for (list, old) in repo.iter_mut().zip(&self.repo) {
                list.extend(old.iter().filter(|d| stays(d)).cloned());
            }
        }
        for d in found {
            if let Some(list) = repo.get_mut(d.file().0 as usize) {
                list.push(d);
            }
        }
        if replaced && verify() {
            self.verify(&repo);
        }
        for d in &rendered.findings {
            if let Some(list) = repo.get_mut(d.file().0 as usize) {
                list.push(d.clone());
            }
        }
        if self.findings.len() != self.outcomes.len() {
            self.findings = vec![Vec::new(); self.outcomes.len()];
            self.repo = vec![Vec::new(); self.outcomes.len()];
        }
        for (i, list) in repo.into_iter().enumerate() {
            let id = FileId(i as u32);
            let again = changed.is_none_or(|c| c.contains(&id))
                || self.repo[i] != list
                || self.covered.contains(id) != rendered.covered.contains(id);
            self.repo[i] = list;
            if again {
                let o = &self.outcomes[i];
                let own: Vec<Diagnostic> = o
                    .diagnostics
                    .iter()
                    .filter(|d| rendered.covered.keeps(d))
                    .cloned()
                    .collect();
                self.findings[i] = file_findings(
                    id,
                    &own,
                    &self.repo[i],
                    &o.suppressions,
                    &self.options,
                    &self.paths[i],
                );
            }
        }
        self.covered = rendered.covered;
    }

    /// The kustomizations checked as rendered ([`crate::run::rendered`]), rendering again only
    /// those that read a file of `changed`.
    fn rendered(&mut self, changed: Option<&[FileId]>) -> crate::run::rendered::Outcome {
        if self.outcomes.iter().all(|o| o.kustomization.is_none()) {
            // No kustomization, nothing rendered: no list of every file on each edit.
            self.render_cache = Default::default();
            return Default::default();
        }
        // The rendered checks read each file's path and kustomization, not its objects.
        let files = self.file_objects(false);
        let outcomes = &self.outcomes;
        let explained =
            crate::run::rendered::explained(outcomes.iter().flat_map(|o| &o.diagnostics));
        let context = |f: FileId| outcomes.get(f.0 as usize).is_none_or(|o| o.entry.context);
        crate::run::rendered::check_with(
            crate::run::rendered::Inputs {
                indexed: &files,
                options: &self.options,
                crds: &self.crds,
                context: &context,
                explained: &|f| explained.contains(&f),
                preloaded: None,
                keep_trees: crate::run::rendered::keep_trees(
                    &self.options,
                    outcomes.iter().flat_map(|o| o.objects.iter().map(|o| &**o)),
                ),
            },
            &mut self.render_cache,
            changed,
        )
    }

    /// Every file as the index takes it; `with_objects`: their objects too (else none).
    fn file_objects(&self, with_objects: bool) -> Vec<crate::index::FileObjects> {
        self.outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| crate::index::FileObjects {
                file: FileId(i as u32),
                path: PathBuf::from(&o.entry.name),
                objects: if with_objects {
                    o.objects.clone()
                } else {
                    Vec::new()
                },
                kustomization: o.kustomization.clone(),
                lost: lost(o),
            })
            .collect()
    }

    /// The index of every file, built as `kubevet check` builds it (and the kustomization
    /// cycles found on the way).
    fn batch_index(&mut self) -> crate::index::Index {
        let indexed = self.file_objects(true);
        self.cycles = crate::index::kustomize_cycles::cycles(&indexed);
        let builds = self.builds.iter().map(|b| (**b).clone()).collect();
        crate::index::build_with(indexed, builds, self.options.policy.units())
    }

    /// The whole-repo findings over an index (before the configuration and suppressions).
    fn repo_findings(&self, index: &crate::index::Index) -> Vec<Diagnostic> {
        let outcomes = &self.outcomes;
        // An open document's text is its buffer, not the file on disk (which then no longer
        // matches the digest it was checked with).
        let buffers = self.options.buffers.as_deref();
        let source = |f: FileId| {
            let o = outcomes.get(f.0 as usize)?;
            let buffer = o
                .entry
                .path
                .as_deref()
                .and_then(|p| buffers?.get(&crate::workspace::absolute(p)));
            match buffer {
                Some(text) => Some(text.clone()),
                None => o.entry.source().map(std::borrow::Cow::into_owned),
            }
        };
        let mut found = self.cycles.clone();
        let access = crate::run::finish::FileAccess {
            source: &source,
            tree: &|f: FileId| outcomes.get(f.0 as usize).and_then(|o| o.tree.clone()),
            context: &|f: FileId| outcomes.get(f.0 as usize).is_none_or(|o| o.entry.context),
        };
        repo_checks(index, &self.options, &access, &mut found);
        found
    }

    /// `KUBEVET_LSP_VERIFY=1` (the tests): the whole-repo findings of an in-place update are
    /// those of a batch build and every rule on every object, or the server panics (caught and
    /// logged as an internal error).
    fn verify(&mut self, repo: &[Vec<Diagnostic>]) {
        let cycles = self.cycles.clone();
        let index = self.batch_index();
        self.cycles = cycles;
        let mut expected: Vec<Vec<Diagnostic>> = vec![Vec::new(); self.outcomes.len()];
        for d in self.repo_findings(&index) {
            if let Some(list) = expected.get_mut(d.file().0 as usize) {
                list.push(d);
            }
        }
        let key = |d: &Diagnostic| format!("{d:?}");
        for (i, (got, want)) in repo.iter().zip(&expected).enumerate() {
            let mut got: Vec<String> = got.iter().map(key).collect();
            let mut want: Vec<String> = want.iter().map(key).collect();
            got.sort();
            want.sort();
            assert_eq!(
                got,
                want,
                "the in-place whole-repo findings of {} differ from a batch run",
                self.paths[i].display()
            );
        }
    }
    pub fn set_buffers(&mut self, buffers: Buffers) {
        if self.options.buffers.is_some() {
            self.options.buffers = Some(buffers);
        }
    }

    /// Whether a change to `path` concerns this folder.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
            || self.options.crd_paths.iter().any(|c| path.starts_with(c))
            || self.config.as_deref() == Some(path)
    }

    /// Checks again after the buffers or files at `paths` changed (the buffers are already
    /// set). Returns whether the configuration was read again.
    pub fn update(&mut self, paths: &[PathBuf]) -> bool {
        let is_config = |p: &Path| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| workspace::CONFIG_FILE_NAMES.contains(&n))
                && (self.config.as_deref() == Some(p)
                    || (self.config.is_none() && self.root.starts_with(p.parent().unwrap_or(p))))
        };
        if paths.iter().any(|p| is_config(p)) || !self.usable() {
            let buffers = self.options.buffers.clone().unwrap_or_default();
            *self = Engine::build(self.root.clone(), buffers);
            return true;
        }
        // Tool files (kustomizations, skaffold) may have changed since a file's facts were read.
        crate::run::project::forget();
        let mut full = false;
        let mut changed = Vec::new();
        for path in paths {
            if crate::run::project::is_tool_file(path) {
                full = true;
                continue;
            }
            if self.options.crd_paths.iter().any(|c| path.starts_with(c)) {
                full = true;
                continue;
            }
            match self.ids.get(path).copied() {
                Some(id) => {
                    let exists = self.buffered(path) || path.is_file();
                    if self.special[id.0 as usize] || !exists {
                        full = true;
                        continue;
                    }
                    let (result, special) = self.recheck(id);
                    if special {
                        full = true;
                        continue;
                    }
                    self.outcomes[id.0 as usize] = result;
                    changed.push(id);
                }
                None => {
                    if path.starts_with(&self.root)
                        && !self.outside.contains(path)
                        && is_manifest_name(path)
                        && path.is_file()
                    {
                        full = true;
                    }
                }
            }
        }
        if full {
            let before: Vec<PathBuf> = paths
                .iter()
                .filter(|p| !self.ids.contains_key(*p))
                .cloned()
                .collect();
            self.analyse();
            for p in before {
                if !self.ids.contains_key(&p) {
                    self.outside.insert(p);
                }
            }
        } else if !changed.is_empty() {
            self.finish(Some(&changed));
        }
        false
    }

    fn buffered(&self, path: &Path) -> bool {
        self.options
            .buffers
            .as_ref()
            .is_some_and(|b| b.contains_key(path))
    }

    /// One file checked again, as the run checked it (first pass, or second with the CRDs);
    /// and whether it is now one whose change needs both passes again.
    fn recheck(&self, id: FileId) -> (FileResult, bool) {
        let name = self.outcomes[id.0 as usize].entry.name.clone();
        let path = PathBuf::from(&name);
        let file = match read_source(id, &path, &self.options, Walked::Unknown) {
            Ok(file) => file,
            Err(result) => return (*result, false),
        };
        let loaded = Arc::new(load::load(&file, &self.options.limits));
        let p = Preloaded { file, loaded };
        let survey = Survey::of(&p);
        let special = survey.crds || kustomize::is_kustomization_file(&path);
        let crds = if survey.custom_resources {
            &self.crds
        } else {
            no_crds()
        };
        let mut result = check_source(p.file, &p.loaded, &self.options, crds, &self.facts, false);
        result.entry.path = Some(path);
        (result, special)
    }

    pub fn id(&self, path: &Path) -> Option<FileId> {
        self.ids.get(path).copied()
    }

    /// The absolute path of a file of the report.
    pub fn path(&self, id: FileId) -> Option<&Path> {
        self.paths.get(id.0 as usize).map(PathBuf::as_path)
    }

    /// The findings whose primary location is in `id`.
    pub fn findings(&self, id: FileId) -> &[Diagnostic] {
        self.findings.get(id.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Every object of the folder, as the whole-repo checks know it.
    pub fn objects(&self) -> impl Iterator<Item = &crate::index::summary::ObjectSummary> {
        self.outcomes
            .iter()
            .flat_map(|o| o.objects.iter().map(|b| &**b))
    }

    pub fn files(&self) -> usize {
        self.paths.len()
    }

    /// A file the folder's run does not take, checked on its own (as `kubevet check -
    /// --stdin-filename PATH --no-context` would), with this folder's configuration.
    pub fn standalone(&self, path: &Path, text: &str) -> Report {
        let options = Options {
            context: Vec::new(),
            buffers: None,
            ..self.options.clone()
        };
        crate::check(
            Input::Stream {
                name: path.display().to_string(),
                bytes: text.as_bytes().to_vec(),
            },
            &options,
        )
        .unwrap_or_default()
    }
}

/// Whether some of a file's documents were lost (for the index).
fn lost(o: &FileResult) -> bool {
    o.lost || o.status == crate::run::files::FileStatus::Failed
}

/// Whether in-place updates are checked against a batch run (`KUBEVET_LSP_VERIFY=1`).
fn verify() -> bool {
    static VERIFY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *VERIFY.get_or_init(|| std::env::var_os("KUBEVET_LSP_VERIFY").is_some_and(|v| v == "1"))
}

/// What discovery takes in a directory.
fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}
