//! The command line as clap reads it: commands, flags and their parsers (raw arguments; the
//! settings they resolve to are in `crate::settings`).

use super::*;

/// `kubevet --version`: the version and the Kubernetes releases it checks against.
pub(super) static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (Kubernetes {}-{})",
        env!("CARGO_PKG_VERSION"),
        KubeVersion::OLDEST,
        KubeVersion::NEWEST
    )
});

#[derive(Parser, Debug)]
#[command(
    name = "kubevet",
    version = VERSION.as_str(),
    about = "Lint and policy-check the Kubernetes manifests of GitOps repositories: fast, exact, offline.",
    after_help = "Exit codes: 0 = no findings at or above --fail-on, 1 = findings at or above it, 2 = usage error, missing path or internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests (files, directories, or `-` for stdin).
    Check(Box<CheckArgs>),
    /// List every rule with its id, default severity, set, whether it is on (under the
    /// configuration and flags given) and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain {
        /// The rule id, as shown in brackets in findings (e.g. duplicate-key).
        #[arg(value_parser = RuleIds, hide_possible_values = true)]
        rule: String,
    },
    /// Explain a CronJob schedule: what it means in words and when it runs next.
    #[command(
        after_help = "Exit codes: 0 = Kubernetes accepts the schedule and it fires, 1 = Kubernetes rejects it or it never fires (the reason is printed), 2 = usage error such as an unknown --time-zone."
    )]
    ExplainSchedule(ExplainScheduleArgs),
    /// Render a kustomization as `kubectl kustomize DIR` does, natively and offline.
    Render(RenderArgs),
    /// Serve the Language Server Protocol on stdin/stdout (for editors): diagnostics as you
    /// type with the whole repository in view, hover, quick fixes.
    Lsp,
    /// Print a shell completion script (e.g. `kubevet completions bash > /etc/bash_completion.d/kubevet`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The flags that choose rules, shared by `check` and `rules`.
#[derive(Args, Debug, Default)]
pub struct SelectArgs {
    /// Turn on these rules or rule sets (comma-separated, repeatable), over the configuration's
    /// `extends`/`select`/`ignore`: e.g. `--select hardening,latest-tag`. The sets are
    /// correctness and suspicious (on by default), hygiene and hardening.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = SelectorParser, hide_possible_values = true)]
    pub select: Vec<Selector>,

    /// Turn off these rules or rule sets (comma-separated, repeatable); wins over `--select` of
    /// a set, not of the rule itself.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = SelectorParser, hide_possible_values = true)]
    pub ignore: Vec<Selector>,
}

impl SelectArgs {
    pub fn selectors(&self) -> Selectors {
        Selectors {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
        }
    }
}

/// A rule id or set name (`--select`, `--ignore`), completed by the shell completions.
#[derive(Clone)]
struct SelectorParser;

impl clap::builder::TypedValueParser for SelectorParser {
    type Value = Selector;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Selector, clap::Error> {
        Selector::parse(&value.to_string_lossy()).map_err(|message| {
            let message = format!(
                "{message}\n\n  tip: {}\n",
                crate::settings::selection::selector_help()
            );
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, message).with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let sets = RuleSet::ALL.iter().map(|s| s.name());
        let ids = registry::ALL.iter().map(|r| r.id);
        Some(Box::new(
            sets.chain(ids).map(clap::builder::PossibleValue::new),
        ))
    }
}

/// A rule id for `kubevet explain`: any text is taken (an unknown one gets kubevet's own
/// message with a did-you-mean), and the shell completions offer every id.
#[derive(Clone)]
struct RuleIds;

impl clap::builder::TypedValueParser for RuleIds {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            registry::documented().map(|r| clap::builder::PossibleValue::new(r.id)),
        ))
    }
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// The configuration file whose selection to show [default: the nearest .kubevet.yaml from
    /// the current directory up to the repository's root].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore .kubevet.yaml files.
    #[arg(long)]
    pub no_config: bool,

    #[command(flatten)]
    pub select: SelectArgs,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The directory holding the kustomization.yaml.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Add a comment per object and per value saying which file and line set it.
    #[arg(long)]
    pub show_sources: bool,
}

