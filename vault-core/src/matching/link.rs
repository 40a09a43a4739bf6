//! The life of a link (an expression of interest): its statuses, in order, and who moves it.
//!
//! A link is made by the family's organisation on behalf of a family, for one child profile
//! (one child or a sibling group). From there it moves forward one step at a time:
//!
//! | step | who takes it |
//! | --- | --- |
//! | sent → viewed | the child's side (set when a child-side practitioner first opens it) |
//! | viewed → in discussion | the child's side |
//! | in discussion → reports exchanged | either side |
//! | reports exchanged → visit | the child's side |
//! | visit → matching panel | the child's side |
//! | matching panel → matched | the child's side |
//! | matched → placed | the child's side |
//!
//! Besides the forward step, an open link before *matched* may be **declined** by the child's
//! side (with a reason, which the web app asks for) or **withdrawn** by the family's side.
//! Once a match is agreed at panel, only the placement or closing remain: withdrawing or
//! declining after panel is not a step of this process but a conversation, ended by closing.
//!
//! **Closed** ends a link for good: either side closes a link that was placed, declined or
//! withdrawn (the paperwork is done); the child's side may also close a *matched* link whose
//! placement did not go ahead, because the child's organisation is the one that decides it.
//! Nothing follows *closed*. No step goes back.

use std::fmt;
use std::str::FromStr;

/// Where a link stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkStatus {
    /// The family's organisation sent it; the child's side has not opened it yet.
    Sent,
    /// A practitioner of the child's organisation has opened it.
    Viewed,
    /// The child's side is talking with the family's side about it.
    InDiscussion,
    /// Both sides have shared their reports (child permanence report, family assessment).
    ReportsExchanged,
    /// The family is meeting or visiting.
    Visit,
    /// The match goes to the matching panel.
    MatchingPanel,
    /// The panel recommended the match and it was agreed.
    Matched,
    /// The child lives with the family.
    Placed,
    /// The child's side said no, with a reason.
    Declined,
    /// The family's side took the interest back.
    Withdrawn,
    /// Nothing more happens on it.
    Closed,
}

/// The steps of the main path, in order; declined, withdrawn and closed leave it.
const PATH: [LinkStatus; 8] = [
    LinkStatus::Sent,
    LinkStatus::Viewed,
    LinkStatus::InDiscussion,
    LinkStatus::ReportsExchanged,
    LinkStatus::Visit,
    LinkStatus::MatchingPanel,
    LinkStatus::Matched,
    LinkStatus::Placed,
];

impl LinkStatus {
    /// Every status, in the order a page lists them.
    pub const ALL: [Self; 11] = [
        Self::Sent,
        Self::Viewed,
        Self::InDiscussion,
        Self::ReportsExchanged,
        Self::Visit,
        Self::MatchingPanel,
        Self::Matched,
        Self::Placed,
        Self::Declined,
        Self::Withdrawn,
        Self::Closed,
    ];

    /// The name stored in the database and used in forms.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Viewed => "viewed",
            Self::InDiscussion => "in_discussion",
            Self::ReportsExchanged => "reports_exchanged",
            Self::Visit => "visit",
            Self::MatchingPanel => "matching_panel",
            Self::Matched => "matched",
            Self::Placed => "placed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Closed => "closed",
        }
    }

    /// The status as people read it ("in discussion").
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Viewed => "viewed",
            Self::InDiscussion => "in discussion",
            Self::ReportsExchanged => "reports exchanged",
            Self::Visit => "visit",
            Self::MatchingPanel => "matching panel",
            Self::Matched => "matched",
            Self::Placed => "placed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Closed => "closed",
        }
    }

    /// Whether the link still counts against a family's cap of open links: every status
    /// before an outcome. Placed, declined, withdrawn and closed are outcomes.
    #[must_use]
    pub const fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Placed | Self::Declined | Self::Withdrawn | Self::Closed
        )
    }

    /// The stored names of the open statuses, for SQL `IN (...)` lists.
    #[must_use]
    pub fn open_names() -> Vec<&'static str> {
        Self::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect()
    }

    /// Position on the main path; `None` for declined, withdrawn and closed.
    fn rank(self) -> Option<usize> {
        PATH.iter().position(|s| *s == self)
    }
}

impl fmt::Display for LinkStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// A stored status name that is not one of [`LinkStatus::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a link status")]
pub struct UnknownStatus;

