# Words of family emails, paper slips and goal sheets.
# A teacher can correct any of these, or add a language, by copying this file to
# <data folder>/i18n/<language>/mail.ftl and editing it there.

subject-evidence = { $name } reached a goal: { $goal }
subject-digest = This week in { $class }: { $names }
subject-test = Goalpost test message from { $class }
greeting = Hello { $contact },
# Put in a child's words or a goal in place of a name the message may not show, when it
# cannot tell which of two children with that name is meant.
a-classmate = a classmate
intro-evidence = { $name } has reached a learning goal and wanted you to know.
intro-digest = Here is what { $names } achieved this week.
goal-achieved = Goal achieved
in-own-words = In { $name }'s own words
message-from = A message from { $name }
next-goal = Next goal
ask-tonight = Ask { $name } tonight
question-1 = What was the hardest part, and how did you get past it?
question-2 = Can you show me how you did it?
question-3 = What will you try first for your next goal?
photo-alt = A photo of { $name }'s work
photo-left-out = The photo was left out to keep this email small; ask to see it at school.
blog-link = See it on the class blog
sharing-invite = Come and see the learning: { $title }, { $when }
sharing-place = Where: { $place }
reply-hint = Reply to this email to reach { $teacher }.
footer = { $class } at { $school }
test-body = This is a test message from Goalpost. If you can read it, family email from { $class } works.
date-long = { $weekday } { $day } { $month }
date-time = { $date }, { $time }
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
slip-title = Good news from { $class }
slip-cut = Cut along the dotted lines and send each slip home.
goal-sheet-title = { $name }'s learning goals
goal-sheet-current = Working on now
goal-sheet-achieved = Goals achieved
goal-sheet-next = Next step
goal-sheet-none = None yet.
goal-sheet-on = on { $date }
# The goal sheet in short that ends each achievement email and slip.
sheet-short-title = { $name }'s goal sheet
sheet-short-reached = { $count ->
    [one] { $name } has reached one goal since the class began.
   *[other] { $name } has reached { $count } goals since the class began.
}
sheet-short-latest = Latest goals reached
# A child's own note to their family, written at the class station.
note-subject = A note from { $name }
note-intro = { $name } wrote you a note at school:
# A sharing time's own messages: the invitation, the reminder the day before, a change and
# a cancellation (emails with a calendar file, slips and chat texts).
invite-subject = Invitation: { $title }, { $when }
invite-intro = You are warmly invited to come into { $class } and see what { $names } and the class have been learning. No need to stay long: drop in when you can.
reminder-subject = Reminder: { $title }, { $when }
reminder-intro = A reminder: we look forward to seeing you and showing you what { $names } has been learning.
update-subject = Changed: { $title }, { $when }
update-intro = The sharing time has changed. Here are the new details.
cancel-subject = Cancelled: { $title }, { $when }
cancel-intro = This sharing time is cancelled. We are sorry, and we will invite you to the next one.
sharing-when = When: { $when }
sharing-until = { $when } to { $time }
invite-calendar = The attached file invite.ics adds this to your calendar.
