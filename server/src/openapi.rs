//! The OpenAPI document: the paths and schemas collected from the routes (a route cannot exist
//! without its description), completed with what every route answers alike — 401 without
//! credentials, 400 for a body that is not JSON, 503 when the database is down, … — and with
//! what serde's derive cannot state: the patterns of names, the events of the live stream.
//! `e2e/tests/openapi.rs` runs schemathesis against the binary to prove it true.

use serde_json::{json, Map, Value};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::api;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document's fixed parts; paths and schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flatline",
        description = "Self-hosted uptime monitoring: HTTP monitors, checks, incidents.",
        license(name = "AGPL-3.0-only")
    ),
    components(schemas(flatline_types::ErrorBody, flatline_types::LiveUpdate)),
    modifiers(&SecuritySchemes),
    security(("session_cookie" = []), ("bearer_token" = [])),
    tags(
        (name = "monitors", description = "HTTP monitors and their checks"),
        (name = "incidents", description = "Periods during which a monitor was down; acknowledging one (`/api/v1/incidents/{id}/ack`, or the signed link `/ack/<token>` of a down message, outside `/api/v1`) stops its escalation and reminders"),
        (name = "notifications", description = "Channels that hear of incidents (webhooks, Slack, Discord, Telegram, Teams, ntfy, Gotify, PagerDuty, email, Pushover, Matrix, Mattermost, Rocket.Chat, Google Chat, Opsgenie, Splunk On-Call, Alertmanager, Signal, Apprise, Home Assistant, Zulip, Twilio, DingTalk, Feishu), their links to monitors, and their deliveries"),
        (name = "escalation", description = "Escalation policies: steps of channels that hear of a monitor's down one after another, until someone acknowledges the incident"),
        (name = "tokens", description = "API tokens for scripts, tools and Prometheus"),
        (name = "push", description = "Heartbeats from cron jobs and scripts to push monitors (outside `/api/v1`; the token in the URL is the credential)"),
        (name = "maintenance", description = "Maintenance windows, one-off or recurring (RFC 5545 rules): their monitors read `maintenance`, their failures open no incident and alert no one, and the time is left out of uptime"),
        (name = "status-pages", description = "Public status pages (`/api/v1/status-pages` to write them, with their notices; `/status/<slug>` and its JSON and Atom feed to read them, without credentials, rate-limited per address)"),
        (name = "badges", description = "SVG badges of a monitor's status, uptime and latency, for monitors with `public_badges` (outside `/api/v1`; the monitor's random `badge_key` is in the URL)"),
        (name = "cluster", description = "The nodes sharing one PostgreSQL, and which runs each monitor"),
        (name = "probes", description = "Remote probes (`flatline probe`): the owner's view of them, and the two routes a probe token opens (follow its location's monitors, send their results)"),
        (name = "auth", description = "Signing in and out (outside `/api/v1`)"),
        (name = "metrics", description = "Prometheus metrics and the health check (outside `/api/v1`)"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate: the session cookie set by sign-in, or an API token.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::session::SESSION_COOKIE,
                "Set by signing in (`/auth/login` with OIDC, or `POST /auth/local/login`). \
                 Writes (POST/PATCH/DELETE) with it are accepted only from Flatline's own origin.",
            ))),
        );
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("flt_…")
                    .description(Some(
                        "An API token from `POST /api/v1/tokens` or `flatline token create`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document, as `/api-docs/openapi.json` serves it. JSON rather than utoipa's
/// types, which have no room for some of what `complete` adds (3.2's `itemSchema` of events).
pub fn document() -> Value {
    let collected = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api::scope())
        .service(api::auth_scope())
        .service(crate::metrics::metrics)
        .service(crate::app::health)
        .service(crate::push::scope())
        .service(crate::ack::scope())
        .service(crate::badges::scope())
        .service(crate::pages::routes::scope())
        .split_for_parts()
        .1;
    let mut doc = serde_json::to_value(&collected).expect("the OpenAPI document is JSON");
    complete(&mut doc);
    doc
}

/// The methods an OpenAPI path item may hold, upper-cased as HTTP spells them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Adds the answers every route gives alike, and the schema details derive cannot state.
fn complete(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                op.insert(
                    "operationId".into(),
                    Value::String(operation_id(method, path)),
                );
                common_answers(method, op);
                if path == crate::live::STREAM_PATH {
                    crate::live::document_events(op);
                }
            }
        }
    }
    name_patterns(doc);
    examples(doc);
    merge_tagged_variants(doc);
    link_created_resources(doc);
}