impl FromStr for LinkStatus {
    type Err = UnknownStatus;

    fn from_str(name: &str) -> Result<Self, UnknownStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(UnknownStatus)
    }
}

/// Which of the link's two organisations acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The organisation of the child profile (the child's social worker).
    ChildSide,
    /// The organisation of the family profile (the family's social worker).
    FamilySide,
}

/// Why a step was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransitionError {
    /// The step is allowed from here, but only the other organisation takes it; the side
    /// named is the one that asked.
    WrongSide(Side),
    /// The step is later than the next one: links move one step at a time.
    Skipped,
    /// The step is the current status or an earlier one.
    Backwards,
    /// Declining or withdrawing once the match is agreed; closing is what remains.
    TooLate,
    /// The link has an outcome (or is closed) and the step does not follow from it.
    Finished,
}

impl TransitionError {
    /// The refusal in a sentence: fixed text that pages can show as it is.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Self::WrongSide(Side::ChildSide) => "only the family's organisation takes that step",
            Self::WrongSide(Side::FamilySide) => "only the child's organisation takes that step",
            Self::Skipped => "that step skips ahead: a link moves one step at a time, in order",
            Self::Backwards => "a link does not move back to its current or an earlier step",
            Self::TooLate => {
                "the match is agreed: it is no longer declined or withdrawn, only placed or closed"
            }
            Self::Finished => "the link has an outcome; only closing it remains, once",
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for TransitionError {}

/// Who may move a link from `from` to `to`, or `None` when the step is not in the process.
fn takers(from: LinkStatus, to: LinkStatus) -> Option<&'static [Side]> {
    use LinkStatus as S;
    const CHILD: &[Side] = &[Side::ChildSide];
    const FAMILY: &[Side] = &[Side::FamilySide];
    const EITHER: &[Side] = &[Side::ChildSide, Side::FamilySide];
    let before_matched = from.rank().is_some_and(|r| r < 6);
    match (from, to) {
        (S::InDiscussion, S::ReportsExchanged)
        | (S::Placed | S::Declined | S::Withdrawn, S::Closed) => Some(EITHER),
        (_, S::Declined) if before_matched => Some(CHILD),
        (_, S::Withdrawn) if before_matched => Some(FAMILY),
        (S::Matched, S::Closed) => Some(CHILD),
        _ => match (from.rank(), to.rank()) {
            (Some(f), Some(t)) if t == f + 1 => Some(CHILD),
            _ => None,
        },
    }
}

/// Checks that `side` may move a link from `from` to `to`.
///
/// The order is checked first: a step that is not next in the process is refused as
/// [`TransitionError::Skipped`], [`TransitionError::Backwards`] or
/// [`TransitionError::Finished`] whoever asks; a step that is next but belongs to the other
/// organisation is [`TransitionError::WrongSide`].
pub fn check(from: LinkStatus, to: LinkStatus, side: Side) -> Result<(), TransitionError> {
    let Some(sides) = takers(from, to) else {
        return Err(order_error(from, to));
    };
    if sides.contains(&side) {
        Ok(())
    } else {
        Err(TransitionError::WrongSide(side))
    }
}

fn order_error(from: LinkStatus, to: LinkStatus) -> TransitionError {
    match (from.rank(), to.rank()) {
        _ if from == LinkStatus::Closed || !from.is_open() => TransitionError::Finished,
        (Some(f), Some(t)) if t <= f => TransitionError::Backwards,
        _ if from == to => TransitionError::Backwards,
        _ if matches!(to, LinkStatus::Declined | LinkStatus::Withdrawn) => TransitionError::TooLate,
        _ => TransitionError::Skipped,
    }
}

