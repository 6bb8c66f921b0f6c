//! `flatline apply` and `flatline export`: configuration files against a running server's
//! API. `apply` resolves `${NAME}` from this process's environment, sends the document with
//! the values it used, prints the plan, and points errors into the file
//! (`flatline.yaml:14:7: monitors[2].interval_seconds: must be 1–86400`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use flatline_types::{ConfigPlan, ErrorBody, PlanAction};
use serde_json::Value;

use super::model::Document;
use super::source::{self, Spans};
use super::vars;
use crate::service::config::ConfigError;
use crate::service::ConfigService;

/// How to reach the server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The Flatline server (any node of a cluster).
    #[arg(long, env = "FLATLINE_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: String,
    /// An API token (`flatline token create --name ci`).
    #[arg(long, env = "FLATLINE_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// `flatline apply`
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The document: YAML or JSON.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Delete keyed resources the file leaves out (resources without a key are never touched).
    #[arg(long)]
    pub prune: bool,
    /// Print the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The formats `flatline export` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

/// `flatline export`
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
    /// Write here rather than to stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .finish()
}

/// The status and body of the answer to `request`.
async fn answer(
    request: awc::SendClientRequest,
    server: &ServerArgs,
) -> Result<(awc::http::StatusCode, actix_web::web::Bytes), String> {
    let mut response = request
        .await
        .map_err(|e| format!("cannot reach {}: {e}", server.server))?;
    let body = response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .map_err(|e| format!("reading the answer failed: {e}"))?;
    Ok((response.status(), body))
}

fn url(server: &ServerArgs, path: &str) -> String {
    format!("{}{path}", server.server.trim_end_matches('/'))
}

/// `file:line:column: path: message`, as far as the text tells where `path` is.
fn pointed(file: &str, spans: &Spans, path: &str, at_key: bool, message: &str) -> String {
    match spans.find(path, at_key) {
        Some(at) => format!("{file}:{}:{}: {path}: {message}", at.line, at.column),
        None => format!("{file}: {path}: {message}"),
    }
}

/// Applies a file; the plan goes to stdout.
pub async fn apply(args: ApplyArgs) -> Result<(), String> {
    let shown = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| format!("{shown}: {e}"))?;
    let (mut value, spans) = source::parse(&text).map_err(|e| format!("{shown}:{e}"))?;
    let own: Vec<String> = value
        .get("variables")
        .and_then(Value::as_object)
        .map(|v| v.keys().cloned().collect())
        .unwrap_or_default();
    let mut used = serde_json::Map::new();
    for place in vars::places(&value) {
        if own.contains(&place.name) || used.contains_key(&place.name) {
            continue;
        }
        match std::env::var(&place.name) {
            Ok(v) => {
                used.insert(place.name.clone(), v.into());
            }
            Err(_) => {
                return Err(pointed(
                    &shown,
                    &spans,
                    &place.path,
                    false,
                    &format!("environment variable {} is not set", place.name),
                ))
            }
        }
    }
    if let Value::Object(top) = &mut value {
        let variables = top
            .entry("variables")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(v) = variables {
            v.extend(used);
        }
    }
    let endpoint = format!(
        "{}?dry_run={}&prune={}",
        url(&args.server, "/api/v1/config/apply"),
        args.dry_run,
        args.prune
    );
    let request = client()
        .post(endpoint)
        .bearer_auth(&args.server.token)
        .send_json(&value);
    let (status, body) = answer(request, &args.server).await?;
    if !status.is_success() {
        let Ok(error) = serde_json::from_slice::<ErrorBody>(&body) else {
            return Err(format!("the server answered {status}"));
        };
        return Err(match error.field {
            Some(field) if field != "body" && status.as_u16() == 422 => {
                // The server's line and column are of the JSON sent, not of the file.
                let message = error
                    .message
                    .strip_prefix(&format!("{field}: "))
                    .unwrap_or(&error.message);
                let message = message
                    .split_once(": ")
                    .filter(|(head, _)| head.starts_with("line "))
                    .map_or(message, |(_, m)| m);
                let at_key = message.starts_with("unknown field");
                pointed(&shown, &spans, &field, at_key, message)
            }
            _ => format!("{shown}: {}", error.message),
        });
    }
    let plan: ConfigPlan =
        serde_json::from_slice(&body).map_err(|e| format!("unexpected answer: {e}"))?;
    print!("{}", describe(&plan, &args.server.server));
    Ok(())
}

/// A plan for people: one line per change, the fields that change under it, a summary.
pub fn describe(plan: &ConfigPlan, server: &str) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        let mark = match c.action {
            PlanAction::Create => '+',
            PlanAction::Update => '~',
            PlanAction::Delete => '-',
            PlanAction::Unchanged => continue,
        };
        let drift = if c.drifted {
            " (changed outside the file since it was applied; this overwrites that)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{mark} {} {}: {}{drift}\n",
            c.resource.as_str(),
            c.key,
            c.action.as_str()
        ));
        for f in &c.changes {
            out.push_str(&format!("    {}: {} → {}\n", f.field, f.before, f.after));
        }
        if let Some(push) = &c.push_url {
            out.push_str(&format!(
                "    push URL (shown once): {}{push}\n",
                server.trim_end_matches('/')
            ));
        }
    }
    let s = plan.summary;
    out.push_str(&format!(
        "{}: {} to create, {} to update, {} to delete, {} unchanged\n",
        if plan.applied { "applied" } else { "plan" },
        s.create,
        s.update,
        s.delete,
        s.unchanged
    ));
    out
}

/// Writes what the server stores as a document.
pub async fn export(args: ExportArgs) -> Result<(), String> {
    let accept = match args.format {
        Format::Yaml => "application/yaml",
        Format::Json => "application/json",
    };
    let request = client()
        .get(url(&args.server, "/api/v1/config/export"))
        .bearer_auth(&args.server.token)
        .insert_header(("Accept", accept))
        .send();
    let (status, body) = answer(request, &args.server).await?;
    if !status.is_success() {
        return Err(format!(
            "the server answered {}: {}",
            status,
            String::from_utf8_lossy(&body)
        ));
    }
    match args.output {
        Some(path) => std::fs::write(&path, &body).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&body)
                .map_err(|e| format!("stdout: {e}"))
        }
    }
}

/// Applies the file `FLATLINE_CONFIG` names, in this process (at start-up and on SIGHUP):
/// `${NAME}` from the environment, errors pointing into the file.
pub async fn apply_file(
    service: &ConfigService,
    path: &std::path::Path,
    prune: bool,
) -> Result<ConfigPlan, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let (value, spans) = source::parse(&text).map_err(|e| format!("{shown}:{e}"))?;
    let env = |name: &str| std::env::var(name).ok();
    let doc = Document::from_value(value, &env)
        .map_err(|e| pointed(&shown, &spans, &e.path, e.at_key, &e.message))?;
    match service.apply(&doc, prune, false).await {
        Ok(plan) => Ok(plan),
        Err(ConfigError::Document(e)) => Err(pointed(
            &shown,
            &spans,
            &e.path,
            e.at_key,
            &doc.redact(&e.message),
        )),
        Err(ConfigError::Api(e)) => Err(format!("{shown}: {e}")),
    }
}
