//! `folio integration ...`: keys for Ghost's Admin and Content APIs from the command
//! line (scripts, CI, `kubectl exec`), sealed with the server's secret key as the
//! admin seals them.

use anyhow::{bail, Context, Result};

use folio::admin::ghost::keys;
use folio::admin::Keys;
use folio::store::ghost_keys::KeyKind;
use folio::store::{Role, Store};

use crate::cli::{IntegrationCommand, PathArgs};

pub(super) async fn run(
    store: &Store,
    paths: &PathArgs,
    command: IntegrationCommand,
) -> Result<()> {
    match command {
        IntegrationCommand::Add { name, user, json } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 100 {
                bail!("an integration needs a name of 1 to 100 characters");
            }
            let account = match &user {
                Some(user) => store
                    .account_named(user)
                    .await?
                    .with_context(|| format!("no account named {user:?} (folio user list)"))?,
                None => store
                    .accounts()
                    .await?
                    .into_iter()
                    .find(|a| a.role() == Role::Owner)
                    .context("no owner yet: `folio user add NAME` makes the first")?,
            };
            let sealing = Keys::for_store(super::serve::secret_key()?, &paths.db, store).await?;
            let made = keys::make(store, &sealing, account.id, name, KeyKind::Integration).await?;
            store
                .audit(Some("cli"), "integration.created", Some(name), None, None)
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&made)?);
            } else {
                println!(
                    "integration {name} made, acting for {} ({}); shown this once:\n\
                     Admin API key:   {}\nContent API key: {}",
                    account.username,
                    account.role().as_str(),
                    made.admin_key,
                    made.content_key.unwrap_or_default()
                );
            }
        }
        IntegrationCommand::List => {
            for key in store.ghost_keys().await? {
                println!(
                    "{}\t{}\t{}\tsince {}\tlast used {}",
                    key.id,
                    key.kind,
                    key.name,
                    key.created_at,
                    key.last_used_at.as_deref().unwrap_or("never")
                );
            }
        }
        IntegrationCommand::Revoke { id } => {
            let Some(name) = store.revoke_ghost_key(&id).await? else {
                bail!("no key with id {id:?} (folio integration list)");
            };
            store
                .audit(Some("cli"), "integration.revoked", Some(&name), None, None)
                .await?;
            println!("revoked {name} ({id})");
        }
    }
    Ok(())
}
