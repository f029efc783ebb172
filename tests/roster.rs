//! The roster CSV as teachers export it from Excel and Google Sheets: all or nothing,
//! every bad row reported, re-import a no-op, an edited file an update.

mod common;

use common::*;
use goalpost::{Channel, Error, Purpose};

const HEADER: &str = "student_first_name,student_last_name,contact_name,contact_email,contact_language,contact_channel,contact_relationship,photo_consent,name_consent,blog_consent";

fn csv(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn good() -> String {
    csv(&[
        "Aroha,Ngata,Hine Ngata,hine@example.org,mi,email,mother,yes,yes,yes",
        "Aroha,Ngata,Nana Rose,,en,paper,grandmother,yes,yes,yes",
        "Mateo,García,\"García, Carlos\",carlos@example.org,es,weekly,father,no,yes,yes",
        // A sibling: the same contact, a second student.
        "Lucía,García,\"García, Carlos\",carlos@example.org,es,weekly,father,no,no,yes",
        // A student with no contact.
        "Zoë,Müller,,,,,,no,no,no",
    ])
}

#[test]
fn a_good_file_imports_students_contacts_links_and_consents() {
    let (_d, gp) = new_class();
    let r = gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    assert_eq!(r.rows, 5);
    assert_eq!(r.students_added, 4);
    assert_eq!(r.contacts_added, 3);
    assert_eq!(r.links_changed, 4);

    let students = gp.students().unwrap();
    let names: Vec<_> = students.iter().map(|s| s.first_name.as_str()).collect();
    assert_eq!(names, ["Aroha", "Lucía", "Mateo", "Zoë"]);

    let carlos = gp.find_contact("carlos@example.org").unwrap();
    assert_eq!(carlos.name, "García, Carlos");
    assert_eq!(carlos.channel, Channel::Weekly);
    assert_eq!(carlos.language, "es");
    assert_eq!(carlos.students.len(), 2, "siblings share one contact");

    let nana = gp.find_contact("Nana Rose").unwrap();
    assert_eq!(
        (nana.email.as_deref(), nana.channel),
        (None, Channel::Paper)
    );
    assert_eq!(nana.students[0].relationship, "grandmother");

    let mateo = gp.find_student("Mateo").unwrap();
    let c = gp.consents(mateo.id).unwrap();
    assert!(!c.allows(Purpose::PhotoOnBlog));
    assert!(c.allows(Purpose::NameOnBlog) && c.allows(Purpose::Blog));
    assert_eq!(
        c.get(Purpose::Blog).unwrap().given_by,
        "roster import (class.csv)"
    );
    let zoe = gp.find_student("Zoë").unwrap();
    assert!(gp
        .contacts()
        .unwrap()
        .iter()
        .all(|c| c.students.iter().all(|l| l.student_id != zoe.id)));
}

#[test]
fn importing_the_same_file_twice_changes_nothing() {
    let (d, gp) = new_class();
    gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    let before = dump(&d.path().join("class"));
    let r = gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    assert!(!r.changed_anything(), "{r:?}");
    assert_eq!(before, dump(&d.path().join("class")));
}

#[test]
fn an_edited_file_updates_rather_than_duplicates() {
    let (_d, gp) = new_class();
    gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    let edited = csv(&[
        // Hine's address changed and she prefers weekly now; photo consent withdrawn.
        "Aroha,Ngata,Hine Ngata,hine.ngata@example.org,mi,weekly,mother,no,yes,yes",
        "Aroha,Ngata,Nana Rose,,en,paper,grandmother,no,yes,yes",
        "Mateo,García,\"García, Carlos\",carlos@example.org,es,weekly,father,no,yes,yes",
        "Lucía,García,\"García, Carlos\",carlos@example.org,es,weekly,father,no,no,yes",
        "Zoë,Müller,,,,,,no,no,no",
    ]);
    let r = gp.import_roster(edited.as_bytes(), "class.csv").unwrap();
    assert_eq!((r.students_added, r.contacts_added), (0, 0));
    assert_eq!(r.contacts_updated, 1);
    assert_eq!(r.consents_changed, 1);
    assert_eq!(gp.students().unwrap().len(), 4);
    assert_eq!(gp.contacts().unwrap().len(), 3);
    let hine = gp.find_contact("Hine Ngata").unwrap();
    assert_eq!(hine.email.as_deref(), Some("hine.ngata@example.org"));
    assert_eq!(hine.channel, Channel::Weekly);
    let aroha = gp.find_student("Aroha").unwrap();
    assert!(!gp.consents(aroha.id).unwrap().allows(Purpose::PhotoOnBlog));
}

#[test]
fn bom_windows_line_endings_reordered_columns_and_non_ascii() {
    let (_d, gp) = new_class();
    let text = "\u{FEFF}blog_consent,name_consent,photo_consent,student_last_name,student_first_name,contact_name,contact_email,contact_language,contact_channel,contact_relationship\r\n\
                yes,yes,yes,Nguyễn,Thị Ánh,Nguyễn Văn Bình,binh@example.org,vi,email,father\r\n\
                yes,no,no,Haddad,Amira,فاطمة حداد,fatima@example.org,ar,email,mother\r\n\
                no,no,no,Lee,Mei,李小龍,,zh-Hant,paper,grandfather\r\n";
    let r = gp.import_roster(text.as_bytes(), "excel.csv").unwrap();
    assert_eq!(r.students_added, 3);
    let s = gp.find_student("Thị Ánh").unwrap();
    assert_eq!(s.last_name, "Nguyễn");
    let c = gp.find_contact("李小龍").unwrap();
    assert_eq!(c.language, "zh-Hant");
    assert_eq!(gp.find_contact("فاطمة حداد").unwrap().language, "ar");
}

/// Each kind of bad row is reported with its line number and reason, all at once, and
/// nothing is imported.
#[test]
fn every_bad_row_is_reported_and_nothing_changes() {
    let (d, gp) = new_class();
    gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    let before = dump(&d.path().join("class"));
    let bad = csv(&[
        "Ana,López,Maria López,maria@example.org,es,email,mother,yes,yes,yes", // 2: fine
        "Ben,Smith,Jo Smith,not-an-email,en,email,mother,yes,yes,yes",         // 3
        "Cai,Wong,Li Wong,li@example.org,chinese,email,mother,yes,yes,yes",    // 4
        "Dee,Jones,Pat Jones,pat@example.org,en,pigeon,father,yes,yes,yes",    // 5
        "Eve,Brown,Sam Brown,,en,email,father,yes,yes,yes",                    // 6
        "Fay,Green,Al Green,al@example.org,en,email,father,maybe,yes,yes",     // 7
        ",White,Kim White,kim@example.org,en,email,mother,yes,yes,yes",        // 8
        "Gus,Black,,gus@example.org,,,,yes,yes,yes",                           // 9
        "Ana,López,Maria López,maria@example.org,es,email,mother,yes,yes,yes", // 10: repeats 2
        "Hal,Grey,Jo Grey,jo@example.org,en,email,father,yes,yes,",            // 11
    ]);
    let long_name = format!("{},Long,,,,,,no,no,no", "x".repeat(101));
    let bad =
        format!("{bad}{long_name}\nIvy,Red,\"Mo\nRed\",mo@example.org,en,email,aunt,no,no,no\n");
    let err = gp.import_roster(bad.as_bytes(), "bad.csv").unwrap_err();
    let Error::Roster(p) = &err else {
        panic!("expected a roster error, got {err}")
    };
    let lines: Vec<u64> = p.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "{err}");
    let text = err.to_string();
    for expect in [
        "bad.csv has 11 bad rows; nothing was imported",
        "line 3: \"not-an-email\" is not a valid email address",
        "line 4: \"chinese\" is not a valid BCP 47 language tag",
        "line 5: unknown channel \"pigeon\"",
        "line 6: contact Sam Brown is on channel email but contact_email is empty",
        "line 7: photo_consent is \"maybe\": write yes or no",
        "line 8: student_first_name is empty",
        "line 9: contact_email filled in but contact_name is empty",
        "line 10: repeats line 2",
        "line 11: blog_consent is empty",
        "line 12: student_first_name is 101 characters long",
        "line 13: contact_name",
    ] {
        assert!(text.contains(expect), "missing {expect:?} in:\n{text}");
    }
    assert!(text.contains("control character"), "{text}");
    assert_eq!(before, dump(&d.path().join("class")), "nothing may change");
}

