//! `kubevet check`: flags and configuration merged into the run's options, the run, and its
//! report written in every format asked for.

use super::*;

pub(super) fn check(args: CheckArgs, out: &mut dyn Write) -> io::Result<i32> {
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
                // Every problem of the configuration fails the run (a failed test case in
                // JUnit, whatever --fail-on says).
                let style = output::Style {
                    summary: false,
                    fail_on: Some(crate::model::diagnostic::Severity::Info),
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
        policy: {
            let mut policy = config.policy;
            policy.set_flags(args.select.selectors());
            policy
        },
        // CRDs named with --crd and in the configuration are all used.
        crd_paths: args.crds.iter().cloned().chain(config.crds).collect(),
        policies: args
            .policies
            .iter()
            .cloned()
            .map(crate::policy::admission::Source::Path)
            .chain(config.policies)
            .collect(),
        limits: args.limits.settings().or(config.limits).resolve(),
        pod_security: crate::k8s::pod_security::Settings {
            level: args.pod_security.or(config.pod_security.level),
            ..config.pod_security
        },
        render: !args.no_render,
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
    let stream = match (&input, args.fix) {
        (Input::Stream { name, bytes }, true) => Some((name.clone(), bytes.clone())),
        _ => None,
    };
    // The certain fixes, computed once: `--fix` applies them, SARIF lists them.
    let sarif = args.format == output::Format::Sarif
        || args
            .output
            .iter()
            .any(|o| o.format == output::Format::Sarif);
    let with_fixes = |mut report: Report, wanted: bool| {
        if wanted {
            report.fixes = crate::run::fixes::certain(&report, &options);
        }
        report
    };
    let mut report = match crate::check(input, &options) {
        Ok(report) => with_fixes(report, sarif || args.fix),
        Err(e) => return usage_error(e),
    };
    if args.fix {
        let fixed = super::fix::apply(&report, &options, &args.paths);
        for (name, why) in &fixed.skipped {
            eprintln!("kubevet: {name}: not fixed: {why}");
        }
        if let Some((name, bytes)) = stream {
            // `-`: the stream, fixed, is the output; the findings that remain go to stderr.
            let text = fixed
                .stream
                .clone()
                .map(String::into_bytes)
                .unwrap_or(bytes);
            out.write_all(&text)?;
            out.flush()?;
            if fixed.findings > 0 {
                report = match crate::check(Input::Stream { name, bytes: text }, &options) {
                    Ok(again) => with_fixes(again, sarif),
                    Err(_) => report,
                };
            }
            let style = output::Style {
                color: matches!(args.color, ColorChoice::Always),
                ..style
            };
            write_outputs(&report, &args, style, &mut io::stderr().lock())?;
            if !args.quiet {
                eprintln!("{}", super::fix::summary(&fixed));
            }
            return Ok(exit_code(&report, style));
        }
        if fixed.findings > 0 {
            // What remains, checked again.
            report = match crate::check(Input::Paths(args.paths.clone()), &options) {
                Ok(report) => with_fixes(report, sarif),
                Err(e) => return usage_error(e),
            };
        }
        if !args.quiet {
            eprintln!("{}", super::fix::summary(&fixed));
        }
    }
    write_outputs(&report, &args, style, out)?;
    let s = &report.summary;
    if !reads_stdin && s.files + s.skipped + s.failed == 0 && report.diagnostics.is_empty() {
        // Not an error (a hook may run on a repository without manifests yet), but said.
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "kubevet: nothing to check: no Kubernetes manifests (.yaml, .yml, .json) found under {} ({})",
            crate::model::text::join_and(&paths),
            options.policy.describe_filters()
        );
    }
    let code = exit_code(&report, style);
    // Every finding and file entry is its own allocation; the process is about to exit, so
    // free them on the pool rather than make the exit wait.
    rayon::spawn(move || drop(report));
    Ok(code)
}

fn exit_code(report: &Report, style: output::Style) -> i32 {
    let failed = match (report.worst(), style.fail_on) {
        (Some(worst), Some(threshold)) => worst >= threshold,
        _ => false,
    };
    if failed { EXIT_FINDINGS } else { EXIT_OK }
}

/// The configuration file to use, if any: `--config`, else the nearest `.kubevet.yaml` from the
/// first path (or the current directory, for stdin) up to the repository's root.
pub(super) fn find_config(args: &CheckArgs) -> Result<Option<PathBuf>, String> {
    if args.no_config {
        return Ok(None);
    }
    if let Some(path) = &args.config {
        return if path.is_file() {
            Ok(Some(path.clone()))
        } else if let Some(kind) = crate::discover::special::special_kind(path) {
            Err(format!(
                "--config {}: it is {kind}, not a regular file",
                path.display()
            ))
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
pub(super) fn context(args: &CheckArgs, reads_stdin: bool) -> Result<Vec<PathBuf>, String> {
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
pub(super) fn write_outputs(
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

pub(super) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}
