//! Configuration: command-line flags, each also settable by environment variable (and `.env`),
//! and the command-line subcommands (`flatline token …`, `flatline owner …`).

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

/// Flatline: self-hosted uptime monitoring in one binary.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "flatline",
    version,
    about = "Flatline: self-hosted uptime monitoring in one binary.",
    after_help = "Without a subcommand, flatline runs the server."
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(short, long, env = "FLATLINE_ADDRESS", default_value = "0.0.0.0:3000")]
    pub address: SocketAddr,

    /// Database: `sqlite:PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:flatline.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Days of raw check results to keep.
    #[arg(long, env = "MONITOR_CHECKS_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub monitor_checks_retention_days: u32,

    /// Days of day rollups (uptime and latency history) to keep; minute and hour rollups are
    /// kept 2 and 35 days.
    #[arg(long, env = "ROLLUP_RETENTION_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub rollup_retention_days: u32,

    /// Seconds between two sweeps of checks past their retention.
    #[arg(long, env = "SWEEP_INTERVAL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub sweep_interval_seconds: u64,

    /// Milliseconds between two writes of buffered check results.
    #[arg(long, env = "CHECK_FLUSH_INTERVAL_MS", default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=60000))]
    pub check_flush_interval_ms: u64,

    /// Threads that run monitor checks (default: one per CPU).
    #[arg(long, env = "FLATLINE_ENGINE_WORKERS")]
    pub engine_workers: Option<usize>,

    /// Log filter, e.g. `info`, `flatline=debug` (tracing-subscriber syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Requests per second each client address may make to the public routes (status pages,
    /// badges), after a burst of ten times as many; 0 turns the limit off.
    #[arg(long, env = "FLATLINE_PUBLIC_RATE_LIMIT", default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1000000))]
    pub public_rate_limit: u32,

    /// Serve `/metrics` without credentials (default: an API token or a session is needed).
    #[arg(long, env = "FLATLINE_METRICS_PUBLIC", default_value_t = false)]
    pub metrics_public: bool,

    /// A configuration file (YAML or JSON) applied at start-up and again on SIGHUP; `${NAME}`
    /// comes from the environment. A file that does not apply stops start-up; on SIGHUP it is
    /// logged and the running configuration stays.
    #[arg(long, env = "FLATLINE_CONFIG", value_name = "FILE")]
    pub config_file: Option<std::path::PathBuf>,

    /// With `FLATLINE_CONFIG`: delete keyed resources the file leaves out.
    #[arg(long, env = "FLATLINE_CONFIG_PRUNE", default_value_t = false)]
    pub config_prune: bool,

    /// Seconds between two refreshes of every monitor's headline numbers (uptime and P99 in
    /// `GET /monitors` and the live stream).
    #[arg(long, env = "SUMMARY_REFRESH_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub summary_refresh_seconds: u64,

    /// Milliseconds before the first retry of a failed notification; doubled for each further
    /// one (capped at 30 minutes).
    #[arg(long, env = "NOTIFICATION_RETRY_BASE_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub notification_retry_base_ms: u64,

    /// Attempts before a notification is given up.
    #[arg(long, env = "NOTIFICATION_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub notification_max_attempts: u32,

    /// Seconds one notification attempt may take.
    #[arg(long, env = "NOTIFICATION_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub notification_timeout_seconds: u64,

    /// Flatline's public URL, for links in notifications (a monitor's page, acknowledging
    /// an incident). Default: from `OAUTH_REDIRECT_URL`, else the listen address.
    #[arg(long, env = "FLATLINE_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Seconds an acknowledgement link in a notification works (default a week).
    #[arg(long, env = "FLATLINE_ACK_LINK_TTL_SECONDS", default_value_t = 604_800, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub ack_link_ttl_seconds: u64,

    /// This node's name among several sharing one PostgreSQL (letters, digits, `.`, `_`,
    /// `-`; at most 64). Default: the host name and a random suffix, new at each start.
    #[arg(long, env = "FLATLINE_NODE_ID", value_parser = parse_node_id)]
    pub node_id: Option<String>,

    /// Seconds a node's leases last (several nodes on PostgreSQL): a node that dies or
    /// freezes has its monitors taken over within this plus one interval.
    #[arg(long, env = "FLATLINE_LEASE_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=600))]
    pub lease_seconds: u64,

    #[command(flatten)]
    pub auth: AuthSettings,
}

/// An `http(s)` URL without query or fragment, kept without a trailing `/`.
fn parse_public_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http:// or https:// URL".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must have no query or fragment".to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Config {
    /// Flatline's public URL: `FLATLINE_PUBLIC_URL`, else `OAUTH_REDIRECT_URL` without its
    /// `/auth/callback`, else the listen address (`localhost` for an unspecified one).
    pub fn public_url(&self) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        if let Some(redirect) = self
            .auth
            .oauth_redirect_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
        {
            let path = redirect.path().trim_end_matches('/');
            let base = path.strip_suffix("/auth/callback").unwrap_or("");
            return format!("{}{base}", redirect.origin().ascii_serialization());
        }
        let host = if self.address.ip().is_unspecified() {
            "localhost".to_owned()
        } else {
            match self.address.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                std::net::IpAddr::V4(ip) => ip.to_string(),
            }
        };
        format!("http://{host}:{}", self.address.port())
    }
}

