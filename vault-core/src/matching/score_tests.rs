//! Tests of the match score: worked examples with their exact reasons, and properties that
//! hold for any pair of profiles (range, determinism, every point explained, monotony).

use proptest::prelude::*;

use super::*;

fn month(year: i32, month: u8) -> YearMonth {
    YearMonth::new(year, month).unwrap()
}

fn needs(health: NeedLevel, development: NeedLevel) -> Needs {
    Needs {
        health,
        development,
        education: NeedLevel::None,
        contact: NeedLevel::None,
    }
}

fn child() -> ChildNeeds {
    ChildNeeds {
        births: vec![month(2020, 3), month(2022, 9)],
        needs: needs(NeedLevel::High, NeedLevel::Low),
        region: "North West".to_owned(),
        legal_status: LegalStatus::PlacementOrder,
    }
}

fn family() -> FamilyOffer {
    FamilyOffer {
        kind: FamilyKind::Adoption,
        can_meet: needs(NeedLevel::High, NeedLevel::Medium),
        age_min: 0,
        age_max: 6,
        children_max: 2,
        region: "north west".to_owned(),
    }
}

const TODAY: YearMonth = YearMonth {
    year: 2026,
    month: 12,
};

fn texts(m: &Match) -> Vec<(&str, i32)> {
    m.reasons
        .iter()
        .map(|r| (r.text.as_str(), r.weight))
        .collect()
}

#[test]
fn ages_count_whole_years_from_the_birth_month() {
    assert_eq!(month(2026, 3).years_since(month(2020, 3)), 6);
    assert_eq!(month(2026, 2).years_since(month(2020, 3)), 5);
    assert_eq!(month(2020, 1).years_since(month(2026, 1)), 0);
    assert_eq!(YearMonth::new(2026, 13), None);
    assert_eq!(YearMonth::new(2026, 0), None);
}

#[test]
fn a_family_that_fits_every_rule_scores_100_with_a_reason_for_each() {
    let m = score(&child(), &family(), TODAY);
    assert_eq!(m.score, 100);
    assert_eq!(
        texts(&m),
        vec![
            ("Ages 4 and 6 within their 0\u{2013}6 range", 15),
            (
                "Sibling group of 2, within the up to 2 children they hope for",
                10
            ),
            ("Same region: North West", 10),
            ("Placement order: free to be adopted", 10),
            ("Can meet high health needs", 5),
            ("Can meet low development needs", 5),
        ]
    );
}

#[test]
fn hard_misfits_lower_the_score_strongly_but_still_explain_it() {
    let mut offer = family();
    offer.children_max = 1;
    offer.can_meet.health = NeedLevel::Medium;
    offer.age_max = 4;
    offer.region = "Yorkshire".to_owned();
    offer.kind = FamilyKind::Fostering;
    let m = score(&child(), &offer, TODAY);
    assert_eq!(
        texts(&m),
        vec![
            (
                "Sibling group of 2, more than the 1 child they hope for",
                -40
            ),
            ("Cannot meet high health needs (up to medium)", -25),
            ("Eldest is 6, above their 0\u{2013}4 range", -10),
            ("Region differs: North West vs Yorkshire", -5),
            ("The child's plan is adoption, not fostering", -5),
            ("Can meet low development needs", 5),
        ]
    );
    assert_eq!(m.score, 0, "50 - 80 clamps at 0");
}

#[test]
fn a_single_child_below_the_range_and_unknown_regions() {
    let young = ChildNeeds {
        births: vec![month(2025, 6)],
        needs: needs(NeedLevel::None, NeedLevel::None),
        region: String::new(),
        legal_status: LegalStatus::EarlyPermanence,
    };
    let mut offer = family();
    offer.age_min = 3;
    let m = score(&young, &offer, TODAY);
    assert_eq!(
        texts(&m),
        vec![
            ("Aged 1, below their 3\u{2013}6 range", -10),
            ("One child, within the up to 2 children they hope for", 10),
            ("Early permanence suits approved adopters", 10),
        ]
    );
    assert_eq!(m.score, 60);
}

