//! Email: a plain-text message with the notice's title as subject, sent over SMTP.

use flatline_types::EmailConfig;

use super::{Mail, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for EmailConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![Request::Email(Mail {
            config: self.clone(),
            subject: notice.title(),
            text: format!("{}\n\n-- \nFlatline\n", notice.text()),
        })]
    }
}
