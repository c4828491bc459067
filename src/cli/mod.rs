//! The command line: argument parsing, exit codes, and wiring the pipeline to a renderer.
//!
//! Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 a usage error,
//! a path that does not exist, or an internal error.

use crate::discover::workspace;
use crate::load::Limits;
use crate::model::KubeVersion;
use crate::model::registry;
use crate::model::report::Report;
use crate::output::{self, Format};
use crate::run::{Input, Options};
pub use crate::settings::FailOn;
use crate::settings::limits::{self as limit_settings, LimitSettings};
use crate::settings::{self, ConfigError};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::LazyLock;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// `kubevet --version`: the version and the Kubernetes releases it checks against.
static VERSION: LazyLock<String> = LazyLock::new(|| {
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
    Check(CheckArgs),
    /// List every rule with its id, default severity and summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, as shown in brackets in findings (e.g. duplicate-key).
        rule: String,
    },
    /// Explain a CronJob schedule: what it means in words and when it runs next.
    #[command(
        after_help = "Exit codes: 0 = Kubernetes accepts the schedule and it fires, 1 = Kubernetes rejects it or it never fires (the reason is printed), 2 = usage error such as an unknown --time-zone."
    )]
    ExplainSchedule(ExplainScheduleArgs),
    /// Print a shell completion script (e.g. `kubevet completions bash > /etc/bash_completion.d/kubevet`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Flags that set the input limits (each wins over the configuration's `limits:`).
#[derive(Args, Debug, Default)]
pub struct LimitArgs {
    /// A larger file is not checked (input-limit-exceeded): bytes, or a number with KiB, MiB or
    /// GiB, up to 2GiB [default: the configuration's limits.maxFileSize, else 32MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_file_size)]
    pub max_file_size: Option<u64>,

    /// A file with more documents is checked only up to here [default: limits.maxDocuments,
    /// else 100000].
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

fn parse_file_size(text: &str) -> Result<u64, String> {
    limit_settings::parse_size(text)
        .ok_or_else(|| format!("expected {}", limit_settings::SIZE_SYNTAX))
}

fn parse_whole_number(text: &str, max: usize) -> Result<usize, String> {
    text.trim()
        .parse::<i128>()
        .ok()
        .and_then(|n| limit_settings::check_count(n, max))
        .ok_or_else(|| format!("expected a whole number from 1 to {max}"))
}

fn parse_count(text: &str) -> Result<usize, String> {
    parse_whole_number(text, Limits::MAX_COUNT)
}

fn parse_depth(text: &str) -> Result<usize, String> {
    parse_whole_number(text, Limits::MAX_DEPTH)
}

/// A second output of a run: a format and the file to write it to.
#[derive(Clone, Debug)]
pub struct OutputFile {
    pub format: Format,
    pub path: PathBuf,
}

fn parse_output(text: &str) -> Result<OutputFile, String> {
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

/// Runs kubevet and returns the process exit code. Never panics outward.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; clap knows which is which.
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!(
                "kubevet: internal error: {message}; please report this with the input that caused it"
            );
            EXIT_USAGE
        }
    }
}

fn run(cli: Cli) -> i32 {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Check(args) => check(args, &mut out),
        Command::Rules => list_rules(&mut out).map(|_| EXIT_OK),
        Command::Explain { rule } => explain(&rule, &mut out),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kubevet", &mut out);
            Ok(EXIT_OK)
        }
        Command::ExplainSchedule(args) => explain_schedule(&args, &mut out),
    };
    match result.and_then(|code| out.flush().map(|_| code)) {
        Ok(code) => code,
        // `kubevet check | head`: the reader left; that is not our failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("kubevet: cannot write output: {e}");
            EXIT_USAGE
        }
    }
}

fn usage_error(message: impl std::fmt::Display) -> io::Result<i32> {
    eprintln!("kubevet: {message}");
    Ok(EXIT_USAGE)
}

fn check(args: CheckArgs, out: &mut dyn Write) -> io::Result<i32> {
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && args.paths.len() > 1 {
        return usage_error("`-` (stdin) cannot be combined with other paths");
    }
    if !reads_stdin && args.stdin_filename.is_some() {
        return usage_error("--stdin-filename only applies when reading `-` (stdin)");
    }
    let color = use_color(args.color);
    let style = output::Style {
        color,
        summary: !args.quiet,
        show_suppressed: args.show_suppressed,
        fail_on: None,
    };

    // The configuration: flags win over it.
    let config = match find_config(&args) {
        Err(message) => return usage_error(message),
        Ok(None) => None,
        Ok(Some(path)) => match settings::load(&path) {
            Ok(config) => Some(config),
            Err(ConfigError::Unreadable(message)) => return usage_error(message),
            Err(ConfigError::Invalid(report)) => {
                let style = output::Style {
                    summary: false,
                    ..style
                };
                write_outputs(&report, &args, style, out)?;
                eprintln!(
                    "kubevet: {} is not a valid configuration (see the findings above)",
                    workspace::display_name(&workspace::absolute(&path), &workspace::current_dir())
                );
                return Ok(EXIT_USAGE);
            }
        },
    };
    let config = config.unwrap_or_default();
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let style = output::Style {
        fail_on: fail_on.threshold(),
        ..style
    };
    let mut options = Options {
        kubernetes_version: args
            .kubernetes_version
            .or(config.kubernetes_version)
            .unwrap_or(KubeVersion::NEWEST),
        strict: args.strict.or(config.strict).unwrap_or(true),
        policy: config.policy,
        // CRDs named with --crd and in the configuration are all used.
        crd_paths: args.crds.iter().cloned().chain(config.crds).collect(),
        limits: args.limits.settings().or(config.limits).resolve(),
        pod_security: crate::k8s::pod_security::Settings {
            level: args.pod_security.or(config.pod_security.level),
            ..config.pod_security
        },
        ..Options::default()
    };
    match context(&args, reads_stdin) {
        Ok(context) => options.context = context,
        Err(message) => return usage_error(message),
    }

    let input = if reads_stdin {
        let mut bytes = Vec::new();
        // One byte more than the limit is enough to know the stream is over it.
        let most = options.limits.max_file_bytes + 1;
        if let Err(e) = io::stdin().lock().take(most).read_to_end(&mut bytes) {
            return usage_error(format!("cannot read stdin: {e}"));
        }
        Input::Stream {
            name: args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_owned()),
            bytes,
        }
    } else {
        Input::Paths(args.paths.clone())
    };
    let report = match crate::check(input, &options) {
        Ok(report) => report,
        Err(e) => return usage_error(e),
    };
    write_outputs(&report, &args, style, out)?;
    let failed = match (report.worst(), style.fail_on) {
        (Some(worst), Some(threshold)) => worst >= threshold,
        _ => false,
    };
    // Every finding and file entry is its own allocation; the process is about to exit, so
    // free them on the pool rather than make the exit wait.
    rayon::spawn(move || drop(report));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// The configuration file to use, if any: `--config`, else the nearest `.kubevet.yaml` from the