#[derive(Args, Debug)]
pub struct ExplainScheduleArgs {
    /// The schedule, as in a CronJob's `spec.schedule` (quote it: "30 23 * * *").
    pub schedule: String,

    /// The IANA time zone to show run times in, as in `spec.timeZone` (default UTC).
    #[arg(long, value_name = "TZ")]
    pub time_zone: Option<String>,

    /// Show the runs after this instant (RFC 3339, e.g. 2025-01-31T12:00:00Z) instead of now.
    #[arg(long, value_name = "TIME")]
    pub after: Option<String>,

    /// How many upcoming runs to show.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub count: usize,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files and directories to check; `-` reads one stream from stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// The name to show for stdin in findings.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Also write the findings in another format to a file, in the same run (repeatable):
    /// `sarif=kubevet.sarif`, `junit=report.xml`; a `.sarif`, `.xml` or `.json` file name alone
    /// says its format.
    #[arg(long, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<OutputFile>,

    /// The Kubernetes release to check against (MAJOR.MINOR) [default: the configuration's
    /// kubernetesVersion, else 1.37].
    #[arg(long, value_name = "X.Y", value_parser = KubeVersion::parse)]
    pub kubernetes_version: Option<KubeVersion>,

    /// Check every pod against this Pod Security level where no namespace label sets
    /// `enforce` (warnings), as before turning enforcement on [default: the configuration's
    /// podSecurity.level].
    #[arg(long, value_name = "LEVEL", value_parser = parse_pod_security_level)]
    pub pod_security: Option<crate::k8s::pod_security::Level>,

    /// A CustomResourceDefinition file or directory whose CRDs give schemas to custom resources
    /// (repeatable). CRDs among the checked paths are always used.
    #[arg(long = "crd", value_name = "PATH")]
    pub crds: Vec<PathBuf>,

    /// A file or directory of ValidatingAdmissionPolicies and their bindings to evaluate on the
    /// checked objects (repeatable). Policies among the checked paths are always evaluated.
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,

    /// Unknown fields are errors, as with `kubectl --validate=strict`; `--strict=false` makes
    /// them warnings [default: true].
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub strict: Option<bool>,

    /// When to use colour: auto means only on a terminal, and never when NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// The lowest severity that makes the exit code 1; `none` never fails [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Do not print the summary line.
    #[arg(short, long)]
    pub quiet: bool,

    /// The configuration file [default: the nearest .kubevet.yaml from the first path up to
    /// the repository's root].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore .kubevet.yaml files.
    #[arg(long)]
    pub no_config: bool,

    /// Index this directory for the whole-repo checks, reporting only on PATHS [default: the
    /// git repository's root when PATHS include files, as a pre-commit hook passes them].
    #[arg(long, value_name = "DIR", conflicts_with = "no_context")]
    pub context: Option<PathBuf>,

    /// Check PATHS on their own, without indexing the repository around them.
    #[arg(long)]
    pub no_context: bool,

    /// List suppressed findings too (in the json and sarif formats, marked as suppressed).
    #[arg(long)]
    pub show_suppressed: bool,

    /// Apply the fixes that have one certain choice to the files (quote `yes`/`on`/`0755`
    /// where a string is required, a removed apiVersion's successor, ...), then report what
    /// remains. With `-`, the fixed stream goes to stdout and the findings to stderr.
    #[arg(long)]
    pub fix: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Check kustomizations as written only, without rendering them (what rendering costs is
    /// measured against this: `cargo run --release --example bench -- DIR --render-cost`).
    #[arg(long, hide = true)]
    pub no_render: bool,
}

/// Flags that set the input limits (each wins over the configuration's `limits:`).
#[derive(Args, Debug, Default)]
pub struct LimitArgs {
    /// A larger file is not checked (input-limit-exceeded): bytes, or a number with KiB, MiB or
    /// GiB, up to 2GiB [default: the configuration's limits.maxFileSize, else 32MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_file_size)]
    pub max_file_size: Option<u64>,

