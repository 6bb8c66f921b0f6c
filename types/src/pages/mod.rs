//! Public status pages: what the owner writes (`/api/v1/status-pages`) and its checks; the
//! standalone notices on a page (`notices`); what the public reads (`public`,
//! `/status/<slug>/status.json`).

mod notices;
mod public;

pub use notices::*;
pub use public::*;

use serde::{Deserialize, Serialize};

use crate::{double_option, validate_name, FieldError};

/// Longest slug, in characters.
pub const SLUG_MAX_CHARS: usize = 64;
/// Longest page title, section name or display name, in characters.
pub const PAGE_TITLE_MAX_CHARS: usize = 100;
/// Longest description or footer (Markdown), in characters.
pub const PAGE_MARKDOWN_MAX_CHARS: usize = 10_000;
/// Most sections on a page.
pub const PAGE_SECTIONS_MAX: usize = 50;
/// Most monitors on a page, over all its sections.
pub const PAGE_MONITORS_MAX: usize = 1_000;
/// Longest custom domain (a DNS name).
pub const DOMAIN_MAX_CHARS: usize = 253;
/// Shortest and longest page password, in characters.
pub const PAGE_PASSWORD_MIN_CHARS: usize = 8;
pub const PAGE_PASSWORD_MAX_CHARS: usize = 200;

/// Who may read a page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PageVisibility {
    /// Anyone.
    #[default]
    Public,
    /// Anyone with the page's password.
    Password,
    /// Only the signed-in owner; strangers get 404.
    Private,
}

