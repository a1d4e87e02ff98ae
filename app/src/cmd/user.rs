//! `folio user ...`: accounts from the command line (through `kubectl exec` on a
//! cluster), including the break-glass TOTP reset.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context, Result};

use folio::admin::password;
use folio::store::{Role, Store};

use crate::cli::UserCommand;

pub(super) async fn run(store: &Store, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => add(store, &name, role, password_stdin).await?,
        UserCommand::List => {
            for account in store.accounts().await? {
                println!(
                    "{}\t{}\t{}\tsince {}",
                    account.username,
                    account.role().as_str(),
                    if account.enrolled() {
                        "2fa"
                    } else {
                        "2fa not set up"
                    },
                    account.created_at
                );
            }
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let account = find(store, &name).await?;
            let typed = read_password(password_stdin)?;
            let hash = tokio::task::spawn_blocking(move || password::hash(&typed)).await?;
            store.set_password(account.id, &hash).await?;
            let ended = store.delete_sessions(account.id).await?;
            store
                .audit(Some("cli"), "password.changed", Some(&name), None, None)
                .await?;
            println!("password of {name} changed; {ended} sessions ended");
        }
        UserCommand::Reset2fa { name } => {
            let account = find(store, &name).await?;
            store.reset_totp(account.id).await?;
            store
                .audit(Some("cli"), "2fa.reset", Some(&name), None, None)
                .await?;
            println!(
                "two-factor login of {name} reset: the next login enrolls a new authenticator"
            );
        }
        UserCommand::Delete { name } => {
            let account = find(store, &name).await?;
            if !store.delete_account(account.id).await? {
                bail!("{name} is the last owner: make another account owner first");
            }
            store
                .audit(Some("cli"), "user.deleted", Some(&name), None, None)
                .await?;
            println!("deleted {name}");
        }
    }
    Ok(())
}

/// `folio user add`: the first account is the owner, whatever role is asked.
async fn add(store: &Store, name: &str, role: Role, password_stdin: bool) -> Result<()> {
    let typed = read_password(password_stdin)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&typed)).await?;
    let first = store.account_count().await? == 0;
    if let Err(taken) = store.add_account(name, role, &hash).await? {
        bail!("cannot add {name:?}: {taken}");
    }
    store
        .audit(
            Some("cli"),
            "user.created",
            Some(name),
            None,
            Some(role.as_str()),
        )
        .await?;
    let role = if first {
        "owner (the first account)"
    } else {
        role.as_str()
    };
    println!("created {name} as {role}; the first login sets up two-factor authentication");
    Ok(())
}

async fn find(store: &Store, name: &str) -> Result<folio::store::Account> {
    store
        .account_named(name)
        .await?
        .with_context(|| format!("no account named {name:?} (folio user list shows them)"))
}

/// From a prompt on a terminal (typed twice), else the first line of standard input.
fn read_password(from_stdin: bool) -> Result<String> {
    let typed = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("password: ")?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    };
    password::check_new(&typed).map_err(anyhow::Error::msg)?;
    Ok(typed)
}
