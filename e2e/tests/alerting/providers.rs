//! Every new provider hears one down and one up, in its service's documented format.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use e2e::receiver::Received;
use e2e::{eventually, Flatline, FlatlineOptions, Receiver, Reply, Target};
use flatline_types::CreateChannel;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);
const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";

fn form(r: &Received) -> HashMap<String, String> {
    url::form_urlencoded::parse(r.raw.as_bytes())
        .into_owned()
        .collect()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn header<'a>(r: &'a Received, name: &str) -> Option<&'a str> {
    r.headers.get(name).map(String::as_str)
}

/// HMAC-SHA256, base64: DingTalk's and Feishu's signatures, computed here independently.
fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Waits until `n` requests under `prefix` were accepted.
async fn accepted_under(rx: &Receiver, prefix: &str, n: usize) -> Vec<Received> {
    eventually(&format!("{n} accepted under {prefix}"), WAIT, || async {
        let got: Vec<Received> = rx
            .received_under(prefix)
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect();
        (got.len() >= n).then_some(got)
    })
    .await
}

#[actix_rt::test]
async fn every_new_provider_hears_a_down_and_an_up_in_its_services_format() {
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![
            ("NOTIFICATION_RETRY_BASE_MS".into(), "200".into()),
            (
                "FLATLINE_PUBLIC_URL".into(),
                "https://status.example.test/fl".into(),
            ),
        ],
        ..Default::default()
    });
    let rx = Receiver::start();
    let target = Target::start();
    let m = fl
        .create_monitor(
            json!({"name": "Shop", "url": target.url("/health"), "interval_seconds": 1}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let configs = [
        json!({"type": "pushover", "token": "app-token", "user_key": "user-key", "priority": 1, "sound": "siren", "url": rx.url("/1/messages.json")}),
        json!({"type": "matrix", "homeserver_url": rx.url("/"), "access_token": "syt_matrix", "room_id": "!room:example.org"}),
        json!({"type": "mattermost", "url": rx.url("/hooks/mm-secret"), "channel": "ops", "username": "flatline"}),
        json!({"type": "rocketchat", "url": rx.url("/hooks/rc/secret"), "alias": "Flatline"}),
        json!({"type": "googlechat", "url": format!("{}?key=k1&token=t1", rx.url("/v1/spaces/AAA/messages"))}),
        json!({"type": "opsgenie", "api_key": "genie-key", "priority": "P2", "tags": ["web"], "url": rx.url("/opsgenie")}),
        json!({"type": "splunk_oncall", "url": rx.url("/splunk/alert/api-key"), "routing_key": "web-team"}),
        json!({"type": "signal", "url": rx.url("/signal"), "number": "+15550000001", "recipients": ["+15550000002", "group.abc"]}),
        json!({"type": "apprise", "url": rx.url("/apprise"), "config_key": "oncall", "tag": "critical"}),
        json!({"type": "homeassistant", "url": rx.url("/ha"), "token": "ha-token", "service": "notify.mobile_app_pixel"}),
        json!({"type": "zulip", "site": rx.url("/zulip"), "bot_email": "bot@zulip.example", "api_key": "zulip-key", "stream": "ops"}),
        json!({"type": "twilio", "account_sid": TWILIO_SID, "auth_token": "twilio-token", "from": "+15550000009", "to": ["+15550000001", "+15550000002"], "url": rx.url("/twilio")}),
        json!({"type": "dingtalk", "url": format!("{}?access_token=dt", rx.url("/dingtalk/robot/send")), "secret": "SECdingtalk"}),
        json!({"type": "feishu", "url": rx.url("/feishu/open-apis/bot/v2/hook/xyz"), "secret": "feishu-secret"}),
    ];
    for config in configs {
        let kind = config["type"].as_str().expect("type").to_owned();
        let channel = fl
            .add_channel(&CreateChannel {
                key: None,
                name: kind.clone(),
                config: serde_json::from_value(config).expect("a channel config"),
                default: false,
                apply_to_existing: false,
            })
            .await;
        // Secrets never come back.
        let shown = serde_json::to_string(&channel.config).expect("json");
        for secret in [
            "app-token",
            "user-key",
            "syt_matrix",
            "mm-secret",
            "genie-key",
            "api-key",
            "ha-token",
            "zulip-key",
            "twilio-token",
            "SECdingtalk",
            "feishu-secret",
            "t1",
        ] {
            assert!(!shown.contains(secret), "{kind} shows {secret}: {shown}");
        }
        fl.link_channel(m, channel.id).await;
    }
    // Matrix's first send fails: the retry must reuse its transaction id.
    rx.script_prefix("/_matrix/", &[Reply::Status(502)]);

    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(500);
    let downs: Vec<(&str, usize)> = vec![
        ("/1/messages.json", 1),
        ("/_matrix/", 1),
        ("/hooks/mm-secret", 1),
        ("/hooks/rc/secret", 1),
        ("/v1/spaces/AAA/messages", 1),
        ("/opsgenie/", 1),
        ("/splunk/", 1),
        ("/signal/", 1),
        ("/apprise/", 1),
        ("/ha/", 1),
        ("/zulip/", 1),
        ("/twilio/", 2),
        ("/dingtalk/", 1),
        ("/feishu/", 1),
    ];
    for (prefix, n) in &downs {
        accepted_under(&rx, prefix, *n).await;
    }
    target.set_status(200);
    for (prefix, n) in &downs {
        accepted_under(&rx, prefix, n * 2).await;
    }
    let incident = fl.incidents(m).await[0].clone();
    let started = incident["started_at"].as_str().expect("started").to_owned();
    let sent = |prefix: &str| -> Vec<Received> {
        rx.received_under(prefix)
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    };

    // Pushover: the message API, JSON, the configured priority for bad news only, the
    // acknowledge link in the down.
    let [down, up] = &sent("/1/messages.json")[..] else {
        panic!("two pushover messages")
    };
    assert_eq!(down.method, "POST");
    assert_eq!(
        (down.body["token"].as_str(), down.body["user"].as_str()),
        (Some("app-token"), Some("user-key"))
    );
    assert_eq!(
        (down.body["priority"].as_i64(), up.body["priority"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(down.body["sound"], "siren");
    assert!(
        down.body["title"]
            .as_str()
            .is_some_and(|t| t.contains("Shop is down")),
        "{}",
        down.body
    );
    assert_eq!(down.body["url_title"], "Acknowledge");
    assert!(
        down.body["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://status.example.test/fl/ack/")),
        "{}",
        down.body
    );
    assert_eq!(
        up.body["url"],
        format!("https://status.example.test/fl/monitors/{m}")
    );

    // Matrix: PUT to the room (id escaped) under a transaction id; the retry kept it.
    let matrix = rx.received_under("/_matrix/");
    assert_eq!(matrix[0].status, 502);
    assert_eq!(matrix[0].method, "PUT");
    assert!(
        matrix[0].path.starts_with(
            "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/flatline-"
        ),
        "{}",
        matrix[0].path
    );
    assert_eq!(
        matrix[1].path, matrix[0].path,
        "the retry reuses the transaction id"
    );
    assert_eq!(matrix[1].status, 200);
    let matrix_ok = sent("/_matrix/");
    assert_eq!(matrix_ok.len(), 2);
    assert_ne!(
        matrix_ok[0].path, matrix_ok[1].path,
        "the up is another transaction"
    );
    assert_eq!(
        header(&matrix_ok[0], "authorization"),
        Some("Bearer syt_matrix")
    );
    assert_eq!(matrix_ok[0].body["msgtype"], "m.text");
    assert_eq!(matrix_ok[0].body["format"], "org.matrix.custom.html");
    assert!(matrix_ok[0].body["formatted_body"]
        .as_str()
        .is_some_and(|b| b.contains("<b>")));

    // Mattermost and Rocket.Chat: attachments coloured by the event.
    let mm = sent("/hooks/mm-secret");
    assert_eq!(
        (
            mm[0].body["attachments"][0]["color"].as_str(),
            mm[1].body["attachments"][0]["color"].as_str()
        ),
        (Some("#E03E3E"), Some("#2EB86E"))
    );
    assert_eq!(
        (
            mm[0].body["channel"].as_str(),
            mm[0].body["username"].as_str()
        ),
        (Some("ops"), Some("flatline"))
    );
    assert!(mm[0].body["attachments"][0]["fields"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["title"] == "Cause")));
    let rc = sent("/hooks/rc/secret");
    assert!(rc[0].body["text"]
        .as_str()
        .is_some_and(|t| t.contains("is down")));
    assert_eq!(rc[1].body["attachments"][0]["color"], "#2EB86E");
    assert_eq!(rc[0].body["alias"], "Flatline");

    // Google Chat: a card, the webhook's key and token kept in the query.
    let gc = sent("/v1/spaces/AAA/messages");
    assert_eq!(gc[0].query, "key=k1&token=t1");
    assert!(gc[0].body["cardsV2"][0]["card"]["header"]["title"]
        .as_str()
        .is_some_and(|t| t.contains("is down")));
    let buttons = &gc[0].body["cardsV2"][0]["card"]["sections"][0]["widgets"];
    assert!(
        buttons.as_array().is_some_and(|w| w
            .iter()
            .any(|w| w["buttonList"]["buttons"][0]["text"] == "Acknowledge")),
        "{buttons}"
    );

    // Opsgenie: create with an alias, close that alias.
    let og = sent("/opsgenie/");
    assert_eq!(og[0].path, "/opsgenie/v2/alerts");
    assert_eq!(header(&og[0], "authorization"), Some("GenieKey genie-key"));
    assert_eq!(og[0].body["priority"], "P2");
    assert_eq!(og[0].body["tags"], json!(["web"]));
    let alias = og[0].body["alias"].as_str().expect("alias").to_owned();
    assert_eq!(og[1].path, format!("/opsgenie/v2/alerts/{alias}/close"));
    assert_eq!(og[1].query, "identifierType=alias");

    // Splunk On-Call: CRITICAL then RECOVERY, one entity id, routed by the key.
    let sp = sent("/splunk/");
    assert_eq!(sp[0].path, "/splunk/alert/api-key/web-team");
    assert_eq!(
        (
            sp[0].body["message_type"].as_str(),
            sp[1].body["message_type"].as_str()
        ),
        (Some("CRITICAL"), Some("RECOVERY"))
    );
    assert_eq!(sp[0].body["entity_id"], sp[1].body["entity_id"]);
    let started_s =
        time::OffsetDateTime::parse(&started, &time::format_description::well_known::Rfc3339)
            .expect("started_at")
            .unix_timestamp();
    assert_eq!(
        (
            sp[0].body["state_start_time"].as_i64(),
            sp[1].body["state_start_time"].as_i64()
        ),
        (Some(started_s), Some(started_s)),
        "both name the incident's start"
    );
    assert_eq!(sp[0].body["monitoring_tool"], "Flatline");

    // Signal (signal-cli REST API).
    let sg = sent("/signal/");
    assert_eq!(sg[0].path, "/signal/v2/send");
    assert_eq!(sg[0].body["number"], "+15550000001");
    assert_eq!(
        sg[0].body["recipients"],
        json!(["+15550000002", "group.abc"])
    );
    assert!(sg[0].body["message"]
        .as_str()
        .is_some_and(|t| t.contains("is down")));

    // Apprise: a stored configuration by key, a type per event.
    let ap = sent("/apprise/");
    assert_eq!(ap[0].path, "/apprise/notify/oncall");
    assert_eq!(
        (ap[0].body["type"].as_str(), ap[1].body["type"].as_str()),
        (Some("failure"), Some("success"))
    );
    assert_eq!(ap[0].body["tag"], "critical");

    // Home Assistant: the notify service, with the long-lived token.
    let ha = sent("/ha/");
    assert_eq!(ha[0].path, "/ha/api/services/notify/mobile_app_pixel");
    assert_eq!(header(&ha[0], "authorization"), Some("Bearer ha-token"));
    assert!(ha[0].body["message"]
        .as_str()
        .is_some_and(|t| t.contains("Cause:")));

    // Zulip: a form, as the bot, to the stream under the monitor's topic.
    let zu = sent("/zulip/");
    assert_eq!(zu[0].path, "/zulip/api/v1/messages");
    assert_eq!(
        header(&zu[0], "authorization"),
        Some(basic("bot@zulip.example", "zulip-key").as_str())
    );
    let fields = form(&zu[0]);
    assert_eq!(
        (
            fields["type"].as_str(),
            fields["to"].as_str(),
            fields["topic"].as_str()
        ),
        ("stream", "ops", "Shop")
    );
    assert!(fields["content"].contains("is down"));

    // Twilio: one SMS per recipient, a form, as the account.
    let tw = sent("/twilio/");
    assert_eq!(tw.len(), 4);
    assert_eq!(
        tw[0].path,
        format!("/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
    );
    assert_eq!(
        header(&tw[0], "authorization"),
        Some(basic(TWILIO_SID, "twilio-token").as_str())
    );
    let to: Vec<String> = tw[..2].iter().map(|r| form(r)["To"].clone()).collect();
    assert_eq!(to, vec!["+15550000001", "+15550000002"]);
    assert_eq!(form(&tw[0])["From"], "+15550000009");
    assert!(form(&tw[0])["Body"].contains("Acknowledge: https://status.example.test/fl/ack/"));

    // DingTalk: Markdown, signed in the query with the robot's secret.
    let dt = sent("/dingtalk/");
    assert_eq!(dt[0].body["msgtype"], "markdown");
    let query: HashMap<String, String> = url::form_urlencoded::parse(dt[0].query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(query["access_token"], "dt");
    let stamp = &query["timestamp"];
    assert_eq!(
        query["sign"],
        hmac_base64(b"SECdingtalk", format!("{stamp}\nSECdingtalk").as_bytes())
    );

    // Feishu: a card, signed in the body.
    let fs = sent("/feishu/");
    assert_eq!(fs[0].body["msg_type"], "interactive");
    assert_eq!(
        (
            fs[0].body["card"]["header"]["template"].as_str(),
            fs[1].body["card"]["header"]["template"].as_str()
        ),
        (Some("red"), Some("green"))
    );
    let stamp = fs[0].body["timestamp"].as_str().expect("timestamp");
    assert_eq!(
        fs[0].body["sign"].as_str(),
        Some(hmac_base64(format!("{stamp}\nfeishu-secret").as_bytes(), b"").as_str())
    );
}

#[actix_rt::test]
async fn bad_provider_settings_are_422s_naming_the_field() {
    let fl = Flatline::start();
    for (config, field) in [
        (
            json!({"type": "pushover", "token": "t", "user_key": "u", "priority": 3}),
            "config.priority",
        ),
        (
            json!({"type": "matrix", "homeserver_url": "http://127.0.0.1:1", "access_token": "t", "room_id": "#alias:example.org"}),
            "config.room_id",
        ),
        (
            json!({"type": "opsgenie", "api_key": "k", "priority": "P9"}),
            "config.priority",
        ),
        (
            json!({"type": "signal", "url": "http://127.0.0.1:1", "number": "555", "recipients": ["+15550000002"]}),
            "config.number",
        ),
        (
            json!({"type": "signal", "url": "http://127.0.0.1:1", "number": "+15550000001", "recipients": ["bob"]}),
            "config.recipients[0]",
        ),
        (
            json!({"type": "apprise", "url": "http://127.0.0.1:1"}),
            "config.config_key",
        ),
        (
            json!({"type": "homeassistant", "url": "http://127.0.0.1:1", "token": "t", "service": "Notify Me"}),
            "config.service",
        ),
        (
            json!({"type": "zulip", "site": "http://127.0.0.1:1", "bot_email": "bot", "api_key": "k", "stream": "ops"}),
            "config.bot_email",
        ),
        (
            json!({"type": "twilio", "account_sid": "AC1", "auth_token": "t", "from": "+15550000009", "to": ["+15550000001"]}),
            "config.account_sid",
        ),
        (
            json!({"type": "twilio", "account_sid": TWILIO_SID, "auth_token": "t", "from": "+15550000009", "to": []}),
            "config.to",
        ),
        (
            json!({"type": "splunk_oncall", "url": "ftp://x/", "routing_key": "r"}),
            "config.url",
        ),
        (
            json!({"type": "alertmanager", "url": "http://127.0.0.1:1", "labels": {"alertname": "x"}}),
            "config.labels.alertname",
        ),
        (
            json!({"type": "alertmanager", "url": "http://127.0.0.1:1", "labels": {"1team": "x"}}),
            "config.labels.1team",
        ),
    ] {
        let (status, body) = fl
            .post(
                "/api/v1/notification-channels",
                &json!({"name": "x", "config": config}),
            )
            .await;
        assert_eq!(status, 422, "{config}: {body}");
        assert_eq!(body["field"], field, "{config}: {body}");
        assert_eq!(body["error"], "validation_failed", "{body}");
    }
    assert_eq!(
        fl.get("/api/v1/notification-channels").await,
        json!([]),
        "nothing stored"
    );
}

/// Debian's `prometheus-alertmanager` on a free loopback port, with a route to nowhere.
struct Alertmanager {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n",
        )
        .expect("config");
        let port = e2e::closed_port();
        let child = std::process::Command::new("/usr/bin/prometheus-alertmanager")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).expect("log"))
            .spawn()
            .expect("prometheus-alertmanager (scripts/test.sh installs it)");
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its alerts named `FlatlineDown` (the v2 API lists active ones).
    async fn alerts(&self) -> Option<Vec<Value>> {
        let mut res = awc::Client::default()
            .get(format!(
                "{}/api/v2/alerts?filter=alertname%3D%22FlatlineDown%22",
                self.url()
            ))
            .send()
            .await
            .ok()?;
        res.json::<Vec<Value>>().await.ok()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_rt::test]
async fn alertmanager_fires_the_alert_on_down_and_resolves_it_on_up() {
    let am = Alertmanager::start();
    eventually("Alertmanager answers", WAIT, || async { am.alerts().await }).await;
    let fl = Flatline::start();
    let target = Target::start();
    let m = fl
        .create_monitor(json!({"name": "Checkout", "url": target.url("/"), "interval_seconds": 1}))
        .await["id"]
        .as_i64()
        .expect("id");
    let channel = fl
        .add_channel(&CreateChannel {
            key: None,
            name: "alertmanager".into(),
            config: serde_json::from_value(
                json!({"type": "alertmanager", "url": am.url(), "labels": {"team": "web"}}),
            )
            .expect("config"),
            default: false,
            apply_to_existing: false,
        })
        .await;
    fl.link_channel(m, channel.id).await;
    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(503);
    let alert = eventually("Alertmanager lists the alert", WAIT, || async {
        am.alerts().await.and_then(|a| a.first().cloned())
    })
    .await;
    let labels = &alert["labels"];
    assert_eq!(labels["alertname"], "FlatlineDown");
    assert_eq!(labels["monitor"], "Checkout");
    assert_eq!(labels["monitor_id"], m.to_string());
    assert_eq!(labels["kind"], "http");
    assert_eq!(labels["team"], "web");
    assert_eq!(labels["severity"], "critical");
    assert_eq!(alert["status"]["state"], "active");
    assert!(
        alert["generatorURL"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/monitors/{m}"))),
        "{alert}"
    );
    let started = fl.incidents(m).await[0]["started_at"]
        .as_str()
        .expect("started")
        .to_owned();
    let starts_at = alert["startsAt"].as_str().expect("startsAt");
    assert_eq!(
        time::OffsetDateTime::parse(starts_at, &time::format_description::well_known::Rfc3339)
            .expect("startsAt"),
        time::OffsetDateTime::parse(&started, &time::format_description::well_known::Rfc3339)
            .expect("started_at"),
    );
    target.set_status(200);
    eventually("the alert is resolved", WAIT, || async {
        let alerts = am.alerts().await?;
        alerts
            .iter()
            .all(|a| a["status"]["state"] != "active")
            .then_some(())
    })
    .await;
    let deliveries = fl
        .get(&format!(
            "/api/v1/notification-channels/{}/deliveries",
            channel.id
        ))
        .await;
    let events: Vec<&str> = deliveries
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["event"].as_str())
        .collect();
    assert_eq!(events, vec!["up", "down"]);
}