/// first path (or the current directory, for stdin) up to the repository's root.
fn find_config(args: &CheckArgs) -> Result<Option<PathBuf>, String> {
    if args.no_config {
        return Ok(None);
    }
    if let Some(path) = &args.config {
        return if path.is_file() {
            Ok(Some(path.clone()))
        } else {
            Err(format!("--config {}: no such file", path.display()))
        };
    }
    let start = match args.paths.first() {
        Some(p) if p.as_os_str() != "-" => workspace::start_dir(p),
        _ => workspace::current_dir(),
    };
    Ok(workspace::find_config(&start))
}

/// What to index as context: `--context DIR`; nothing with `--no-context`; else, when the paths
/// include files (as a pre-commit hook passes them), the git repository they are in.
fn context(args: &CheckArgs, reads_stdin: bool) -> Result<Vec<PathBuf>, String> {
    if args.no_context {
        return Ok(Vec::new());
    }
    if let Some(dir) = &args.context {
        return if dir.is_dir() {
            Ok(vec![workspace::absolute(dir)])
        } else {
            Err(format!("--context {}: no such directory", dir.display()))
        };
    }
    if reads_stdin {
        return Ok(Vec::new());
    }
    let Some(first_file) = args.paths.iter().find(|p| p.is_file()) else {
        return Ok(Vec::new());
    };
    Ok(workspace::git_root(&workspace::start_dir(first_file))
        .into_iter()
        .collect())
}

/// Renders the report on stdout and into every `--output` file.
fn write_outputs(
    report: &Report,
    args: &CheckArgs,
    style: output::Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    output::render(report, args.format, style, out)?;
    for file in &args.output {
        let style = output::Style {
            color: false,
            ..style
        };
        let written = std::fs::File::create(&file.path).and_then(|f| {
            let mut writer = io::BufWriter::new(f);
            output::render(report, file.format, style, &mut writer)?;
            writer.flush()
        });
        if let Err(e) = written {
            // Not a broken pipe: a file that cannot be written is the user's to fix.
            return Err(io::Error::other(format!("{}: {e}", file.path.display())));
        }
    }
    Ok(())
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

fn list_rules(out: &mut dyn Write) -> io::Result<()> {
    let width = registry::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in registry::ALL {
        writeln!(
            out,
            "{:width$}  {:7}  {}",
            rule.id,
            rule.severity.as_str(),
            rule.summary
        )?;
    }
    Ok(())
}

fn explain(id: &str, out: &mut dyn Write) -> io::Result<i32> {
    match registry::find(id) {
        Some(rule) => {
            out.write_all(rule.doc.as_bytes())?;
            Ok(EXIT_OK)
        }
        None => {
            let suggestion =
                crate::model::text::did_you_mean(id, registry::ALL.iter().map(|r| r.id))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
            usage_error(format!(
                "unknown rule `{id}`{suggestion} (`kubevet rules` lists them)"
            ))
        }
    }
}

/// `kubevet explain-schedule`: the schedule in words, the day-of-month/day-of-week rule when it
/// matters, and the next runs, computed exactly as the CronJob controller does.
fn explain_schedule(args: &ExplainScheduleArgs, out: &mut dyn Write) -> io::Result<i32> {
    use crate::k8s::cron::{self, ExplainError};
    let expr = args.schedule.as_str();
    match cron::explain(
        expr,
        args.time_zone.as_deref(),
        args.after.as_deref(),
        args.count,
    ) {
        Ok(explained) => {
            out.write_all(explained.text.as_bytes())?;
            Ok(if explained.findings {
                EXIT_FINDINGS
            } else {
                EXIT_OK
            })
        }
        Err(ExplainError::Schedule(error)) => {
            let caret_at = expr[..error.span.start.min(expr.len())].chars().count();
            let width = expr
                .get(error.span.clone())
                .map_or(1, |s| s.chars().count().max(1));
            eprintln!(
                "kubevet: Kubernetes rejects this schedule: {}",
                error.message
            );
            eprintln!("  {}", expr.escape_debug());
            eprintln!("  {}{}", " ".repeat(caret_at), "^".repeat(width));
            eprintln!("help: {}", crate::rules::cron_schedule::hint(expr, &error));
            Ok(EXIT_FINDINGS)
        }
        Err(ExplainError::Usage(message)) => usage_error(message),
    }
}
