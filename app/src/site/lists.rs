//! The pages of a build besides posts' own: the home page and the tag and author
//! lists (paginated), the redirect page of each alias, old slug and plain redirect
//! of `content/redirects.yaml`, and the 404 page.

use super::plan::RenderPlan;
use super::PublishError;
use crate::content::{is_generated, is_reserved};
use crate::output::SiteWriter;
use crate::render::seo;
use crate::render::views::{
    self, author_url, output_path, page_url, post_url, redirect_page, tag_url, Paginator,
};

/// One output file to render, besides posts' pages.
pub(super) enum Job {
    List {
        list: List,
        page: usize,
    },
    Alias {
        post: usize,
        alias: usize,
    },
    /// The page of a slug a tag or an author had before a rename.
    OldSlug {
        of: Renamed,
        alias: usize,
    },
    /// A plain-path redirect of `content/redirects.yaml` (by index).
    Redirect(usize),
    NotFound,
}

/// A tag or an author, whose old slugs redirect.
#[derive(Clone, Copy)]
pub(super) enum Renamed {
    Tag(usize),
    Author(usize),
}

#[derive(Clone, Copy)]
pub(super) enum List {
    Home,
    Tag(usize),
    Author(usize),
}

/// Every job of a build of `plan`'s snapshot.
pub(super) fn jobs(plan: &RenderPlan) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let per_page = plan.input.config.posts_per_page;
    let lists = std::iter::once((List::Home, plan.lists.posts.len()))
        .chain(
            plan.lists
                .by_tag
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(t, p)| (List::Tag(t), p.len())),
        )
        .chain(
            plan.lists
                .by_author
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(a, p)| (List::Author(a), p.len())),
        );
    // Redirect pages never take a list page's or a generated file's address.
    let mut taken = std::collections::HashSet::new();
    for (list, count) in lists {
        let pages = count.div_ceil(per_page).max(1);
        taken.extend((1..=pages).map(|page| output_path(&list_url(plan, list, page))));
        jobs.extend((1..=pages).map(|page| Job::List { list, page }));
    }
    let snapshot = plan.input.snapshot;
    for (i, post) in snapshot.posts.iter().enumerate() {
        let aliases = post.post.doc.aliases.iter().enumerate();
        // Aliases are checked at save; one stored before the rule is left out.
        let kept = aliases.filter(|(_, a)| !is_reserved(a) && !taken.contains(&output_path(a)));
        jobs.extend(kept.map(|(alias, _)| Job::Alias { post: i, alias }));
    }
    // A post's page wins over a redirect page at its address (`folio serve` still
    // redirects: redirects come first, as in Ghost); an alias is a redirect already.
    taken.extend(snapshot.posts.iter().flat_map(|p| {
        let doc = &p.post.doc;
        std::iter::once(output_path(&post_url(&doc.slug)))
            .chain(doc.aliases.iter().map(|a| output_path(a)))
    }));
    for (t, tag) in snapshot.tags.iter().enumerate() {
        let of = Renamed::Tag(t);
        let kept = (tag.aliases.iter().enumerate())
            .filter(|(_, a)| !taken.contains(&output_path(&tag_url(a))));
        jobs.extend(kept.map(|(alias, _)| Job::OldSlug { of, alias }));
    }
    for (a, author) in snapshot.authors.iter().enumerate() {
        let of = Renamed::Author(a);
        let kept = (author.aliases.iter().enumerate())
            .filter(|(_, a)| !taken.contains(&output_path(&author_url(a))));
        jobs.extend(kept.map(|(alias, _)| Job::OldSlug { of, alias }));
    }
    let mut seen = std::collections::HashSet::new();
    // A file of the site at a redirect's address answers for it (Ghost's old media).
    let files: std::collections::HashSet<&str> =
        plan.input.media.iter().map(|m| m.rel.as_str()).collect();
    for (r, rule) in plan.input.redirects.iter().enumerate() {
        if let Some(path) = rule.plain_path() {
            let file = output_path(&path);
            let rel = path.trim_start_matches('/');
            let rel = crate::disk::confine::decoded(rel).unwrap_or_else(|| rel.to_owned());
            let is_file = files.contains(rel.as_str());
            // The first rule for a path is the one that answers.
            if !is_generated(&path) && !is_file && !taken.contains(&file) && seen.insert(file) {
                jobs.push(Job::Redirect(r));
            }
        }
    }
    jobs.push(Job::NotFound);
    jobs
}