/// A node id: 1–64 of `A-Za-z0-9._-` (it goes into notifications between nodes).
fn parse_node_id(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("1 to 64 letters, digits, '.', '_' or '-'".to_owned())
    }
}

/// The default node id: the host name (cut to what a node id may hold) and 6 random hex
/// digits, so two processes on one host differ.
pub fn default_node_id() -> String {
    let host: String = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(50)
        .collect();
    let host = if host.is_empty() {
        "node".to_owned()
    } else {
        host
    };
    format!("{host}-{:06x}", rand::random::<u32>() & 0xff_ffff)
}

/// Sign-in settings: OIDC, sessions, the local account.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthSettings {
    /// OIDC issuer URL (discovery at ISSUER/.well-known/openid-configuration). Setting it turns
    /// on OIDC login and turns off the local account.
    #[arg(long, env = "OAUTH_ISSUER_URL")]
    pub oauth_issuer_url: Option<String>,

    /// OIDC client id.
    #[arg(long, env = "OAUTH_CLIENT_ID")]
    pub oauth_client_id: Option<String>,

    /// OIDC client secret.
    #[arg(long, env = "OAUTH_CLIENT_SECRET", hide_env_values = true)]
    pub oauth_client_secret: Option<Secret>,

    /// Where the provider sends the browser back: Flatline's public URL + `/auth/callback`.
    #[arg(long, env = "OAUTH_REDIRECT_URL")]
    pub oauth_redirect_url: Option<String>,

    /// Scopes requested at login.
    #[arg(long, env = "OAUTH_SCOPES", default_value = "openid email profile")]
    pub oauth_scopes: String,

    /// Name shown on the login button ("Sign in with …"); default: the issuer's host.
    #[arg(long, env = "OAUTH_PROVIDER_NAME")]
    pub oauth_provider_name: Option<String>,

    /// How the client secret is sent to the token endpoint: `client_secret_basic` or
    /// `client_secret_post` (default: basic, or post if the provider supports only that).
    #[arg(long, env = "OAUTH_TOKEN_AUTH_METHOD", value_parser = ["client_secret_basic", "client_secret_post"])]
    pub oauth_token_auth_method: Option<String>,

    /// Secret that signs session cookies (at least 32 bytes). Default: a random one, generated
    /// at first start and kept in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Local mode: the password of the `admin` account (at least 8 characters). Default: a
    /// random one, printed once in the log at first start. Setting it later resets it.
    #[arg(long, env = "FLATLINE_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,

    /// Mark cookies `Secure` (HTTPS only). Default: on when OAUTH_REDIRECT_URL is https.
    #[arg(long, env = "FLATLINE_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
}

/// Commands other than running the server.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// API tokens: create, list, revoke (straight in the database, no server needed).
    #[command(subcommand)]
    Token(TokenCommand),
    /// The owner account.
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// Run as a remote probe: check the monitors of one location and send the results to a
    /// Flatline server (no database of its own).
    Probe(crate::probe::ProbeArgs),
    /// Apply a configuration file (YAML or JSON) to a running server: prints the plan;
    /// `${NAME}` comes from this environment.
    Apply(crate::document::cli::ApplyArgs),
    /// Write a running server's keyed monitors, channels, status pages and maintenance
    /// windows as a configuration file (secrets as `${NAME}`).
    Export(crate::document::cli::ExportArgs),
}

/// `flatline token …`
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (only its hash is stored).
    Create {
        /// What the token is for, e.g. `prometheus` (default with `--probe`: `probe <location>`).
        #[arg(long, required_unless_present = "probe")]
        name: Option<String>,
        /// A probe token for this location: it may only fetch the location's monitors and
        /// send their results (`flatline probe --location …`).
        #[arg(long, value_name = "LOCATION")]
        probe: Option<String>,
        /// When it stops working (RFC 3339); default never.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

/// `flatline owner …`
#[derive(Debug, Clone, Subcommand)]
pub enum OwnerCommand {
    /// Show the owner.
    Show,
    /// Delete the owner and end their sessions: the next sign-in claims Flatline (in local
    /// mode, the next start creates `admin` again). API tokens stay valid.
    Reset,
}

/// A secret setting: never shown by `Debug`, so never in a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = Config::parse_from([
            "flatline",
            "--jwt-secret",
            "super-secret-jwt-value-0123456789abcdef",
            "--oauth-client-secret",
            "client-secret-value",
            "--admin-password",
            "admin-password-value",
        ]);
        let shown = format!("{config:?}");
        for secret in [
            "super-secret-jwt-value",
            "client-secret-value",
            "admin-password-value",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert_eq!(
            config.auth.jwt_secret.as_ref().map(Secret::expose),
            Some("super-secret-jwt-value-0123456789abcdef")
        );
    }

    #[test]
    fn subcommands_parse_with_a_global_database_url() {
        let config = Config::parse_from([
            "flatline",
            "token",
            "create",
            "--name",
            "ci",
            "--database-url",
            "sqlite:x.db",
        ]);
        assert_eq!(config.database_url, "sqlite:x.db");
        assert!(matches!(
            config.command,
            Some(Command::Token(TokenCommand::Create { ref name, .. })) if name.as_deref() == Some("ci")
        ));
    }
}
