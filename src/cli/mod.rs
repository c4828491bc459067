//! The command line: argument parsing, exit codes, and wiring the pipeline to a renderer.
//!
//! Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 a usage error,
//! a path that does not exist, or an internal error.

mod args;
mod check;
mod fix;
mod render;
pub use args::*;
use check::*;

use crate::discover::workspace;
use crate::load::Limits;
use crate::model::KubeVersion;
use crate::model::diagnostic::RuleSet;
use crate::model::registry;
use crate::model::report::Report;
use crate::output::{self, Format};
use crate::run::{Input, Options};
pub use crate::settings::FailOn;
use crate::settings::limits::{self as limit_settings, LimitSettings};
use crate::settings::{self, ConfigError, Selector, Selectors};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::LazyLock;

pub use crate::model::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

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
        Command::Check(args) => check(*args, &mut out),
        Command::Rules(args) => list_rules(&args, &mut out),
        Command::Explain { rule } => explain(&rule, &mut out),
        Command::Completions { shell } => completions(shell, &mut out),
        Command::ExplainSchedule(args) => explain_schedule(&args, &mut out),
        Command::Render(args) => render::render(&args, &mut out),
        Command::Lsp => {
            drop(out);
            return crate::lsp::run();
        }
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

/// `kubevet completions SHELL`: clap's script, which completes the rule ids after `kubevet
/// explain` (and after `--select`/`--ignore`) from their parsers' possible values; fish's
/// generator leaves positional arguments out, so their line is added here.
fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<i32> {
    clap_complete::generate(shell, &mut Cli::command(), "kubevet", out);
    if shell == clap_complete::Shell::Fish {
        let ids: Vec<&str> = registry::documented().map(|r| r.id).collect();
        writeln!(
            out,
            "complete -c kubevet -n \"__fish_kubevet_using_subcommand explain\" -f -a \"{}\"",
            ids.join(" ")
        )?;
    }
    Ok(EXIT_OK)
}

fn usage_error(message: impl std::fmt::Display) -> io::Result<i32> {
    eprintln!("kubevet: {message}");
    Ok(EXIT_USAGE)
}

/// `kubevet rules`: every rule, its default severity, its set, and whether it is on under the
/// configuration (the nearest `.kubevet.yaml`, or `--config`) and the flags.
fn list_rules(args: &RulesArgs, out: &mut dyn Write) -> io::Result<i32> {
    let config = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        Some(path.clone())
    } else {
        workspace::find_config(&workspace::current_dir())
    };
    let mut policy = match config.map(|path| settings::load(&path)) {
        None => settings::Policy::default(),
        Some(Ok(config)) => config.policy,
        Some(Err(ConfigError::Unreadable(message))) => return usage_error(message),
        Some(Err(ConfigError::Invalid(report))) => {
            output::render(&report, Format::Human, output::Style::default(), out)?;
            return usage_error("the configuration is not valid (see the findings above)");
        }
    };
    policy.set_flags(args.select.selectors());
    let width = registry::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in registry::ALL {
        writeln!(
            out,
            "{:width$}  {:7}  {:11}  {:3}  {}",
            rule.id,
            rule.severity.as_str(),
            rule.set.name(),
            if policy.is_on(rule) { "on" } else { "off" },
            rule.summary
        )?;
    }
    Ok(EXIT_OK)
}

fn explain(id: &str, out: &mut dyn Write) -> io::Result<i32> {
    match registry::find_documented(id) {
        Some(rule) => {
            out.write_all(rule.doc.as_bytes())?;
            Ok(EXIT_OK)
        }
        None => {
            let suggestion =
                crate::model::text::did_you_mean(id, registry::documented().map(|r| r.id))
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
