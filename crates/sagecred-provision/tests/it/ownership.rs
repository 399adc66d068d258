//! Untagged resources, adoption, and the two-key limit.

use sagecred_provision::{
    Error, ProvisionOptions, ResourceKind, Step, apply, discover, teardown_apply, teardown_plan,
};
use serde_json::json;

use crate::{Moto, options, quiet};

#[tokio::test]
async fn untagged_resources_are_adopted_only_when_asked_and_never_torn_down() {
    let moto = Moto::new().await;
    let opts = ProvisionOptions {
        create_access_key: false,
        ..options()
    };
    let trust = json!({"Version": "2012-10-17", "Statement": []});
    moto.iam
        .create_role()
        .role_name(&opts.role_name)
        .path("/team/")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    let desired = moto.desired(&opts);
    let err = discover(&moto.iam, &desired).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotManaged { kind: ResourceKind::Role, name } if name == &opts.role_name),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("not tagged managed-by=sagecred"),
        "{err}"
    );

    // Teardown leaves the untagged role alone.
    let down = teardown_plan(&moto.iam, &desired).await.unwrap();
    assert!(down.steps.iter().any(|s| matches!(
        s,
        Step::Skip {
            kind: ResourceKind::Role,
            ..
        }
    )));
    assert!(
        !down
            .steps
            .iter()
            .any(|s| matches!(s, Step::DeleteRole { .. }))
    );

    let adopting = moto.desired(&ProvisionOptions {
        adopt: true,
        ..opts.clone()
    });
    let plan = discover(&moto.iam, &adopting).await.unwrap();
    assert!(plan.steps.iter().any(|s| matches!(
        s,
        Step::Adopt {
            kind: ResourceKind::Role,
            ..
        }
    )));
    let outcome = apply(&moto.iam, &plan, &quiet).await.unwrap();
    // The ARN comes from GetRole, with the role's path.
    let arn = outcome.role_arn.unwrap();
    assert_eq!(arn.path(), "/team/");
    assert!(
        arn.to_string()
            .ends_with(&format!(":role/team/{}", opts.role_name))
    );
    let got = moto
        .iam
        .get_role()
        .role_name(&opts.role_name)
        .send()
        .await
        .unwrap();
    assert!(
        got.role()
            .unwrap()
            .tags()
            .iter()
            .any(|t| t.key() == "managed-by")
    );
    assert!(discover(&moto.iam, &desired).await.unwrap().is_noop());
    teardown_apply(
        &moto.iam,
        &teardown_plan(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_third_key_is_refused_with_the_existing_keys_named() {
    let moto = Moto::new().await;
    let opts = options();
    let user = opts.user_name.clone().unwrap();
    let desired = moto.desired(&ProvisionOptions {
        create_access_key: false,
        ..opts.clone()
    });
    apply(
        &moto.iam,
        &discover(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let key = moto
            .iam
            .create_access_key()
            .user_name(&user)
            .send()
            .await
            .unwrap();
        ids.push(key.access_key().unwrap().access_key_id().to_owned());
    }
    moto.calls.reset();
    let err = discover(&moto.iam, &moto.desired(&opts)).await.unwrap_err();
    assert_eq!(moto.calls.mutating(), 0);
    let Error::TooManyKeys { masked_key_ids, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(masked_key_ids.len(), 2);
    let message = err.to_string();
    for id in &ids {
        assert!(!message.contains(id.as_str()), "unmasked id in {message}");
        assert!(message.contains(&id[id.len() - 4..]), "{message}");
    }
    assert!(message.contains("already has 2 access keys"), "{message}");

    // Holding one of the two keys is fine: nothing to create.
    let held = moto.desired(&ProvisionOptions {
        held_access_key_id: Some(ids[0].parse().unwrap()),
        ..opts
    });
    assert!(discover(&moto.iam, &held).await.unwrap().is_noop());
    teardown_apply(
        &moto.iam,
        &teardown_plan(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
}