/// A working body for each request that creates something, for people reading the document
/// (Swagger UI's "Try it out") and for tools that start from examples.
fn examples(doc: &mut Value) {
    for (schema, example) in [
        (
            "CreateMonitor",
            json!({"name": "API health", "url": "http://127.0.0.1:8080/health", "interval_seconds": 30}),
        ),
        (
            "CreateChannel",
            json!({"name": "On-call webhook", "config": {"type": "webhook", "url": "http://127.0.0.1:9000/hooks/flatline"}}),
        ),
        ("CreateToken", json!({"name": "prometheus"})),
        (
            "CreateMaintenance",
            json!({"title": "Database upgrade", "all": true, "rrule": "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0", "timezone": "Europe/Berlin", "duration_minutes": 60}),
        ),
        (
            "CreateStatusPage",
            json!({"slug": "acme", "title": "Acme status", "description": "Live status of **Acme**."}),
        ),
        (
            "CreatePageNotice",
            json!({"title": "Provider maintenance", "message": "Our DNS provider works on its network tonight.", "level": "info"}),
        ),
    ] {
        if let Some(target) = doc
            .pointer_mut(&format!("/components/schemas/{schema}"))
            .and_then(Value::as_object_mut)
        {
            target.insert("examples".into(), json!([example]));
        }
    }
}

/// utoipa writes a variant of an internally tagged enum (`{"type": "slack", ...}`) as
/// `allOf: [{$ref: SlackConfig}, {properties: {type}}]`; with `additionalProperties: false`
/// on `SlackConfig` no object satisfies both. Each such variant becomes one object: the
/// variant's fields and the tag.
fn merge_tagged_variants(doc: &mut Value) {
    let Some(schemas) = doc.pointer("/components/schemas").cloned() else {
        return;
    };
    let Some(all) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for schema in all.values_mut() {
        let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
            continue;
        };
        for variant in variants.iter_mut() {
            let Some([target, tag]) = variant
                .get("allOf")
                .and_then(Value::as_array)
                .and_then(|parts| <&[Value; 2]>::try_from(parts.as_slice()).ok())
            else {
                continue;
            };
            let Some(fields) = target["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .and_then(|name| schemas.get(name))
            else {
                continue;
            };
            let (Some(own), Some(tagged)) = (
                fields.get("properties").and_then(Value::as_object),
                tag.get("properties").and_then(Value::as_object),
            ) else {
                continue;
            };
            let mut properties = own.clone();
            properties.extend(tagged.clone());
            let mut required: Vec<Value> =
                fields["required"].as_array().cloned().unwrap_or_default();
            required.extend(tag["required"].as_array().cloned().unwrap_or_default());
            let mut merged = json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": fields.get("additionalProperties").cloned().unwrap_or(Value::Bool(true)),
            });
            if let Some(description) = variant.get("description").or(fields.get("description")) {
                merged["description"] = description.clone();
            }
            *variant = merged;
        }
    }
}

