//! See who is left out (issue 16, part 7): each family's last eight weeks as a strip of
//! marks (reached by email, on paper, by chat, by hand, or not at all), and one order of
//! the left out, worst first, for the Families screen and `goalpost reach` alike.

mod common;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use goalpost::class::ContactInput;
use goalpost::families::{worst_first, ReachKind, WeekMarks, STRIP_WEEKS};
use goalpost::model::*;
use goalpost::{Clock, Goalpost};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn reopen(gp: &Goalpost, now: DateTime<Utc>) -> Goalpost {
    Goalpost::open(gp.data_dir())
        .unwrap()
        .with_clock(Clock::fixed(now))
}

fn contact(gp: &Goalpost, name: &str, channel: &str, email: Option<&str>, s: StudentId) -> i64 {
    let input = ContactInput {
        name: Some(name.into()),
        email: email.map(Into::into),
        channel: Some(channel.into()),
        ..Default::default()
    };
    gp.add_contact(&input, Some((s, "parent"))).unwrap().id
}

fn news(gp: &Goalpost, s: StudentId) {
    let g = gp.add_goal(s, "I can skip count", "Maths", None).unwrap();
    let e = gp.add_evidence(s, g.id, None, "I did it", "").unwrap();
    gp.approve(&[e.id]).unwrap();
}

/// The strip as (week index, kinds) for the weeks with a mark.
fn marks(weeks: &[WeekMarks]) -> Vec<(usize, Vec<ReachKind>)> {
    assert_eq!(weeks.len(), STRIP_WEEKS);
    weeks
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.kinds.is_empty())
        .map(|(i, w)| (i, w.kinds.clone()))
        .collect()
}

