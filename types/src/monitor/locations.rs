//! Where a monitor is checked from: `local` and the locations of remote probes, and how
//! many of them must agree that it is down.

use super::{limits, MonitorKind, MonitorSpec};
use crate::FieldError;

/// The location of the server (or cluster) itself, as opposed to a remote probe's.
pub const LOCAL: &str = "local";

impl MonitorSpec {
    pub(super) fn validate_locations(&self) -> Result<(), FieldError> {
        if self.locations.is_empty() || self.locations.len() > limits::MAX_LOCATIONS {
            return Err(FieldError::new(
                "locations",
                format!("must name 1 to {} locations", limits::MAX_LOCATIONS),
            ));
        }
        for (i, location) in self.locations.iter().enumerate() {
            crate::validate_location(&format!("locations[{i}]"), location)?;
            if self.locations[..i].contains(location) {
                return Err(FieldError::new(
                    format!("locations[{i}]"),
                    format!("`{location}` is listed twice"),
                ));
            }
        }
        if self.kind() == MonitorKind::Push && self.locations != [LOCAL] {
            return Err(FieldError::new(
                "locations",
                "push monitors are pinged, not checked: their location is `local`",
            ));
        }
        if let Some(n) = self.confirm_locations {
            if n == 0 || n as usize > self.locations.len() {
                return Err(FieldError::new(
                    "confirm_locations",
                    format!(
                        "must be between 1 and {} (its locations)",
                        self.locations.len()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// How many locations must see the monitor down: `confirm_locations`, or a majority.
    pub fn confirm(&self) -> u32 {
        self.confirm_locations
            .unwrap_or(self.locations.len() as u32 / 2 + 1)
    }

    /// Whether the server (or cluster) checks it itself.
    pub fn checked_locally(&self) -> bool {
        self.locations.iter().any(|l| l == LOCAL)
    }

    /// Whether it is checked from `location`.
    pub fn checked_from(&self, location: &str) -> bool {
        self.locations.iter().any(|l| l == location)
    }

    /// Whether it is checked from the server alone (no probe): the common case, judged
    /// check by check as it always was.
    pub fn local_only(&self) -> bool {
        self.locations.len() == 1 && self.checked_locally()
    }
}