/// The address of page `page` of `list`.
fn list_url(plan: &RenderPlan, list: List, page: usize) -> String {
    let snapshot = plan.input.snapshot;
    let base = match list {
        List::Home => "/".to_owned(),
        List::Tag(t) => tag_url(&snapshot.tags[t].slug),
        List::Author(a) => author_url(&snapshot.authors[a].slug),
    };
    page_url(&base, page)
}

impl RenderPlan<'_> {
    pub(super) fn render(&self, job: &Job, writer: &SiteWriter) -> Result<(), PublishError> {
        match *job {
            Job::List { list, page } => self.render_list(list, page, writer),
            Job::Alias { post, alias } => {
                let doc = &self.input.snapshot.posts[post].post.doc;
                let from = &doc.aliases[alias];
                // As the post's summary has them, without making it.
                let url = post_url(&doc.slug);
                let permalink = views::permalink(&self.input.config.base_url, &doc.slug);
                let rel = output_path(from);
                writer.put(
                    &rel,
                    redirect_page(&url, &permalink).as_bytes(),
                    &format!("alias {from} of {url}"),
                )?;
                Ok(())
            }
            Job::OldSlug { of, alias } => {
                let snapshot = self.input.snapshot;
                let (from, to) = match of {
                    Renamed::Tag(t) => {
                        let tag = &snapshot.tags[t];
                        (tag_url(&tag.aliases[alias]), tag_url(&tag.slug))
                    }
                    Renamed::Author(a) => {
                        let author = &snapshot.authors[a];
                        (author_url(&author.aliases[alias]), author_url(&author.slug))
                    }
                };
                let permalink = format!("{}{to}", self.input.config.base_url);
                writer.put(
                    &output_path(&from),
                    redirect_page(&to, &permalink).as_bytes(),
                    &format!("old address {from} of {to}"),
                )?;
                Ok(())
            }
            Job::Redirect(r) => {
                let rule = &self.input.redirects[r];
                let from = rule.plain_path().expect("a job only for plain paths");
                let permalink = seo::absolute(&self.input.config.base_url, &rule.to);
                writer.put(
                    &output_path(&from),
                    redirect_page(&rule.to, &permalink).as_bytes(),
                    &format!("the redirect {from} -> {}", rule.to),
                )?;
                Ok(())
            }
            Job::NotFound => {
                let mut context = self.page();
                // Served with a 404 status, which is what keeps it out of search
                // results (as Ghost, Hugo and Zola do); a `noindex` would only fail
                // audits of the page itself.
                let seo = seo::for_list(
                    &self.site,
                    format!("{} - {}", self.phrase("not_found", &[]), self.site.title),
                    self.site.description.to_owned(),
                    "/404.html",
                );
                context.insert("seo", &seo);
                context.insert("page_kind", "404");
                self.emit(
                    writer,
                    "404.html".to_owned(),
                    "404.html",
                    context,
                    "the 404 page".to_owned(),
                )
            }
        }
    }

    /// Keeps the page `page` of `list` as the last build made it, when the last build
    /// shows its inputs unchanged. Returns whether it did.
    fn keep_list(
        &self,
        list: List,
        page: usize,
        writer: &SiteWriter,
    ) -> Result<bool, PublishError> {
        let Some(unchanged) = &self.unchanged else {
            return Ok(false);
        };
        let unchanged = match list {
            List::Home => unchanged.home(page),
            List::Tag(t) => unchanged.tag(t, page),
            List::Author(a) => unchanged.author(a, page),
        };
        let url = list_url(self, list, page);
        self.keep_unchanged(writer, unchanged, output_path(&url), || {
            format!("list {url}")
        })
    }

    fn render_list(
        &self,
        list: List,
        page: usize,
        writer: &SiteWriter,
    ) -> Result<(), PublishError> {
        let snapshot = self.input.snapshot;
        let featured = self.featured(list, page);
        // The featured posts are not among the list's own: the page's key sees them.
        if featured.is_empty() && self.keep_list(list, page, writer)? {
            return Ok(());
        }
        let per_page = self.input.config.posts_per_page;
        let mut context = self.page();
        let (items, base, template, title, description) = self.list_parts(list, &mut context);
        let total = items.len().div_ceil(per_page).max(1);
        let shown: Vec<usize> = items
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .copied()
            .collect();
        let url = page_url(&base, page);
        let title = if page > 1 {
            let page = page.to_string();
            format!("{title} {}", self.phrase("page_n", &[("n", &page)]))
        } else {
            title
        };
        let mut seo = seo::for_list(&self.site, title, description, &url);
        if let List::Tag(t) = list {
            seo.with_image(&self.site, snapshot.tags[t].feature_image.as_deref());
        }
        context.insert("seo", &seo);
        context.insert_posts("posts", shown, &self.summary_hashes);
        context.insert_posts("featured", featured, &self.summary_hashes);
        context.insert("paginator", &Paginator::new(&base, page, total));
        context.insert("page_kind", template.trim_end_matches(".html"));
        self.emit(
            writer,
            output_path(&url),
            template,
            context,
            format!("list {url}"),
        )
    }

    /// What a list page shows (its posts, address, template, title and description);
    /// a tag's or author's page also has them in `context`.
    fn list_parts(
        &self,
        list: List,
        context: &mut super::keys::PageContext,
    ) -> (&Vec<usize>, String, &'static str, String, String) {
        let snapshot = self.input.snapshot;
        let design = &self.input.config.design;
        match list {
            List::Home => (
                &self.lists.posts,
                "/".to_owned(),
                "index.html",
                (design.meta_title.clone().filter(|t| !t.is_empty()))
                    .unwrap_or_else(|| self.site.title.to_owned()),
                (design.meta_description.clone().filter(|d| !d.is_empty()))
                    .unwrap_or_else(|| self.site.description.to_owned()),
            ),
            List::Tag(t) => {
                let tag = views::tag_ref(snapshot, t);
                let description = tag
                    .meta_description
                    .clone()
                    .or_else(|| tag.description.clone())
                    .unwrap_or_else(|| self.phrase("posts_tagged", &[("name", &tag.name)]));
                let title = tag
                    .meta_title
                    .clone()
                    .unwrap_or_else(|| format!("{} - {}", tag.name, self.site.title));
                context.insert("tag_image", &self.image_set(tag.feature_image.as_deref()));
                context.insert("tag", &tag);
                (
                    &self.lists.by_tag[t],
                    tag_url(&tag.slug),
                    "tag.html",
                    title,
                    description,
                )
            }
            List::Author(a) => {
                let author = views::author_ref(snapshot, a);
                let description = author
                    .bio
                    .clone()
                    .unwrap_or_else(|| self.phrase("posts_by", &[("name", &author.name)]));
                let title = format!("{} - {}", author.name, self.site.title);
                context.insert(
                    "author_image",
                    &self.image_set(author.profile_image.as_deref()),
                );
                context.insert("author", &author);
                (
                    &self.lists.by_author[a],
                    author_url(&author.slug),
                    "author.html",
                    title,
                    description,
                )
            }
        }
    }

    /// The variants of the site's image at `src`, for a `srcset`.
    fn image_set(&self, src: Option<&str>) -> Option<crate::images::html::ImageSet> {
        src.and_then(|src| self.input.images.find(src))
            .map(|image| image.set())
    }

    /// The featured posts the first page of the home shows before the others, newest
    /// first (three at most, as Ghost's themes show them).
    fn featured(&self, list: List, page: usize) -> Vec<usize> {
        if !matches!(list, List::Home) || page != 1 {
            return Vec::new();
        }
        let posts = &self.input.snapshot.posts;
        (self.lists.posts.iter())
            .filter(|&&i| posts[i].post.doc.featured)
            .take(3)
            .copied()
            .collect()
    }
}