/// A class reached every way over two months; the strip shows each week's ways, and the
/// Families screen and `reach` put the left out first by the same order.
#[test]
fn each_familys_strip_shows_eight_weeks_of_how_they_were_reached() {
    use ReachKind::*;
    // Friday 6 November, 22:00 in Auckland (the class's time zone).
    let (_d, gp) = common::new_class();
    let gp = reopen(&gp, at("2026-11-06T09:00:00Z"));
    let ana = gp.add_student("Ana", "López", None).unwrap().id;
    let ben = gp.add_student("Ben", "Wu", None).unwrap().id;
    let cai = gp.add_student("Cai", "Ngata", None).unwrap().id;
    let dee = gp.add_student("Dee", "Smith", None).unwrap().id;
    let eli = gp.add_student("Eli", "Tui", None).unwrap().id;
    gp.add_student("Fay", "Hohaia", None).unwrap();
    let maria = contact(&gp, "Maria", "email", Some("maria@example.org"), ana);
    let koro = contact(&gp, "Koro", "paper", None, ben);
    let mum = contact(&gp, "Mum Cai", "chat", None, cai);
    let dad = contact(&gp, "Dad Dee", "none", None, dee);
    let uncle = contact(&gp, "Uncle Eli", "none", None, eli);
    // Two weeks ago: Ana's news by email (the outbox folder: no mail server here).
    news(&gp, ana);
    let s = gp.mail_send(&mut |_| {}).unwrap();
    assert_eq!(s.sent, 1, "{s:?}");
    // A phone call and the notebook in the week of 5 October, a visit on Wednesday.
    gp.log_contact_at(dad, "phone", "", Some(at("2026-10-08T01:00:00Z")))
        .unwrap();
    gp.log_contact_at(dad, "notebook", "", Some(at("2026-10-09T01:00:00Z")))
        .unwrap();

    // Now: Friday 20 November. News for Ana (email), Ben (slip) and Cai (chat).
    let gp = reopen(&gp, common::now());
    gp.log_contact_at(dad, "visit", "", Some(at("2026-11-18T01:00:00Z")))
        .unwrap();
    for s in [ana, ben, cai] {
        news(&gp, s);
    }
    let s = gp.mail_send(&mut |_| {}).unwrap();
    assert_eq!((s.sent, s.slips), (1, 1), "{s:?}");

    let strips = |gp: &Goalpost| {
        let v = gp.families_reached().unwrap();
        assert_eq!(v.strip_weeks, 8);
        v.families
            .into_iter()
            .map(|f| (f.contact_id, f))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let f = strips(&gp);
    // The weeks run Monday to Sunday in the class's time zone, this week last.
    let weeks: Vec<NaiveDate> = f[&maria].weeks.iter().map(|w| w.week_of).collect();
    assert_eq!(weeks[0], NaiveDate::from_ymd_opt(2026, 9, 28).unwrap());
    assert_eq!(weeks[7], NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
    assert!(weeks.iter().all(|d| d.weekday() == chrono::Weekday::Mon));
    assert_eq!(
        marks(&f[&maria].weeks),
        [(5, vec![Email]), (7, vec![Email])]
    );
    assert_eq!(marks(&f[&koro].weeks), [(7, vec![Paper])]);
    assert_eq!(
        marks(&f[&mum].weeks),
        [],
        "a chat text not marked sent reached nobody"
    );
    assert_eq!(
        marks(&f[&dad].weeks),
        [(1, vec![ByHand]), (7, vec![ByHand])],
        "two contacts by hand in one week are one mark"
    );
    assert_eq!(marks(&f[&uncle].weeks), []);

    // The chat text marked sent: a chat mark this week.
    let chats = gp.chat_list().unwrap();
    gp.chat_sent(&[chats[0].delivery_id]).unwrap();
    // A slip and a call on the same day: both kinds, in a fixed order.
    gp.log_contact_by_hand(koro, "phone", "").unwrap();
    let f = strips(&gp);
    assert_eq!(marks(&f[&mum].weeks), [(7, vec![Chat])]);
    assert_eq!(marks(&f[&koro].weeks), [(7, vec![Paper, ByHand])]);

    // Worst first: nobody reached Uncle Eli; then the fewest weeks reached.
    let v = gp.families_reached().unwrap();
    let order: Vec<i64> = v.families.iter().map(|f| f.contact_id).collect();
    assert_eq!(order[0], uncle, "{order:?}");
    assert!(
        v.families
            .windows(2)
            .all(|w| worst_first(&w[0].standing(), &w[1].standing()).is_le()),
        "the Families screen is in the core's order"
    );
    let pos = |id| order.iter().position(|c| *c == id).unwrap();
    assert!(pos(koro) < pos(maria) && pos(mum) < pos(dad), "{order:?}");

    // `reach` lists the students in the same order: no contact, then never reached, then
    // the fewest weeks reached; a student's strip is all their contacts'.
    let r = gp.reach(1).unwrap();
    let names: Vec<&str> = r
        .not_reached
        .iter()
        .map(|s| s.display_name.as_str())
        .collect();
    assert_eq!(names, ["Fay", "Eli", "Dee"]);
    assert!(r
        .not_reached
        .windows(2)
        .all(|w| worst_first(&w[0].standing(), &w[1].standing()).is_le()));
    assert_eq!(marks(&r.not_reached[2].weeks), marks(&f[&dad].weeks));
    assert_eq!(marks(&r.not_reached[0].weeks), []);

    // Nine weeks later the October call has left the strip.
    let gp = reopen(&gp, at("2026-12-11T09:00:00Z"));
    let f = strips(&gp);
    assert_eq!(marks(&f[&dad].weeks), [(4, vec![ByHand])]);
}

/// A year of contacts (seeded, bounded): every week, the strips are what the contact log
/// says, computed another way (each entry's local day tested against each week's seven
/// days), across both daylight-saving changes of the class's time zone.
#[test]
fn the_strip_is_the_contact_log_week_by_week_for_a_year() {
    let (_d, gp) = common::new_class();
    let start = at("2026-01-05T00:00:00Z");
    let gp = reopen(&gp, start);
    let mut contacts = Vec::new();
    for (i, name) in ["Ana", "Ben", "Cai", "Dee"].iter().enumerate() {
        let s = gp.add_student(name, "Test", None).unwrap().id;
        contacts.push(contact(&gp, &format!("Parent {i}"), "none", None, s));
    }
    let tz: chrono_tz::Tz = "Pacific/Auckland".parse().unwrap();
    let methods = [
        "email", "digest", "paper", "chat", "phone", "notebook", "visit", "meeting", "other",
    ];
    let mut seed: u64 = 0x1eff_0016;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut checked = 0;
    for day in 0..364 {
        let now = start + Duration::days(day) + Duration::hours(next(24) as i64);
        let gp = reopen(&gp, now);
        // Some days nobody is reached; some days one or two families, any way.
        for _ in 0..next(3) {
            let c = contacts[next(contacts.len())];
            let m = methods[next(methods.len())];
            let when = now - Duration::minutes(next(600) as i64);
            goalpost::store::contact_log::insert(gp.store().conn(), c, when, m, "", None).unwrap();
        }
        if day % 7 != 3 {
            continue;
        }
        let log = goalpost::store::contact_log::list(gp.store().conn(), None).unwrap();
        let today = now.with_timezone(&tz).date_naive();
        let this_monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        for f in gp.families_reached().unwrap().families {
            for (i, w) in f.weeks.iter().enumerate() {
                let monday = this_monday - Duration::weeks((STRIP_WEEKS - 1 - i) as i64);
                assert_eq!(w.week_of, monday, "day {day}");
                let days: Vec<NaiveDate> = (0..7).map(|k| monday + Duration::days(k)).collect();
                let mut want: Vec<ReachKind> = log
                    .iter()
                    .filter(|e| e.contact_id == f.contact_id)
                    .filter(|e| days.contains(&e.at.with_timezone(&tz).date_naive()))
                    .filter_map(|e| ReachKind::of_method(&e.method))
                    .collect();
                want.sort();
                want.dedup();
                assert_eq!(w.kinds, want, "day {day}, {}, week of {monday}", f.name);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 52 * 4);
}

/// Every method of the contact log has a kind on the strip.
#[test]
fn every_contact_log_method_has_a_mark() {
    for m in goalpost::store::contact_log::METHODS {
        assert!(ReachKind::of_method(m).is_some(), "{m}");
    }
}
