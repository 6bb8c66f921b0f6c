//! A real OpenID Connect provider for tests (the npm package `oidc-provider`, run by Node
//! from `e2e/oidc/provider.mjs`), and a small browser: a cookie jar that follows redirects and
//! submits the provider's login and consent forms.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The client secret of both test clients (`flatline`: basic, `flatline-post`: post).
pub const CLIENT_SECRET: &str = "flatline-test-secret";

/// A running provider.
pub struct OidcProvider {
    child: Child,
    /// The issuer URL, `http://127.0.0.1:PORT`.
    pub issuer: String,
}

/// How to start the provider.
#[derive(Clone, Debug, Default)]
pub struct ProviderOptions {
    /// Redirect URIs its clients accept.
    pub redirect_uris: Vec<String>,
    /// Port; default any free one.
    pub port: Option<u16>,
    /// Put email and name in the ID token too (default: only from userinfo).
    pub claims_in_id_token: bool,
}

impl OidcProvider {
    /// Starts the provider; panics with the way to fix it if Node or the package is missing.
    pub fn start(options: ProviderOptions) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is not installed: run `npm ci --prefix e2e/oidc` (scripts/test.sh does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .current_dir(&dir)
            .env("OIDC_PORT", options.port.unwrap_or(0).to_string())
            .env("OIDC_REDIRECT_URIS", options.redirect_uris.join(","))
            .env(
                "OIDC_CLAIMS_IN_ID_TOKEN",
                options.claims_in_id_token.to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node (is Node.js installed?)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(issuer) => Self { child, issuer },
            Err(_) => {
                let _ = child.kill();
                panic!("the OIDC provider did not start");
            }
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as the browser saw it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub url: String,
    pub location: Option<String>,
    pub body: String,
}

/// A minimal browser: one cookie jar for 127.0.0.1 (browsers share cookies across ports of a
/// host, and so does this), manual redirects.
pub struct SignInClient {
    client: awc::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Default for SignInClient {
    fn default() -> Self {
        Self {
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            cookies: BTreeMap::new(),
        }
    }
}

impl SignInClient {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, method: &str, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, url);
        if !self.cookies.is_empty() {
            req = req.insert_header(("Cookie", self.cookie_header()));
        }
        let mut res = match form {
            Some(fields) => req.send_form(&fields).await,
            None => req.send().await,
        }
        .unwrap_or_else(|e| panic!("{url}: {e}"));
        for set in res.headers().get_all("set-cookie") {
            let Ok(set) = set.to_str() else { continue };
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = set.to_ascii_lowercase().contains("max-age=0")
                    || set.contains("1970")
                    || value.is_empty();
                if expired {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| absolute(url, l));
        let body = res.body().limit(4 << 20).await.expect("body");
        Page {
            status: res.status().as_u16(),
            url: url.to_owned(),
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// GET without following redirects.
    pub async fn get(&mut self, url: &str) -> Page {
        self.send("GET", url, None).await
    }

    /// GET, following redirects while `follow(next URL)` says so; returns the last page.
    pub async fn follow(&mut self, url: &str, follow: impl Fn(&str) -> bool) -> Page {
        let mut page = self.get(url).await;
        for _ in 0..20 {
            match page.location.clone() {
                Some(next) if (300..400).contains(&page.status) && follow(&next) => {
                    page = self.get(&next).await;
                }
                _ => return page,
            }
        }
        panic!("too many redirects from {url}");
    }

    /// Signs in at the provider as `username` starting from a page that redirected there, and
    /// consents; returns the URL the provider sends back to the client (not visited).
    pub async fn sign_in_at_provider(
        &mut self,
        start: &str,
        issuer: &str,
        username: &str,
    ) -> String {
        let within = |u: &str| u.starts_with(issuer);
        let mut page = self.follow(start, within).await;
        for _ in 0..4 {
            if (300..400).contains(&page.status) {
                return page.location.clone().expect("redirect back");
            }
            assert_eq!(
                page.status, 200,
                "provider page {}: {}",
                page.url, page.body
            );
            let action = form_action(&page.body).expect("a form on the provider's page");
            let action = absolute(&page.url, &action);
            let fields: Vec<(&str, &str)> = if page.body.contains(r#"name="login""#) {
                vec![
                    ("prompt", "login"),
                    ("login", username),
                    ("password", "any"),
                ]
            } else {
                vec![("prompt", "consent")]
            };
            let after = self.send("POST", &action, Some(&fields)).await;
            let next = after.location.clone().unwrap_or_else(|| {
                panic!(
                    "the provider did not redirect after the form: {}",
                    after.body
                )
            });
            page = self.follow(&next, within).await;
        }
        panic!("the provider never sent the browser back");
    }
}

fn form_action(html: &str) -> Option<String> {
    let form = &html[html.find("<form")?..];
    let action = &form[form.find("action=\"")? + 8..];
    Some(action[..action.find('"')?].replace("&amp;", "&"))
}

/// `location` resolved against `base`.
pub fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|b| b.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_owned())
}
