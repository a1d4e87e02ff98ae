//! People: accounts and their roles, invitations, and the author profiles bylines show.

pub(super) mod authors;
pub(super) mod invites;
pub(super) mod users;