#[test]
fn rows_of_one_student_must_agree_on_consent_and_contacts_on_details() {
    let (_d, gp) = new_class();
    let bad = csv(&[
        "Ana,López,Maria López,maria@example.org,es,email,mother,yes,yes,yes",
        "Ana,López,Juan López,juan@example.org,es,email,father,no,yes,yes",
        "Beto,López,Maria López,maria@example.org,en,email,mother,yes,yes,yes",
    ]);
    let text = gp
        .import_roster(bad.as_bytes(), "r.csv")
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("line 3: the consents for Ana López differ from line 2"),
        "{text}"
    );
    assert!(
        text.contains("line 4: contact Maria López has different details from line 2"),
        "{text}"
    );
    assert!(gp.students().unwrap().is_empty());
}

#[test]
fn a_missing_column_or_a_file_that_is_not_utf8_is_refused_with_the_fix() {
    let (_d, gp) = new_class();
    let err = gp
        .import_roster(
            b"student_first_name,student_last_name\nAna,Lopez\n",
            "r.csv",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("the header row lacks contact_name"), "{err}");
    let latin1 = [HEADER.as_bytes(), b"\nJos\xe9,P\xe9rez,,,,,,no,no,no\n"].concat();
    let err = gp.import_roster(&latin1, "r.csv").unwrap_err().to_string();
    assert!(err.contains("CSV UTF-8"), "{err}");
    assert!(gp.students().unwrap().is_empty());
}

#[test]
fn export_then_import_is_a_round_trip() {
    let (_d, gp) = new_class();
    gp.import_roster(good().as_bytes(), "class.csv").unwrap();
    let mut out = Vec::new();
    gp.export_roster(&mut out).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("Zoë,Müller,,,,,,no,no,no"), "{text}");
    assert!(text.contains("\"García, Carlos\""), "{text}");
    let (_d2, other) = new_class();
    let r = other.import_roster(&out, "export.csv").unwrap();
    assert_eq!((r.students_added, r.contacts_added), (4, 3));
    let r = gp.import_roster(&out, "export.csv").unwrap();
    assert!(!r.changed_anything(), "{r:?}");
}
