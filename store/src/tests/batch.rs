//! Write batches: what a configuration file applies is stored whole or not at all, and keys
//! are unique per kind of resource.

use flatline_types::ChannelConfig;

use crate::testing::{backends, spec};
use crate::{Resource, StoreError};

fn webhook() -> ChannelConfig {
    serde_json::from_value(serde_json::json!({"type": "webhook", "url": "http://127.0.0.1:9/h"}))
        .expect("config")
}

#[actix_rt::test]
async fn a_batch_stores_everything_or_nothing() {
    for (backend, db) in backends().await {
        let s = &db.store;
        // Dropped without a commit: nothing of it is stored.
        {
            let batch = s.batch().await.expect("batch");
            let m = batch
                .insert_monitor(&spec("a"), 1_000)
                .await
                .expect("insert");
            batch
                .mark(Resource::Monitor, m.id, Some("a"), Some("{}"))
                .await
                .expect("mark");
            batch
                .insert_channel("c", &webhook(), true, false, 1_000)
                .await
                .expect("channel");
        }
        assert!(
            s.list_monitors().await.expect("list").is_empty(),
            "{backend}"
        );
        assert!(
            s.list_channels().await.expect("list").is_empty(),
            "{backend}"
        );

        // Committed: all of it, with its key and mark; a default channel made earlier in the
        // batch is linked to a monitor made after it.
        let batch = s.batch().await.expect("batch");
        let c = batch
            .insert_channel("c", &webhook(), true, false, 1_000)
            .await
            .expect("channel");
        let m = batch
            .insert_monitor(&spec("a"), 1_000)
            .await
            .expect("insert");
        batch
            .mark(
                Resource::Monitor,
                m.id,
                Some("a"),
                Some(r#"{"digest":"x"}"#),
            )
            .await
            .expect("mark");
        batch.commit().await.expect("commit");
        let stored = s.get_monitor(m.id).await.expect("get").expect("stored");
        assert_eq!(stored.key.as_deref(), Some("a"), "{backend}");
        assert_eq!(stored.applied.as_deref(), Some(r#"{"digest":"x"}"#));
        let links = s.channel_links().await.expect("links");
        assert_eq!(links.get(&c.id), Some(&vec![m.id]), "{backend}");

        // A key is unique per kind: another monitor cannot take it, a channel can.
        let other = s.insert_monitor(&spec("b"), 2_000).await.expect("insert");
        assert!(
            matches!(
                s.set_key(Resource::Monitor, other.id, Some("a")).await,
                Err(StoreError::Taken("key"))
            ),
            "{backend}"
        );
        s.set_key(Resource::Channel, c.id, Some("a"))
            .await
            .expect("channel key");
        // Links made exactly: replaced, not added to.
        let batch = s.batch().await.expect("batch");
        batch.set_links(m.id, &[], 3_000).await.expect("unlink");
        batch.commit().await.expect("commit");
        // (b was made with the default channel linked; only m's link goes.)
        let links = s.channel_links().await.expect("links");
        assert_eq!(links.get(&c.id), Some(&vec![other.id]), "{backend}");
    }
}
