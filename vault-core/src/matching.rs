//! Matching children with families: the steps of an expression of interest and the score
//! that ranks possible matches.
//!
//! Both halves are pure rules, with no database and no web framework, so that the search page,
//! the link pages and their tests all apply the same ones.
//!
//! - [`link`]: the statuses of a link ([`LinkStatus`]), which organisation ([`Side`]) may take
//!   which step, and the refusals ([`TransitionError`]).
//! - [`score`]: what a child profile needs ([`ChildNeeds`]) against what a family offers
//!   ([`FamilyOffer`]), scored 0 to 100 with a reason for every point gained or lost.

pub mod link;
pub mod score;

pub use link::{check, next_steps, LinkStatus, Side, TransitionError};
pub use score::{
    score, ChildNeeds, FamilyKind, FamilyOffer, LegalStatus, Match, NeedLevel, Needs, Reason,
    YearMonth,
};
