//! What the last build into a folder was made of, so that a build after a few edits
//! keys again only the pages those edits can reach.
//!
//! A page's key hashes everything it is made of; most of that is the same from one
//! build to the next and known without hashing: with the same theme and configuration
//! (the caller's promise), a post's page changes only with the post itself or its
//! neighbours' summaries, and a list page only with the summaries it lists. Pages
//! whose inputs provably did not change keep their last key, and their file is trusted
//! to be as the last build wrote it.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::store::tags::Tag;
use crate::store::{Kind, Snapshot};

/// The hash of a post's summary (its JSON): what lists and neighbours take of a post.
pub(super) type SummaryHash = [u8; 32];

/// The last build into a folder, as the next one needs it.
pub(super) struct LastBuild {
    /// Posts the store changed since (added, edited, hidden, deleted): their summary
    /// and page are made again whatever else holds.
    pub changed: HashSet<i64>,
    /// Every post the last build showed, newest first.
    posts: Vec<LastPost>,
    /// Index into `posts` by post id.
    index: HashMap<i64, usize>,
}

struct LastPost {
    /// The hash of its Markdown then.
    body: String,
    kind: Kind,
    tags: Vec<usize>,
    authors: Vec<usize>,
    hash: SummaryHash,
}

impl LastBuild {
    /// The last build showed `snapshot`, whose posts' summaries hashed to `hashes`
    /// (in the snapshot's order); `changed` are the posts changed since.
    pub(super) fn new(snapshot: &Snapshot, hashes: &[SummaryHash], changed: HashSet<i64>) -> Self {
        let posts = snapshot
            .posts
            .iter()
            .zip(hashes)
            .map(|(p, hash)| LastPost {
                body: p.digest.hash.clone(),
                kind: p.post.doc.kind,
                tags: p.tags.clone(),
                authors: p.authors.clone(),
                hash: *hash,
            })
            .collect();
        let index = snapshot
            .posts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.post.id, i))
            .collect();
        Self {
            changed,
            posts,
            index,
        }
    }

    /// The hash of the Markdown of the post `id` in the last build.
    pub(super) fn body_of(&self, id: i64) -> Option<&str> {
        self.index.get(&id).map(|&i| self.posts[i].body.as_str())
    }

    /// The summary hash of the post `id`, when it is the same as the last build's.
    pub(super) fn hash_of(&self, id: i64) -> Option<SummaryHash> {
        if self.changed.contains(&id) {
            return None;
        }
        self.index.get(&id).map(|&i| self.posts[i].hash)
    }
}

/// The lists of a build, as indexes of its posts: every post (not page), and the
/// posts of each tag (public tags only) and author, newest first.
pub(super) struct Lists {
    pub posts: Vec<usize>,
    pub by_tag: Vec<Vec<usize>>,
    pub by_author: Vec<Vec<usize>>,
}

/// How far from a post, in each of its tags' lists, related posts are looked for: the
/// nearest in time, so that finding them costs the same on a site of any size.
const RELATED_NEAR: usize = 12;
/// How many related posts a post shows (as Ghost's themes do).
const RELATED: usize = 3;

impl Lists {
    /// The posts related to the post at `i` (its tags `tags`): those sharing the most
    /// of its public tags, then the nearest in time; none for a page.
    pub(super) fn related(&self, i: usize, tags: &[usize]) -> Vec<usize> {
        if self.posts.binary_search(&i).is_err() {
            return Vec::new();
        }
        // Every post near it in each of its tags' lists, once per tag; sorted, a post's
        // run is how many tags it shares. (Counting by search in a list of pairs cost a
        // one-edit build at 10k posts a quarter of its CPU: this runs twice per post.)
        let mut near: Vec<usize> = Vec::with_capacity(tags.len() * (2 * RELATED_NEAR + 1));
        for &t in tags {
            // Internal tags have no list.
            let list = &self.by_tag[t];
            let at = list.binary_search(&i).unwrap_or_else(|at| at);
            let window =
                &list[at.saturating_sub(RELATED_NEAR)..(at + RELATED_NEAR + 1).min(list.len())];
            near.extend(window.iter().filter(|&&other| other != i));
        }
        near.sort_unstable();
        let mut shared: Vec<(usize, usize)> = Vec::with_capacity(near.len());
        for post in near {
            match shared.last_mut() {
                Some((last, count)) if *last == post => *count += 1,
                _ => shared.push((post, 1)),
            }
        }
        shared.sort_unstable_by(|a, b| {
            (b.1.cmp(&a.1))
                .then(a.0.abs_diff(i).cmp(&b.0.abs_diff(i)))
                .then(a.0.cmp(&b.0))
        });
        shared
            .into_iter()
            .take(RELATED)
            .map(|(post, _)| post)
            .collect()
    }

    /// The lists of `posts` (kind, tag indexes, author indexes; newest first).
    pub(super) fn of<'a>(
        posts: impl Iterator<Item = (Kind, &'a [usize], &'a [usize])>,
        tags: &[Tag],
        authors: usize,
    ) -> Self {
        let mut lists = Lists {
            posts: Vec::new(),
            by_tag: vec![Vec::new(); tags.len()],
            by_author: vec![Vec::new(); authors],
        };
        for (i, (kind, post_tags, post_authors)) in posts.enumerate() {
            if kind != Kind::Post {
                continue;
            }
            lists.posts.push(i);
            for &t in post_tags {
                if !tags[t].internal {
                    lists.by_tag[t].push(i);
                }
            }
            for &a in post_authors {
                lists.by_author[a].push(i);
            }
        }
        lists
    }

    /// The posts before (newer) and after (older) the post at `i`, if it is a post.
    pub(super) fn neighbours(&self, i: usize) -> Option<(Option<usize>, Option<usize>)> {
        let at = self.posts.binary_search(&i).ok()?;
        let newer = at.checked_sub(1).map(|a| self.posts[a]);
        let older = self.posts.get(at + 1).copied();
        Some((newer, older))
    }
}

