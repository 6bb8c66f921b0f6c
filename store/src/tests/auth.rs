//! Storage tests for authentication, on SQLite and (in CI) PostgreSQL.

use crate::auth::{NewApiToken, NewUser};
use crate::testing::backends;

fn user(subject: &str) -> NewUser {
    NewUser {
        issuer: "https://idp.example".into(),
        subject: subject.into(),
        username: format!("{subject}@example.test"),
        email: Some(format!("{subject}@example.test")),
        name: None,
        password_hash: None,
    }
}

async fn owner(s: &crate::Store) -> crate::auth::StoredUser {
    s.create_owner(user("o"), 0)
        .await
        .expect("insert")
        .expect("owner")
}

#[actix_rt::test]
async fn the_database_allows_one_owner_even_when_first_logins_race() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let (a, b) =
            futures_util::join!(s.create_owner(user("a"), 1), s.create_owner(user("b"), 1));
        let winners = [a.expect("a"), b.expect("b")].into_iter().flatten().count();
        assert_eq!(winners, 1, "{backend}");
        assert!(
            s.create_owner(user("c"), 2).await.expect("c").is_none(),
            "{backend}"
        );
        assert_eq!(s.count_users().await.expect("count"), 1, "{backend}");
        let owner = s.owner().await.expect("owner").expect("one");
        assert_eq!(
            s.user_by_identity("https://idp.example", &owner.subject)
                .await
                .expect("lookup")
                .map(|u| u.id),
            Some(owner.id)
        );
        // After a reset the next identity claims it.
        assert_eq!(
            s.delete_owner().await.expect("reset").map(|o| o.id),
            Some(owner.id)
        );
        assert!(
            s.create_owner(user("c"), 3).await.expect("c").is_some(),
            "{backend}"
        );
    }
}

#[actix_rt::test]
async fn sessions_expire_and_go_with_their_owner() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let owner = owner(s).await;
        s.insert_session("h1", owner.id, 1_000, 5_000)
            .await
            .expect("session");
        s.insert_session("h2", owner.id, 1_000, 9_000)
            .await
            .expect("session");
        let found = s.session("h1", 4_999).await.expect("read");
        assert_eq!(found.map(|u| u.id), Some(owner.id), "{backend}");
        assert!(
            s.session("h1", 5_000).await.expect("read").is_none(),
            "expired"
        );
        assert!(s.session("nope", 1_000).await.expect("read").is_none());
        s.delete_session("h2").await.expect("logout");
        assert!(
            s.session("h2", 2_000).await.expect("read").is_none(),
            "{backend}"
        );
        s.insert_session("h3", owner.id, 1_000, 9_000)
            .await
            .expect("session");
        s.delete_owner().await.expect("reset");
        assert!(
            s.session("h3", 2_000).await.expect("read").is_none(),
            "{backend}: a deleted owner's sessions end"
        );
    }
}

#[actix_rt::test]
async fn tokens_are_found_by_hash_touched_revoked_and_outlive_their_creator() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let owner = owner(s).await;
        let t = s
            .insert_token(
                NewApiToken {
                    name: "ci".into(),
                    prefix: "flt_abcdefgh".into(),
                    token_hash: "f".repeat(64),
                    created_by: Some(owner.id),
                    expires_at_ms: Some(10_000),
                    location: None,
                },
                1_000,
            )
            .await
            .expect("token");
        let found = s
            .token_by_hash(&"f".repeat(64))
            .await
            .expect("read")
            .expect("found");
        assert_eq!((found.id, found.last_used_at), (t.id, None), "{backend}");
        s.touch_token(t.id, 2_000).await.expect("touch");
        assert_eq!(
            s.list_tokens().await.expect("list")[0].last_used_at,
            Some(2_000)
        );
        // Tokens belong to the instance: resetting the owner keeps automation running.
        s.delete_owner().await.expect("reset");
        let kept = s
            .token_by_hash(&"f".repeat(64))
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(kept.created_by, None, "{backend}");
        assert!(s.delete_token(t.id).await.expect("revoke"));
        assert!(!s.delete_token(t.id).await.expect("revoke again"));
        assert!(s
            .token_by_hash(&"f".repeat(64))
            .await
            .expect("read")
            .is_none());
    }
}

#[actix_rt::test]
async fn a_generated_setting_is_kept_not_overwritten() {
    for (backend, db) in backends().await {
        let s = &db.store;
        assert_eq!(s.setting("jwt_secret").await.expect("read"), None);
        assert_eq!(
            s.setting_or_insert("jwt_secret", "first")
                .await
                .expect("insert"),
            "first"
        );
        assert_eq!(
            s.setting_or_insert("jwt_secret", "second")
                .await
                .expect("insert"),
            "first",
            "{backend}"
        );
    }
}
