//! Debian's Chromium, headless, driven through chromedriver (WebDriver) with fantoccini.
//! Every wait polls with a deadline; screenshots go to `target/e2e-artifacts/`.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// How long a wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// A headless Chromium session and its chromedriver.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// Where screenshots are saved: `target/e2e-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

fn executable(env: &str, default: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| default.to_owned())
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a Chromium window of
    /// `width`×`height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Self {
        Self::start_with(width, height, &[]).await
    }

    /// [`Self::start`] with extra Chromium switches (e.g. `--force-dark-mode`).
    pub async fn start_with(width: u32, height: u32, switches: &[&str]) -> Self {
        let port = crate::closed_port();
        // Its own process group, so Chromium goes with it whatever happens to the test.
        let driver = Command::new(executable("CHROMEDRIVER", "/usr/bin/chromedriver"))
            .process_group(0)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (Debian package chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            "--disable-default-apps".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        args.extend(switches.iter().map(|s| (*s).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": executable("CHROMIUM", "/usr/bin/chromium"),
                "args": args,
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(_) if Instant::now() < deadline => {
                    actix_rt::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
            }
        };
        // The window's inner size, not the outer one.
        let _ = client.set_window_size(width, height).await;
        Self {
            driver,
            client,
            _profile: profile,
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// The current path (and query).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within {WAIT:?}: {e}"))
    }

    /// Waits until `probe` (JavaScript returning a value) returns something truthy; returns it.
    pub async fn until(&self, what: &str, script: &str) -> Value {
        self.until_within(what, script, WAIT).await
    }

    /// [`Self::until`] with its own deadline.
    pub async fn until_within(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self
                .client
                .execute(script, vec![])
                .await
                .unwrap_or(Value::Null);
            let truthy = match &v {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() >= deadline {
                let body = self.text("body").await;
                panic!(
                    "timed out after {timeout:?} waiting for: {what}\n--- page text ---\n{body}"
                );
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element `css` exists and its text contains `text`.
    pub async fn until_text(&self, css: &str, text: &str) {
        let script = format!(
            "const e = document.querySelector({}); return !!e && e.textContent.includes({});",
            json!(css),
            json!(text)
        );
        self.until(&format!("{css} to contain {text:?}"), &script)
            .await;
    }

    /// The text of the first element matching `css` (empty if none).
    pub async fn text(&self, css: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.innerText : '';",
            json!(css)
        );
        self.client
            .execute(&script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Clicks the element `css` once it exists.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Replaces the value of the input `css` by typing `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        let clear = format!(
            "const e = document.querySelector({}); e.value = ''; \
             e.dispatchEvent(new Event('input', {{bubbles: true}}));",
            json!(css)
        );
        self.client.execute(&clear, vec![]).await.expect("clear");
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Picks `value` in the select `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Saves a PNG screenshot as `target/e2e-artifacts/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Form controls on the page without a label (for a screen reader): empty when all have one.
    pub async fn unlabelled_controls(&self) -> Vec<String> {
        let v = self
            .js(
                "return [...document.querySelectorAll('input, select, textarea, button, a')].filter(e => {
                    if (e.type === 'hidden') return false;
                    if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')) return false;
                    if (e.tagName === 'BUTTON' || e.tagName === 'A') return !e.innerText.trim();
                    if (e.id && document.querySelector(`label[for=\"${e.id}\"]`)) return false;
                    return !e.closest('label');
                }).map(e => e.outerHTML.slice(0, 120));",
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Presses Enter in the element `css` (a keyboard submit).
    pub async fn press_enter(&self, css: &str) {
        self.find(css)
            .await
            .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
            .await
            .unwrap_or_else(|e| panic!("Enter in {css}: {e}"));
    }

    /// Runs JavaScript and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Ends the session, then chromedriver (on drop).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.wait();
    }
}