/// When the build's lists are the last build's, post for post (edits that moved no post
/// and changed no public tag), whether each post is near, in one of its tags' lists, a
/// post whose summary changed: only those can have other related posts to show. Finding
/// the related posts of every post, twice, took a quarter of a one-edit build at 10k.
/// None when the lists differ: every post is compared then.
fn near_changed(
    last: &LastBuild,
    snapshot: &Snapshot,
    hashes: &[SummaryHash],
    lists: &Lists,
    before: &Lists,
) -> Option<Vec<bool>> {
    let aligned = last.posts.len() == snapshot.posts.len()
        && (snapshot.posts.iter().enumerate()).all(|(i, p)| last.index.get(&p.post.id) == Some(&i))
        && before.posts == lists.posts
        && before.by_tag == lists.by_tag
        && before.by_author == lists.by_author;
    if !aligned {
        return None;
    }
    let mut near = vec![false; snapshot.posts.len()];
    let changed = (0..hashes.len()).filter(|&k| hashes[k] != last.posts[k].hash);
    for k in changed {
        for &t in &snapshot.posts[k].tags {
            // Related posts are found within RELATED_NEAR of a post in a tag's list, so
            // a post is another's candidate exactly when that one is within its reach.
            let list = &lists.by_tag[t];
            let Ok(at) = list.binary_search(&k) else {
                continue;
            };
            let reach = at.saturating_sub(RELATED_NEAR)..(at + RELATED_NEAR + 1).min(list.len());
            for &other in &list[reach] {
                near[other] = true;
            }
        }
    }
    Some(near)
}

/// The posts page `p` (from 0) of `list` shows.
fn page(list: &[usize], p: usize, per_page: usize) -> &[usize] {
    let end = ((p + 1) * per_page).min(list.len());
    &list[(p * per_page).min(end)..end]
}

/// Which pages of a build have the same inputs as in the last build.
pub(super) struct Unchanged {
    /// By post index: the post's page.
    pages: Vec<bool>,
    /// By list, by page number from 1 (at index 0).
    home: Vec<bool>,
    tags: Vec<Vec<bool>>,
    authors: Vec<Vec<bool>>,
}

impl Unchanged {
    /// Compares the build of `snapshot` (its summaries hashing to `hashes`, its lists
    /// `lists`, `per_page` posts to a list page) with `last`. The snapshot's tags and
    /// authors must be the last build's.
    pub(super) fn compare(
        last: &LastBuild,
        snapshot: &Snapshot,
        hashes: &[SummaryHash],
        lists: &Lists,
        per_page: usize,
    ) -> Self {
        let before = Lists::of(
            last.posts
                .iter()
                .map(|p| (p.kind, p.tags.as_slice(), p.authors.as_slice())),
            &snapshot.tags,
            snapshot.authors.len(),
        );
        // A list page shows its posts' summaries and where it is among as many pages.
        let same = |was: &[usize], is: &[usize]| {
            let pages = is.len().div_ceil(per_page).max(1);
            if was.len().div_ceil(per_page).max(1) != pages {
                return vec![false; pages];
            }
            (0..pages)
                .map(|p| {
                    let then = page(was, p, per_page).iter().map(|&i| last.posts[i].hash);
                    let now = page(is, p, per_page).iter().map(|&i| hashes[i]);
                    then.eq(now)
                })
                .collect()
        };
        let near_changed = near_changed(last, snapshot, hashes, lists, &before);
        let pages = snapshot
            .posts
            .par_iter()
            .enumerate()
            .map(|(i, post)| {
                let id = post.post.id;
                let Some(&j) = last.index.get(&id).filter(|_| !last.changed.contains(&id)) else {
                    return false;
                };
                let now = |i: Option<usize>| i.map(|i| hashes[i]);
                let then = |j: Option<usize>| j.map(|j| last.posts[j].hash);
                match (lists.neighbours(i), before.neighbours(j)) {
                    (Some((newer, older)), Some((was_newer, was_older))) => {
                        let same_related = || {
                            let related = lists.related(i, &post.tags).into_iter();
                            let was_related = before.related(j, &last.posts[j].tags).into_iter();
                            related
                                .map(|k| hashes[k])
                                .eq(was_related.map(|k| last.posts[k].hash))
                        };
                        now(newer) == then(was_newer)
                            && now(older) == then(was_older)
                            && (near_changed.as_ref().is_some_and(|near| !near[i])
                                || same_related())
                    }
                    (None, None) => true,
                    _ => false,
                }
            })
            .collect();
        Self {
            pages,
            home: same(&before.posts, &lists.posts),
            tags: (0..lists.by_tag.len())
                .map(|t| same(&before.by_tag[t], &lists.by_tag[t]))
                .collect(),
            authors: (0..lists.by_author.len())
                .map(|a| same(&before.by_author[a], &lists.by_author[a]))
                .collect(),
        }
    }

    /// Whether the page of the post at `i` has the same inputs as last time.
    pub(super) fn page(&self, i: usize) -> bool {
        self.pages[i]
    }

    /// Whether page `page` (from 1) of the home list has the same inputs as last time.
    pub(super) fn home(&self, page: usize) -> bool {
        self.home[page - 1]
    }

    pub(super) fn tag(&self, t: usize, page: usize) -> bool {
        self.tags[t][page - 1]
    }

    pub(super) fn author(&self, a: usize, page: usize) -> bool {
        self.authors[a][page - 1]
    }
}