impl PageVisibility {
    pub const ALL: [Self; 3] = [Self::Public, Self::Password, Self::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Password => "password",
            Self::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A page's colours: following the reader's system, or fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PageTheme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl PageTheme {
    pub const ALL: [Self; 3] = [Self::Auto, Self::Light, Self::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One monitor on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageMonitor {
    pub monitor_id: i64,
    /// The name the public reads; default the monitor's name. 1–100 characters, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A titled group of monitors, shown in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageSection {
    /// 1–100 characters, one line.
    pub name: String,
    /// In the order shown.
    #[serde(default)]
    pub monitors: Vec<PageMonitor>,
}

/// The body of `POST /api/v1/status-pages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateStatusPage {
    /// The stable name a configuration file knows it by: 1–64 of `a-z0-9-_.`, unique.
    /// Optional; without one no file touches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    /// The page's address, `/status/<slug>`: 1–64 lower-case letters, digits and hyphens,
    /// starting and ending with a letter or digit. Unique.
    pub slug: String,
    /// 1–100 characters, one line.
    pub title: String,
    /// Markdown shown under the title (sanitised). At most 10,000 characters.
    #[serde(default)]
    pub description: String,
    /// In the order shown.
    #[serde(default)]
    pub sections: Vec<PageSection>,
    /// A host name the page is also served at, on `/` (matched on the `Host` header), e.g.
    /// `status.example.com`. Unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
    /// Whether P99 latency is shown. Default true.
    #[serde(default = "yes")]
    pub show_latency: bool,
    #[serde(default)]
    pub visibility: PageVisibility,
    /// Required for `password` pages: 8–200 characters. Stored hashed, never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Markdown at the bottom (sanitised). At most 10,000 characters.
    #[serde(default)]
    pub footer: String,
    #[serde(default)]
    pub theme: PageTheme,
}

fn yes() -> bool {
    true
}

/// The body of `PATCH /api/v1/status-pages/{id}`: the fields given replace the page's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchStatusPage {
    /// A new key; `null` removes it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<PageSection>>,
    /// `null` removes the custom domain.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub custom_domain: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_latency: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<PageVisibility>,
    /// A new password (8–200 characters); readers who unlocked the page must unlock it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<PageTheme>,
}

/// A page's configuration, checked: what is stored. The password is only its hash, which
/// the server computes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPageSpec {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub sections: Vec<PageSection>,
    pub custom_domain: Option<String>,
    pub show_latency: bool,
    pub visibility: PageVisibility,
    pub footer: String,
    pub theme: PageTheme,
}

impl CreateStatusPage {
    /// The checked configuration and the new password, if one was given. Whether the
    /// monitors exist is the server's to check.
    pub fn validate(self) -> Result<(StatusPageSpec, Option<String>), FieldError> {
        let password = self.password.map(validate_password).transpose()?;
        let spec = StatusPageSpec {
            slug: validate_slug(&self.slug)?,
            title: validate_name("title", &self.title, PAGE_TITLE_MAX_CHARS)?,
            description: validate_markdown("description", &self.description)?,
            sections: validate_sections(self.sections)?,
            custom_domain: self
                .custom_domain
                .map(|d| validate_domain(&d))
                .transpose()?,
            show_latency: self.show_latency,
            visibility: self.visibility,
            footer: validate_markdown("footer", &self.footer)?,
            theme: self.theme,
        };
        if spec.visibility == PageVisibility::Password && password.is_none() {
            return Err(FieldError::new(
                "password",
                "is required when visibility is `password`",
            ));
        }
        Ok((spec, password))
    }
}

impl PatchStatusPage {
    /// `current` with the patch laid over it, checked, and the new password if one was
    /// given. `has_password` says whether a password is stored already.
    pub fn apply(
        self,
        current: &StatusPageSpec,
        has_password: bool,
    ) -> Result<(StatusPageSpec, Option<String>), FieldError> {
        let password = self.password.map(validate_password).transpose()?;
        let spec = StatusPageSpec {
            slug: match self.slug {
                Some(s) => validate_slug(&s)?,
                None => current.slug.clone(),
            },
            title: match self.title {
                Some(t) => validate_name("title", &t, PAGE_TITLE_MAX_CHARS)?,
                None => current.title.clone(),
            },
            description: match self.description {
                Some(d) => validate_markdown("description", &d)?,
                None => current.description.clone(),
            },
            sections: match self.sections {
                Some(s) => validate_sections(s)?,
                None => current.sections.clone(),
            },
            custom_domain: match self.custom_domain {
                Some(Some(d)) => Some(validate_domain(&d)?),
                Some(None) => None,
                None => current.custom_domain.clone(),
            },
            show_latency: self.show_latency.unwrap_or(current.show_latency),
            visibility: self.visibility.unwrap_or(current.visibility),
            footer: match self.footer {
                Some(f) => validate_markdown("footer", &f)?,
                None => current.footer.clone(),
            },
            theme: self.theme.unwrap_or(current.theme),
        };
        if spec.visibility == PageVisibility::Password && password.is_none() && !has_password {
            return Err(FieldError::new(
                "password",
                "is required when visibility becomes `password`",
            ));
        }
        Ok((spec, password))
    }
}

/// Checks a slug: 1–64 of `a-z`, `0-9` and `-`, starting and ending with a letter or digit.
pub fn validate_slug(raw: &str) -> Result<String, FieldError> {
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = !raw.is_empty()
        && raw.len() <= SLUG_MAX_CHARS
        && raw.chars().all(|c| edge(c) || c == '-')
        && raw.starts_with(edge)
        && raw.ends_with(edge);
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(
            "slug",
            "must be 1 to 64 lower-case letters, digits and hyphens, starting and ending with a letter or digit",
        ))
    }
}

/// What [`validate_slug`] accepts, as a regular expression.
pub const SLUG_PATTERN: &str = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$";

/// What [`validate_domain`] accepts, as a regular expression (its length is bounded apart).
pub const DOMAIN_PATTERN: &str =
    "^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$";

/// Checks a custom domain: a DNS host name (labels of letters, digits and inner hyphens, at
/// most 63 characters each, 253 in all), without scheme, port or path. Returns it lower-cased.
pub fn validate_domain(raw: &str) -> Result<String, FieldError> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if raw.is_empty() || raw.len() > DOMAIN_MAX_CHARS || !raw.split('.').all(label_ok) {
        return Err(FieldError::new(
            "custom_domain",
            "must be a host name such as status.example.com (no scheme, port or path)",
        ));
    }
    Ok(raw.to_ascii_lowercase())
}

/// Checks Markdown that may be empty: at most 10,000 characters, no control characters but
/// line breaks and tabs. Kept as written.
pub fn validate_markdown(field: &str, raw: &str) -> Result<String, FieldError> {
    if raw.chars().count() > PAGE_MARKDOWN_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {PAGE_MARKDOWN_MAX_CHARS} characters"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(raw.to_owned())
}

/// What [`validate_markdown`] accepts, as a regular expression (its length is bounded apart).
pub const MARKDOWN_PATTERN: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$";