#[test]
fn age_penalties_grow_by_year_up_to_their_cap() {
    let mut offer = family();
    offer.age_max = 0;
    let old = ChildNeeds {
        births: vec![month(2010, 1)],
        ..child()
    };
    let m = score(&old, &offer, TODAY);
    assert!(m
        .reasons
        .iter()
        .any(|r| r.text == "Aged 16, above their 0\u{2013}0 range" && r.weight == -20));
    assert_eq!(
        m.reasons[0].signed_weight(),
        "-20",
        "the weightiest reason comes first"
    );
}

#[test]
fn legal_status_weighs_against_the_family_kind() {
    let rows = [
        (LegalStatus::InterimCareOrder, FamilyKind::Adoption, -10),
        (LegalStatus::InterimCareOrder, FamilyKind::Fostering, 10),
        (LegalStatus::CareOrder, FamilyKind::Adoption, -5),
        (LegalStatus::Relinquished, FamilyKind::Adoption, 10),
        (LegalStatus::EarlyPermanence, FamilyKind::Fostering, -10),
    ];
    for (status, kind, weight) in rows {
        assert_eq!(legal_reason(status, kind).0, weight, "{status} for {kind}");
    }
}

#[test]
fn stored_names_round_trip() {
    for level in NeedLevel::ALL {
        assert_eq!(level.as_str().parse::<NeedLevel>(), Ok(*level));
    }
    for status in LegalStatus::ALL {
        assert_eq!(status.as_str().parse::<LegalStatus>(), Ok(*status));
    }
    assert_eq!("Adoption".parse::<FamilyKind>(), Err(UnknownName));
    assert_eq!(
        LegalStatus::EarlyPermanence.to_string(),
        "early permanence (Fostering for Adoption)"
    );
}

fn level() -> impl Strategy<Value = NeedLevel> {
    prop::sample::select(NeedLevel::ALL)
}

fn any_needs() -> impl Strategy<Value = Needs> {
    (level(), level(), level(), level()).prop_map(|(health, development, education, contact)| {
        Needs {
            health,
            development,
            education,
            contact,
        }
    })
}

fn any_child() -> impl Strategy<Value = ChildNeeds> {
    let birth = (2005i32..2027, 1u8..=12).prop_map(|(y, m)| month(y, m));
    (
        prop::collection::vec(birth, 0..5),
        any_needs(),
        prop::sample::select(vec!["", "North West", "Yorkshire"]),
        prop::sample::select(LegalStatus::ALL),
    )
        .prop_map(|(births, needs, region, legal_status)| ChildNeeds {
            births,
            needs,
            region: region.to_owned(),
            legal_status,
        })
}

fn any_family() -> impl Strategy<Value = FamilyOffer> {
    (
        prop::sample::select(FamilyKind::ALL),
        any_needs(),
        0u32..18,
        0u32..18,
        0u32..6,
        prop::sample::select(vec!["", "north west", "Yorkshire"]),
    )
        .prop_map(|(kind, can_meet, a, b, children_max, region)| FamilyOffer {
            kind,
            can_meet,
            age_min: a.min(b),
            age_max: a.max(b),
            children_max,
            region: region.to_owned(),
        })
}

proptest! {
    #[test]
    fn every_point_is_explained_and_the_score_is_repeatable(c in any_child(), f in any_family()) {
        let m = score(&c, &f, TODAY);
        let total = BASE + m.reasons.iter().map(|r| r.weight).sum::<i32>();
        prop_assert_eq!(i32::from(m.score), total.clamp(0, 100));
        prop_assert!(m.reasons.iter().all(|r| r.weight != 0 && !r.text.is_empty()));
        prop_assert_eq!(m, score(&c, &f, TODAY));
    }

    #[test]
    fn offering_more_never_lowers_the_score(c in any_child(), f in any_family()) {
        let before = score(&c, &f, TODAY).score;
        let mut more = f.clone();
        more.children_max += 1;
        more.can_meet = Needs {
            health: NeedLevel::High,
            development: NeedLevel::High,
            education: NeedLevel::High,
            contact: NeedLevel::High,
        };
        prop_assert!(score(&c, &more, TODAY).score >= before);
        let mut wider = f;
        wider.age_min = 0;
        wider.age_max = 25;
        prop_assert!(score(&c, &wider, TODAY).score >= before);
    }
}
