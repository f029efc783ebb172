-- Goalpost schema, version 3: when a contact started hearing about a student.
--
-- linked_at  when the link was made. A contact hears about evidence approved from a week
--            before then onwards, never a student's whole back catalogue (docs/mail.md,
--            "Who hears about what"). Links made before this version take their contact's
--            created_at.
ALTER TABLE student_contacts ADD COLUMN linked_at TEXT;
UPDATE student_contacts
   SET linked_at = (SELECT created_at FROM contacts WHERE contacts.id = student_contacts.contact_id);