/// OpenAPI links from each `POST` that creates a resource (201) to the operations on that
/// resource's id, so clients (and schemathesis' stateful phase) can follow them.
fn link_created_resources(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut found = Vec::new();
    for collection in paths.keys() {
        if paths[collection].pointer("/post/responses/201").is_none() {
            continue;
        }
        let mut links = Map::new();
        for (template, item) in paths.iter() {
            let Some((param, tail)) = template
                .strip_prefix(&format!("{collection}/{{"))
                .and_then(|rest| rest.split_once('}'))
            else {
                continue;
            };
            if tail.contains('{') {
                continue;
            }
            let escaped = template.replace('~', "~0").replace('/', "~1");
            for method in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
                links.insert(
                    format!("{method}{}", tail.replace(['/', '-'], "_")),
                    json!({
                        "operationRef": format!("#/paths/{escaped}/{method}"),
                        "parameters": {param: "$response.body#/id"}
                    }),
                );
            }
        }
        if !links.is_empty() {
            found.push((collection.clone(), links));
        }
    }
    for (collection, links) in found {
        if let Some(created) = paths
            .get_mut(&collection)
            .and_then(|item| item.pointer_mut("/post/responses/201"))
            .and_then(Value::as_object_mut)
        {
            created.insert("links".into(), Value::Object(links));
        }
    }
}

/// A unique operation id from the method and path (`get_monitors_by_id_checks`): utoipa's are
/// the handlers' names, and several modules have a `list`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "api" && *s != "v1")
    {
        id.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.push_str(&segment.replace('-', "_")),
        }
    }
    id
}

fn common_answers(method: &str, op: &mut Map<String, Value>) {
    // `security(())` on a route is `[{}]`: anyone may call it.
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(Map::is_empty)));
    let has_body = op.contains_key("requestBody");
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let has_path = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses is an object");
    let mut add = |status: &str, description: &str| {
        responses.entry(status).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
            })
        });
    };
    if has_body {
        add("400", "The body is not JSON");
        add("413", "The body is larger than 256 KiB");
        add("422", "A field is invalid; `field` names it");
    }
    if has_query {
        add("400", "A query parameter does not parse");
        add("422", "A query parameter is out of range; `field` names it");
    }
    if has_path {
        add("404", "Nothing has this id");
    }
    if !public {
        add(
            "401",
            "No valid credentials: no session cookie or `Authorization: Bearer` token, or one \
             that is invalid, expired or revoked",
        );
        if method != "get" {
            add(
                "403",
                "Refused: a change made with the session cookie alone from another origin",
            );
        }
    }
    add(
        "503",
        "The database cannot be reached, or the monitor engine did not answer",
    );
}