    /// Of a file with more documents, only the first N are checked, the rest is reported
    /// (input-limit-exceeded) [default: limits.maxDocuments, else 100000].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_documents: Option<usize>,

    /// A document nested deeper is not checked; at most 250 [default: limits.maxDepth, else
    /// 200].
    #[arg(long, value_name = "N", value_parser = parse_depth)]
    pub max_depth: Option<usize>,

    /// A document whose aliases expand to more nodes is not checked (alias bombs) [default:
    /// limits.maxAliasNodes, else 100000].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_alias_nodes: Option<usize>,

    /// A document with more nodes is not checked [default: limits.maxNodesPerDocument, else
    /// 5000000].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_nodes_per_document: Option<usize>,
}

impl LimitArgs {
    pub fn settings(&self) -> LimitSettings {
        LimitSettings {
            max_file_bytes: self.max_file_size,
            max_documents: self.max_documents,
            max_depth: self.max_depth,
            max_alias_nodes: self.max_alias_nodes,
            max_nodes_per_document: self.max_nodes_per_document,
        }
    }
}

fn parse_pod_security_level(text: &str) -> Result<crate::k8s::pod_security::Level, String> {
    crate::k8s::pod_security::Level::parse(text).ok_or_else(|| {
        format!("unknown Pod Security level {text:?}: expected privileged, baseline or restricted")
    })
}

pub(super) fn parse_file_size(text: &str) -> Result<u64, String> {
    limit_settings::parse_size(text)
        .ok_or_else(|| format!("expected {}", limit_settings::SIZE_SYNTAX))
}

pub(super) fn parse_whole_number(text: &str, max: usize) -> Result<usize, String> {
    text.trim()
        .parse::<i128>()
        .ok()
        .and_then(|n| limit_settings::check_count(n, max))
        .ok_or_else(|| format!("expected a whole number from 1 to {max}"))
}

pub(super) fn parse_count(text: &str) -> Result<usize, String> {
    parse_whole_number(text, Limits::MAX_COUNT)
}

pub(super) fn parse_depth(text: &str) -> Result<usize, String> {
    parse_whole_number(text, Limits::MAX_DEPTH)
}

/// A second output of a run: a format and the file to write it to.
#[derive(Clone, Debug)]
pub struct OutputFile {
    pub format: Format,
    pub path: PathBuf,
}

pub(super) fn parse_output(text: &str) -> Result<OutputFile, String> {
    let formats = || {
        Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some((format, path)) = text.split_once('=')
        && let Ok(format) = Format::from_str(format, true)
    {
        if path.is_empty() {
            return Err(format!("no file name after `{text}`"));
        }
        return Ok(OutputFile {
            format,
            path: PathBuf::from(path),
        });
    }
    // `foo=x.out`: a word before `=` is meant as a format, not as part of a file name.
    if let Some((format, _)) = text.split_once('=')
        && !format.is_empty()
        && format
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        let names = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect::<Vec<_>>();
        let suggestion = crate::model::text::did_you_mean(format, names.iter().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown format `{format}`; expected one of {}{suggestion}",
            crate::model::text::join_or(&names)
        ));
    }
    let lower = text.to_ascii_lowercase();
    let format = if lower.ends_with(".sarif") || lower.ends_with(".sarif.json") {
        Format::Sarif
    } else if lower.ends_with(".xml") {
        Format::Junit
    } else if lower.ends_with(".json") {
        Format::Json
    } else {
        return Err(format!(
            "cannot tell the format of `{text}` from its name; write FORMAT=FILE, e.g. sarif=kubevet.sarif (formats: {})",
            formats()
        ));
    };
    Ok(OutputFile {
        format,
        path: PathBuf::from(text),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `--fail-on`'s values, as the configuration's `failOn` names them.
impl ValueEnum for FailOn {
    fn value_variants<'a>() -> &'a [FailOn] {
        FailOn::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.help()))
    }
}
