//! Escalation policies: who hears of a monitor's incident, and when. Step 1's channels hear
//! of the down at once; each later step's channels when its delay has passed and the
//! incident is still open and unacknowledged. The recovery goes to every channel that heard
//! the down. And acknowledgement: a person taking an open incident.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Most steps in a policy.
pub const ESCALATION_STEPS_MAX: usize = 10;
/// Most channels in a step.
pub const ESCALATION_STEP_CHANNELS_MAX: usize = 20;
/// The longest delay of a step: a week, in seconds.
pub const ESCALATION_AFTER_MAX_SECONDS: u32 = 604_800;
/// Longest policy name, in characters.
pub const ESCALATION_NAME_MAX_CHARS: usize = 100;
/// Longest acknowledgement note, in characters.
pub const ACK_NOTE_MAX_CHARS: usize = 1_000;

/// One step of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// Seconds after the incident opened: 0 for the first step, then strictly increasing
    /// (at most 604800, a week).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 604_800))]
    pub after_seconds: u32,
    /// Notification channel ids (1–20).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub channels: Vec<i64>,
}

/// The body of `POST /api/v1/escalation-policies` (and of a `PUT`-like full replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateEscalationPolicy {
    /// 1–100 characters.
    pub name: String,
    /// 1–10 steps; the first at `after_seconds: 0`.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10))]
    pub steps: Vec<EscalationStep>,
}

/// The body of `PATCH /api/v1/escalation-policies/{id}`: what is given replaces what is
/// stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchEscalationPolicy {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10))]
    pub steps: Option<Vec<EscalationStep>>,
}

/// An escalation policy as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationPolicy {
    pub id: i64,
    pub name: String,
    pub steps: Vec<EscalationStep>,
    /// The monitors that use it.
    pub monitor_ids: Vec<i64>,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl CreateEscalationPolicy {
    /// The policy with its name trimmed, or the first field that is wrong (channels are
    /// checked to exist by the server).
    pub fn validated(mut self) -> Result<Self, FieldError> {
        self.name = crate::validate_name("name", &self.name, ESCALATION_NAME_MAX_CHARS)?;
        validate_steps(&self.steps)?;
        Ok(self)
    }
}

/// Checks a policy's steps: 1–10, the first at 0 s, delays strictly increasing up to a
/// week, 1–20 distinct positive channel ids per step.
pub fn validate_steps(steps: &[EscalationStep]) -> Result<(), FieldError> {
    if steps.is_empty() || steps.len() > ESCALATION_STEPS_MAX {
        return Err(FieldError::new("steps", "must have 1 to 10 steps"));
    }
    let mut previous: Option<u32> = None;
    for (i, step) in steps.iter().enumerate() {
        let at = format!("steps[{i}].after_seconds");
        match previous {
            None if step.after_seconds != 0 => {
                return Err(FieldError::new(at, "the first step must be at 0 (at once)"))
            }
            Some(p) if step.after_seconds <= p => {
                return Err(FieldError::new(at, "must be later than the step before it"))
            }
            _ => {}
        }
        if step.after_seconds > ESCALATION_AFTER_MAX_SECONDS {
            return Err(FieldError::new(at, "must be at most 604800 (a week)"));
        }
        previous = Some(step.after_seconds);
        let channels = format!("steps[{i}].channels");
        if step.channels.is_empty() || step.channels.len() > ESCALATION_STEP_CHANNELS_MAX {
            return Err(FieldError::new(channels, "must list 1 to 20 channels"));
        }
        for (j, id) in step.channels.iter().enumerate() {
            if *id < 1 {
                return Err(FieldError::new(
                    format!("{channels}[{j}]"),
                    "must be a channel id",
                ));
            }
            if step.channels[..j].contains(id) {
                return Err(FieldError::new(
                    format!("{channels}[{j}]"),
                    "is listed twice",
                ));
            }
        }
    }
    Ok(())
}

/// The body of `POST /api/v1/incidents/{id}/ack` (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AckIncident {
    /// A word on what is being done (1–1,000 characters; leave it out for none).
    #[serde(default)]
    pub note: Option<String>,
}

impl AckIncident {
    /// The trimmed note, or the error naming `note` (a blank one is refused: leave it out).
    pub fn validated_note(&self) -> Result<Option<String>, FieldError> {
        self.note
            .as_deref()
            .map(|n| crate::validate_text("note", n, ACK_NOTE_MAX_CHARS, true))
            .transpose()
    }
}

/// How an incident was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acknowledgement {
    /// RFC 3339 UTC.
    pub at: String,
    /// A user's name, `token NAME`, or `link` (someone with the link of a notification).
    pub by: String,
    /// `api`, `ui` or `link`.
    pub via: String,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(list: &[(u32, &[i64])]) -> Vec<EscalationStep> {
        list.iter()
            .map(|(after, channels)| EscalationStep {
                after_seconds: *after,
                channels: channels.to_vec(),
            })
            .collect()
    }

    #[test]
    fn steps_start_at_once_and_grow() {
        assert!(validate_steps(&steps(&[(0, &[1]), (20, &[2, 3])])).is_ok());
        for (bad, field) in [
            (steps(&[]), "steps"),
            (steps(&[(5, &[1])]), "steps[0].after_seconds"),
            (steps(&[(0, &[1]), (0, &[2])]), "steps[1].after_seconds"),
            (
                steps(&[(0, &[1]), (604_801, &[2])]),
                "steps[1].after_seconds",
            ),
            (steps(&[(0, &[])]), "steps[0].channels"),
            (steps(&[(0, &[1, 1])]), "steps[0].channels[1]"),
            (steps(&[(0, &[0])]), "steps[0].channels[0]"),
        ] {
            assert_eq!(validate_steps(&bad).expect_err(field).field, field);
        }
    }
}
