//! Unpublished changes carried over a new revision of their post. When a file changes
//! under a live post that has changes waiting (a pull from Git, a push from CI, a
//! hand edit), the two are merged as Git merges a file: the body line by line and
//! every other field as a whole, against the revision the changes were made on. A
//! merge that is clean moves the changes onto the new revision, so Update publishes
//! both; where both sides changed the same lines or field, the changes wait on their
//! old revision and the editor shows both (Update is refused until they are
//! compared: `admin::content::post_rules::check_base`).

use chrono::SubsecRound;
use serde_json::{Map, Value};

use crate::store::{pending, revisions, Connection, PostDoc, StoreError};

/// What became of a post's unpublished changes when its file changed.
#[derive(Debug, PartialEq)]
pub(super) enum Carried {
    /// No changes wait.
    Nothing,
    /// Merged: they wait on the new revision.
    Over,
    /// The fields both sides changed (`markdown` for the same lines of the body).
    Conflict(Vec<String>),
}

/// After an import made `doc` revision `revision` of post `id`: its unpublished
/// changes merged with it, against the revision they were made on (the one `doc`
/// replaced, or an older one when they were in conflict already).
pub(super) async fn carry_over(
    tx: &mut Connection,
    id: i64,
    revision: i64,
    doc: &PostDoc,
) -> Result<Carried, StoreError> {
    let Some(waiting) = pending::get(tx, id).await? else {
        return Ok(Carried::Nothing);
    };
    if waiting.base_revision >= revision {
        return Ok(Carried::Nothing);
    }
    let Some(base) = revisions::document(tx, id, waiting.base_revision).await? else {
        return Ok(Carried::Nothing);
    };
    match merge(&base, &waiting.document, doc) {
        Ok(merged) => {
            pending::carry(tx, id, revision, &merged).await?;
            Ok(Carried::Over)
        }
        Err(fields) => Ok(Carried::Conflict(fields)),
    }
}

/// The three-way merge of a document: `ours` (the unpublished changes) and `theirs`
/// (the file) both made from `base`. Returns the fields both changed, on conflict.
pub(super) fn merge(
    base: &PostDoc,
    ours: &PostDoc,
    theirs: &PostDoc,
) -> Result<PostDoc, Vec<String>> {
    let [base, ours, theirs] = [base, ours, theirs].map(fields);
    let mut merged = Map::new();
    let mut conflicts = Vec::new();
    for (name, theirs) in theirs {
        let base = base.get(&name).unwrap_or(&Value::Null);
        let ours = ours.get(&name).unwrap_or(&Value::Null);
        let value = if ours == base || ours == &theirs {
            theirs
        } else if &theirs == base {
            ours.clone()
        } else if let (Value::String(b), Value::String(o), Value::String(t)) = (base, ours, &theirs)
        {
            match merge_text(b, o, t) {
                Some(text) => Value::String(text),
                None => {
                    conflicts.push(name);
                    continue;
                }
            }
        } else {
            conflicts.push(name);
            continue;
        };
        merged.insert(name, value);
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    Ok(serde_json::from_value(Value::Object(merged)).expect("fields of a PostDoc make one"))
}

/// The fields of `doc`, its dates in whole seconds as the store keeps them (a
/// revision recorded from the admin may hold a finer one).
fn fields(doc: &PostDoc) -> Map<String, Value> {
    let mut doc = doc.clone();
    doc.published_at = doc.published_at.map(|t| t.trunc_subsecs(0));
    doc.updated_at = doc.updated_at.map(|t| t.trunc_subsecs(0));
    match serde_json::to_value(doc).expect("a PostDoc serializes") {
        Value::Object(fields) => fields,
        _ => unreachable!("a PostDoc is an object"),
    }
}

/// Git's own merge of three texts (libgit2's `git_merge_file`, the one `git merge`
/// runs), so a post merges here as its file would in Git; `None` when the same lines
/// changed on both sides.
fn merge_text(base: &str, ours: &str, theirs: &str) -> Option<String> {
    let (base, ours, theirs) = (input(base), input(ours), input(theirs));
    // `merge_file` does not start libgit2 (its allocator) as git2's other calls do,
    // and fails without a message where nothing else in the process has: `Buf::new`
    // starts it, once.
    drop(git2::Buf::new());
    let merged = git2::merge_file(&base, &ours, &theirs, None).ok()?;
    if !merged.is_automergeable() {
        return None;
    }
    String::from_utf8(merged.content().to_vec()).ok()
}

fn input(text: &str) -> git2::MergeFileInput<'_> {
    let mut input = git2::MergeFileInput::new();
    input.content(text.as_bytes());
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, markdown: &str) -> PostDoc {
        let mut doc: PostDoc = serde_json::from_value(serde_json::json!({
            "type": "post", "slug": "a", "title": title, "status": "published",
            "published_at": null, "updated_at": null, "excerpt": null, "tags": [],
            "authors": [], "featured": false, "featured_image": null,
            "featured_image_alt": null, "featured_image_caption": null,
            "meta_title": null, "meta_description": null, "canonical_url": null,
            "og_title": null, "og_description": null, "og_image": null,
            "twitter_title": null, "twitter_description": null, "twitter_image": null,
            "codeinjection_head": null, "codeinjection_foot": null, "aliases": [],
            "feed_id": null, "markdown": ""
        }))
        .expect("a document");
        doc.markdown = markdown.to_owned();
        doc
    }

    #[test]
    fn other_lines_and_fields_merge_and_the_same_ones_conflict() {
        let base = doc("T", "one\n\ntwo\n\nthree\n");
        let ours = doc("T", "one, mine\n\ntwo\n\nthree\n");
        let theirs = doc("T from Git", "one\n\ntwo\n\nthree, theirs\n");
        let merged = merge(&base, &ours, &theirs).expect("no conflict");
        assert_eq!(merged.markdown, "one, mine\n\ntwo\n\nthree, theirs\n");
        assert_eq!(merged.title, "T from Git");

        let both = doc("T", "one, also theirs\n\ntwo\n\nthree\n");
        assert_eq!(merge(&base, &ours, &both), Err(vec!["markdown".to_owned()]));
        let mut titled = ours.clone();
        titled.title = "T mine".into();
        assert_eq!(
            merge(&base, &titled, &theirs),
            Err(vec!["title".to_owned()])
        );
        // The same change on both sides is no conflict.
        assert_eq!(merge(&base, &ours, &ours), Ok(ours.clone()));
    }
}
