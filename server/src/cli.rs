//! `flatline token …` and `flatline owner …`: administration straight against `DATABASE_URL`,
//! so automation can bootstrap without a browser. Secrets go to stdout, everything else to
//! stderr, so `TOKEN=$(flatline token create --name ci)` works.

use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::redact_url;
use flatline_store::Store;
use flatline_types::{CreateToken, TokenScope};

use crate::config::{Command, OwnerCommand, TokenCommand};
use crate::error::ApiError;
use crate::service::tokens::{issue, parse_expiry, revoke};

/// Runs one subcommand.
pub async fn run(command: Command, database_url: &str) -> Result<(), String> {
    let store = Store::connect(database_url)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact_url(database_url)))?;
    let result = match command {
        Command::Token(c) => token(c, &store).await,
        Command::Owner(c) => owner(c, &store).await,
        Command::Probe(_) | Command::Apply(_) | Command::Export(_) => {
            Err("this command needs no database".into())
        }
    };
    store.close().await;
    result
}

async fn token(command: TokenCommand, store: &Store) -> Result<(), String> {
    match command {
        TokenCommand::Create {
            name,
            probe,
            expires_at,
        } => {
            let request = CreateToken {
                name: name.unwrap_or_else(|| format!("probe {}", probe.as_deref().unwrap_or(""))),
                expires_at: None,
                scope: if probe.is_some() {
                    TokenScope::Probe
                } else {
                    TokenScope::Full
                },
                location: probe,
            };
            let name = request
                .validated_name()
                .map_err(|e| format!("--name {}", e.message))?;
            let location = request
                .validated_location()
                .map_err(|e| format!("--probe {}", e.message))?;
            let expires = expires_at
                .as_deref()
                .map(|e| parse_expiry(e, now_ms()))
                .transpose()
                .map_err(|e| format!("--expires-at: {e}"))?;
            let created = issue(store, name, expires, None, location)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "created API token {} ({}); it is shown only this once:",
                created.stored.id, created.stored.name
            );
            println!("{}", created.token);
            Ok(())
        }
        TokenCommand::List => {
            let now = now_ms();
            let tokens = store.list_tokens().await.map_err(|e| e.to_string())?;
            println!("ID\tNAME\tPREFIX\tSCOPE\tCREATED\tLAST USED\tEXPIRES");
            for t in tokens {
                let expires = match t.expires_at {
                    Some(e) if e <= now => format!("{} (expired)", rfc3339(e)),
                    Some(e) => rfc3339(e),
                    None => "never".into(),
                };
                println!(
                    "{}\t{}\t{}…\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.prefix,
                    t.location
                        .as_deref()
                        .map_or_else(|| "full".into(), |l| format!("probe {l}")),
                    rfc3339(t.created_at),
                    t.last_used_at.map_or_else(|| "never".into(), rfc3339),
                    expires
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            revoke(store, id).await.map_err(|e| match e {
                ApiError::NotFound { .. } => format!("there is no API token {id}"),
                e => e.to_string(),
            })?;
            eprintln!("revoked API token {id}");
            Ok(())
        }
    }
}

async fn owner(command: OwnerCommand, store: &Store) -> Result<(), String> {
    match command {
        OwnerCommand::Show => match store.owner().await.map_err(|e| e.to_string())? {
            Some(o) => {
                println!(
                    "{} ({}, signs in via {}), since {}",
                    o.username,
                    o.email.as_deref().unwrap_or("no e-mail"),
                    o.issuer,
                    rfc3339(o.created_at)
                );
                Ok(())
            }
            None => Err("no owner yet: the first sign-in claims Flatline".into()),
        },
        OwnerCommand::Reset => match store.delete_owner().await.map_err(|e| e.to_string())? {
            Some(o) => {
                eprintln!(
                    "removed the owner {} ({}) and ended their sessions; the next sign-in \
                     claims Flatline (local mode: the next start creates `admin` again)",
                    o.username, o.issuer
                );
                Ok(())
            }
            None => Err("there is no owner to reset".into()),
        },
    }
}