/// The steps `side` may take from `status`, the forward step first, for a page's buttons.
#[must_use]
pub fn next_steps(status: LinkStatus, side: Side) -> Vec<LinkStatus> {
    LinkStatus::ALL
        .into_iter()
        .filter(|to| check(status, *to, side).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use LinkStatus as S;
    use Side::{ChildSide, FamilySide};

    #[test]
    fn stored_names_round_trip_and_unknown_ones_are_refused() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
        }
        assert_eq!("In discussion".parse::<S>(), Err(UnknownStatus));
        assert_eq!(S::InDiscussion.to_string(), "in discussion");
    }

    #[test]
    fn outcomes_are_not_open() {
        let open: Vec<_> = S::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, PATH[..7].to_vec());
        assert_eq!(S::open_names().len(), 7);
        assert!(!S::open_names().contains(&"placed"));
    }

    #[test]
    fn the_main_path_goes_one_step_at_a_time_by_the_right_side() {
        let child = [
            S::Viewed,
            S::InDiscussion,
            S::Visit,
            S::MatchingPanel,
            S::Matched,
        ];
        for pair in PATH.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            assert_eq!(check(from, to, ChildSide), Ok(()), "{from} -> {to}");
            let family = check(from, to, FamilySide);
            if to == S::ReportsExchanged {
                assert_eq!(family, Ok(()));
            } else {
                assert!(child.contains(&to) || to == S::Placed);
                assert_eq!(family, Err(TransitionError::WrongSide(FamilySide)));
            }
        }
    }

    #[test]
    fn skipping_and_going_back_are_refused_whoever_asks() {
        for side in [ChildSide, FamilySide] {
            assert_eq!(
                check(S::Sent, S::InDiscussion, side),
                Err(TransitionError::Skipped)
            );
            assert_eq!(
                check(S::Viewed, S::Matched, side),
                Err(TransitionError::Skipped)
            );
            assert_eq!(
                check(S::Visit, S::Viewed, side),
                Err(TransitionError::Backwards)
            );
            assert_eq!(
                check(S::Visit, S::Visit, side),
                Err(TransitionError::Backwards)
            );
            assert_eq!(
                check(S::Closed, S::Closed, side),
                Err(TransitionError::Finished)
            );
            assert_eq!(
                check(S::Declined, S::Visit, side),
                Err(TransitionError::Finished)
            );
            assert_eq!(
                check(S::Sent, S::Closed, side),
                Err(TransitionError::Skipped)
            );
        }
    }

    #[test]
    fn decline_and_withdraw_belong_to_one_side_and_end_before_matched() {
        for from in &PATH[..6] {
            assert_eq!(check(*from, S::Declined, ChildSide), Ok(()));
            assert_eq!(
                check(*from, S::Declined, FamilySide),
                Err(TransitionError::WrongSide(FamilySide))
            );
            assert_eq!(check(*from, S::Withdrawn, FamilySide), Ok(()));
            assert_eq!(
                check(*from, S::Withdrawn, ChildSide),
                Err(TransitionError::WrongSide(ChildSide))
            );
        }
        assert_eq!(
            check(S::Matched, S::Declined, ChildSide),
            Err(TransitionError::TooLate)
        );
        assert_eq!(
            check(S::Matched, S::Withdrawn, FamilySide),
            Err(TransitionError::TooLate)
        );
    }

    #[test]
    fn closing_follows_an_outcome_or_a_match_that_did_not_go_ahead() {
        for from in [S::Placed, S::Declined, S::Withdrawn] {
            assert_eq!(check(from, S::Closed, ChildSide), Ok(()));
            assert_eq!(check(from, S::Closed, FamilySide), Ok(()));
        }
        assert_eq!(check(S::Matched, S::Closed, ChildSide), Ok(()));
        assert_eq!(
            check(S::Matched, S::Closed, FamilySide),
            Err(TransitionError::WrongSide(FamilySide))
        );
    }

    #[test]
    fn next_steps_are_exactly_the_allowed_checks() {
        for from in S::ALL {
            for side in [ChildSide, FamilySide] {
                let steps = next_steps(from, side);
                for to in S::ALL {
                    assert_eq!(steps.contains(&to), check(from, to, side).is_ok());
                }
            }
        }
        assert_eq!(next_steps(S::Sent, ChildSide), vec![S::Viewed, S::Declined]);
        assert_eq!(next_steps(S::Sent, FamilySide), vec![S::Withdrawn]);
        assert_eq!(
            next_steps(S::InDiscussion, FamilySide),
            vec![S::ReportsExchanged, S::Withdrawn]
        );
        assert_eq!(
            next_steps(S::Matched, ChildSide),
            vec![S::Placed, S::Closed]
        );
        assert!(next_steps(S::Closed, ChildSide).is_empty());
    }

    #[test]
    fn reasons_match_the_displayed_errors() {
        for err in [
            TransitionError::WrongSide(ChildSide),
            TransitionError::WrongSide(FamilySide),
            TransitionError::Skipped,
            TransitionError::Backwards,
            TransitionError::TooLate,
            TransitionError::Finished,
        ] {
            assert_eq!(err.to_string(), err.reason());
        }
    }
}
