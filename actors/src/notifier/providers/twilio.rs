//! Twilio: the Messages API, one SMS per recipient (a form, HTTP Basic with the account SID
//! and auth token).

use flatline_types::TwilioConfig;

use super::{join, segment, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for TwilioConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let url = join(
            &self.url,
            &format!(
                "2010-04-01/Accounts/{}/Messages.json",
                segment(&self.account_sid)
            ),
        );
        let text = sms(notice);
        self.to
            .iter()
            .map(|to| {
                HttpCall::form(&url, &[("To", to), ("From", &self.from), ("Body", &text)])
                    .basic_auth(&self.account_sid, &self.auth_token)
                    .into()
            })
            .collect()
    }
}

/// The title, the cause and the acknowledge link: an SMS is short (Twilio takes 1,600
/// characters).
fn sms(n: &Notice) -> String {
    let mut text = n.title();
    for (label, value) in n.facts() {
        if matches!(label, "Cause" | "Downtime" | "Acknowledge") {
            text.push_str(&format!("\n{label}: {value}"));
        }
    }
    text.chars().take(1600).collect()
}
