//! Email over SMTP: STARTTLS, TLS or (on a trusted network) plain, with optional login.

use serde::{Deserialize, Serialize};

use super::fields::{field, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// How an email channel talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server lacks it.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the same host or network only).
    None,
}

impl SmtpSecurity {
    /// The port used when none is set.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tls => 465,
            Self::Starttls => 587,
            Self::None => 25,
        }
    }
}

/// Email over SMTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub host: String,
    /// Default 587 (`starttls`), 465 (`tls`) or 25 (`none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub from: String,
    pub to: Vec<String>,
}

impl ChannelKind for EmailConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "email",
        label: "Email (SMTP)",
        fields: &[
            ConfigField::new("host", "SMTP host", FieldInput::Text, true, ""),
            ConfigField::new(
                "port",
                "Port",
                FieldInput::Number,
                false,
                "Empty: 587 (STARTTLS), 465 (TLS) or 25 (none)",
            ),
            ConfigField::new(
                "security",
                "Security",
                FieldInput::Choice(&[
                    ("starttls", "STARTTLS (587)"),
                    ("tls", "TLS (465)"),
                    ("none", "None (local relay only)"),
                ]),
                false,
                "",
            ),
            ConfigField::new("username", "Username", FieldInput::Text, false, "Optional"),
            ConfigField::new(
                "password",
                "Password",
                FieldInput::Secret,
                false,
                "Optional",
            ),
            ConfigField::new(
                "from",
                "From",
                FieldInput::Text,
                true,
                "flatline@example.com",
            ),
            ConfigField::new(
                "to",
                "To",
                FieldInput::List,
                true,
                "Addresses, separated by commas",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        required("host", &self.host)?;
        if self.host.contains(['/', ' ', ':']) && self.host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(field(
                "host",
                "must be a host name or address, without a port",
            ));
        }
        if self.port == Some(0) {
            return Err(field("port", "must be between 1 and 65535"));
        }
        if self.password.is_some() && self.username.is_none() {
            return Err(field("username", "is required with a password"));
        }
        email_address("from", &self.from)?;
        if self.to.is_empty() {
            return Err(field("to", "must name at least one address"));
        }
        for (i, addr) in self.to.iter().enumerate() {
            email_address(&format!("to[{i}]"), addr)?;
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        c.password.iter_mut().for_each(mask);
        c
    }
}

/// A plain `local@domain` address, or `Name <local@domain>`.
fn email_address(name: &str, raw: &str) -> Result<(), FieldError> {
    let addr = match (raw.find('<'), raw.rfind('>')) {
        (Some(open), Some(close)) if open < close && close == raw.trim_end().len() - 1 => {
            &raw[open + 1..close]
        }
        _ => raw.trim(),
    };
    let valid = addr.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !addr.contains(char::is_whitespace)
            && !domain.contains('@')
    });
    if valid {
        Ok(())
    } else {
        Err(field(name, "is not an email address"))
    }
}