fn validate_password(raw: String) -> Result<String, FieldError> {
    let n = raw.chars().count();
    if !(PAGE_PASSWORD_MIN_CHARS..=PAGE_PASSWORD_MAX_CHARS).contains(&n) {
        return Err(FieldError::new(
            "password",
            format!("must be {PAGE_PASSWORD_MIN_CHARS} to {PAGE_PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(raw)
}

fn validate_sections(sections: Vec<PageSection>) -> Result<Vec<PageSection>, FieldError> {
    if sections.len() > PAGE_SECTIONS_MAX {
        return Err(FieldError::new(
            "sections",
            format!("must have at most {PAGE_SECTIONS_MAX} sections"),
        ));
    }
    let total: usize = sections.iter().map(|s| s.monitors.len()).sum();
    if total > PAGE_MONITORS_MAX {
        return Err(FieldError::new(
            "sections",
            format!("must hold at most {PAGE_MONITORS_MAX} monitors in all"),
        ));
    }
    sections
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let name = validate_name(
                &format!("sections[{i}].name"),
                &s.name,
                PAGE_TITLE_MAX_CHARS,
            )?;
            let monitors = s
                .monitors
                .into_iter()
                .enumerate()
                .map(|(j, m)| {
                    let display_name = m
                        .display_name
                        .map(|d| {
                            validate_name(
                                &format!("sections[{i}].monitors[{j}].display_name"),
                                &d,
                                PAGE_TITLE_MAX_CHARS,
                            )
                        })
                        .transpose()?;
                    Ok(PageMonitor {
                        monitor_id: m.monitor_id,
                        display_name,
                    })
                })
                .collect::<Result<_, FieldError>>()?;
            Ok(PageSection { name, monitors })
        })
        .collect()
}

/// A status page as the API shows it to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusPage {
    /// The key a configuration file knows it by, or null.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    /// Whether a configuration file last set it.
    #[serde(default)]
    pub managed: bool,
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub sections: Vec<PageSection>,
    pub custom_domain: Option<String>,
    pub show_latency: bool,
    pub visibility: PageVisibility,
    /// Whether a password is stored (it is never shown).
    pub has_password: bool,
    pub footer: String,
    pub theme: PageTheme,
    /// The public page's path on this server.
    pub url: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_domains() {
        assert!(validate_slug("acme-status").is_ok());
        assert!(validate_slug("a").is_ok());
        for bad in ["", "-a", "a-", "A", "a_b", "a b", &"a".repeat(65)] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
        assert_eq!(
            validate_domain("Status.Example.com").ok().as_deref(),
            Some("status.example.com")
        );
        for bad in ["", "a..b", "-a.b", "a.b:80", "http://a", "a/b", ".a"] {
            assert!(validate_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns_agree_with_validators() {
        let slug = regex::Regex::new(SLUG_PATTERN).expect("slug pattern");
        let domain = regex::Regex::new(DOMAIN_PATTERN).expect("domain pattern");
        for s in ["a", "ab", "a-b", "-", "a-", "9", "A", "a.b", "", "a--b"] {
            assert_eq!(slug.is_match(s), validate_slug(s).is_ok(), "slug {s:?}");
            assert_eq!(
                domain.is_match(s),
                validate_domain(s).is_ok(),
                "domain {s:?}"
            );
        }
    }

    #[test]
    fn password_pages_need_a_password() {
        let page = CreateStatusPage {
            key: None,
            slug: "s".into(),
            title: "T".into(),
            description: String::new(),
            sections: vec![],
            custom_domain: None,
            show_latency: true,
            visibility: PageVisibility::Password,
            password: None,
            footer: String::new(),
            theme: PageTheme::Auto,
        };
        assert_eq!(
            page.clone().validate().err().map(|e| e.field),
            Some("password".into())
        );
        let (spec, password) = CreateStatusPage {
            password: Some("long enough".into()),
            ..page
        }
        .validate()
        .expect("valid");
        assert_eq!(password.as_deref(), Some("long enough"));
        // Keeping the stored password is fine; so is a patch that changes something else.
        assert!(PatchStatusPage::default().apply(&spec, true).is_ok());
        assert!(PatchStatusPage::default().apply(&spec, false).is_err());
    }
}
