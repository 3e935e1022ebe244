//! The `zkinfer` command line.

mod cli;

use clap::Parser;

fn main() {
    // behave like other Unix tools when output is piped into `head`: end quietly, don't panic
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => unusable_arguments(e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("ZKINFER_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let json = args.json;
    let result = zkinfer_circuits::cpu::check().map_err(anyhow::Error::msg).and_then(|()| cli::run(args));
    if let Err(e) = result {
        let message = format!("{e:#}");
        eprintln!("error: {message}");
        if json {
            cli::print_json_error(&message);
        }
        std::process::exit(1);
    }
}

/// clap's own report (usage on stderr, exit 2; help and version on stdout, exit 0), and with
/// `--json` among the arguments the JSON error object on stdout as well.
fn unusable_arguments(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let is_error = !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    if is_error && std::env::args().skip(1).any(|a| a == "--json") {
        // the message is clap's first paragraph (the usage lines follow a blank line)
        let text = e.render().to_string();
        let paragraph: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
        let message = paragraph.join(" ");
        cli::print_json_error(message.strip_prefix("error: ").unwrap_or(&message));
    }
    e.exit()
}