/// Names are trimmed, then must be 1 to N characters without control characters (update
/// messages may have line breaks): a pattern states that exactly
/// (`flatline_types::text_pattern`).
fn name_patterns(doc: &mut Value) {
    use flatline_types::{name_pattern, CHANNEL_NAME_MAX_CHARS, TOKEN_NAME_MAX_CHARS};
    let monitor = flatline_types::limits::NAME_MAX_CHARS;
    for (schema, max) in [
        ("CreateMonitor", monitor),
        ("PatchMonitor", monitor),
        ("CreateChannel", CHANNEL_NAME_MAX_CHARS),
        ("PatchChannel", CHANNEL_NAME_MAX_CHARS),
        ("CreateToken", TOKEN_NAME_MAX_CHARS),
        (
            "CreateEscalationPolicy",
            flatline_types::ESCALATION_NAME_MAX_CHARS,
        ),
        (
            "PatchEscalationPolicy",
            flatline_types::ESCALATION_NAME_MAX_CHARS,
        ),
    ] {
        if let Some(name) = doc
            .pointer_mut(&format!("/components/schemas/{schema}/properties/name"))
            .and_then(Value::as_object_mut)
        {
            name.insert("pattern".into(), Value::String(name_pattern(max)));
        }
    }
    use flatline_types as t;
    let title = name_pattern(t::PAGE_TITLE_MAX_CHARS);
    let markdown = json!({"pattern": t::MARKDOWN_PATTERN, "maxLength": t::PAGE_MARKDOWN_MAX_CHARS});
    let slug = json!({"pattern": t::SLUG_PATTERN});
    let domain = json!({"pattern": t::DOMAIN_PATTERN, "maxLength": t::DOMAIN_MAX_CHARS});
    let password =
        json!({"minLength": t::PAGE_PASSWORD_MIN_CHARS, "maxLength": t::PAGE_PASSWORD_MAX_CHARS});
    let notice_title = json!({"pattern": name_pattern(t::NOTICE_TITLE_MAX_CHARS)});
    let notice_message = json!({"pattern": t::text_pattern(t::NOTICE_MESSAGE_MAX_CHARS, true)});
    let mut rules: Vec<(String, Value)> = vec![
        (
            "CreateIncidentUpdate/properties/message".into(),
            json!({"pattern": t::text_pattern(t::INCIDENT_UPDATE_MAX_CHARS, true)}),
        ),
        (
            "AckIncident/properties/note".into(),
            json!({"pattern": t::text_pattern(t::ACK_NOTE_MAX_CHARS, true)}),
        ),
        (
            "PageSection/properties/name".into(),
            json!({"pattern": title}),
        ),
        (
            "PageSection/properties/monitors".into(),
            json!({"maxItems": t::PAGE_MONITORS_MAX}),
        ),
        (
            "PageMonitor/properties/display_name".into(),
            json!({"pattern": title}),
        ),
        (
            "CreatePageNotice/properties/title".into(),
            notice_title.clone(),
        ),
        ("PatchPageNotice/properties/title".into(), notice_title),
        (
            "CreatePageNotice/properties/message".into(),
            notice_message.clone(),
        ),
        ("PatchPageNotice/properties/message".into(), notice_message),
    ];
    for schema in ["CreateStatusPage", "PatchStatusPage"] {
        let at = |field: &str| format!("{schema}/properties/{field}");
        rules.extend([
            (at("slug"), slug.clone()),
            (at("title"), json!({"pattern": title})),
            (at("description"), markdown.clone()),
            (at("footer"), markdown.clone()),
            (at("custom_domain"), domain.clone()),
            (at("password"), password.clone()),
            (at("sections"), json!({"maxItems": t::PAGE_SECTIONS_MAX})),
        ]);
    }
    for (pointer, rule) in rules {
        if let (Some(target), Value::Object(rule)) = (
            doc.pointer_mut(&format!("/components/schemas/{pointer}"))
                .and_then(Value::as_object_mut),
            rule,
        ) {
            target.extend(rule);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protected_operation_documents_401_and_every_operation_503() {
        let doc = document();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                operations += 1;
                let public = op["security"] == json!([{}]);
                assert!(
                    public || op["responses"].get("401").is_some(),
                    "{method} {path} lacks 401"
                );
                assert!(op["responses"].get("503").is_some(), "{method} {path}");
                if op.get("requestBody").is_some() {
                    assert!(op["responses"].get("400").is_some(), "{method} {path}");
                }
            }
        }
        assert!(operations > 30, "only {operations} operations");
    }

    /// utoipa-actix-web adds the route's path parameters itself; one declared again in another
    /// form would be listed twice, which OpenAPI forbids.
    #[test]
    fn no_operation_lists_a_parameter_twice() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                let Some(params) = item.get(method).and_then(|op| op["parameters"].as_array())
                else {
                    continue;
                };
                let mut seen = std::collections::HashSet::new();
                for p in params {
                    let key = (p["name"].to_string(), p["in"].to_string());
                    assert!(seen.insert(key), "{method} {path}: {p} twice");
                }
            }
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = std::collections::HashSet::new();
        for item in doc["paths"].as_object().expect("paths").values() {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    let id = op["operationId"].as_str().expect("operationId");
                    assert!(seen.insert(id.to_owned()), "{id} twice");
                }
            }
        }
        assert!(seen.contains("get_monitors_by_id_checks"), "{seen:?}");
    }

    #[test]
    fn names_carry_their_pattern() {
        let doc = document();
        let pattern = &doc["components"]["schemas"]["CreateToken"]["properties"]["name"]["pattern"];
        assert!(pattern.as_str().is_some_and(|p| p.contains("{0,98}")));
    }
}
