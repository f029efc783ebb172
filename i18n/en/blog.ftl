# Words of the class blog. A teacher can correct any of these by copying this file to
# <data folder>/i18n/en/blog.ftl and editing it there.

skip-to-content = Skip to the achievements
nav-label = Blog sections
nav-home = Latest
nav-archive = Archive
nav-about = About
footer-follow = How to follow this blog
pager-label = More achievements
newer = Newer
older = Older

home-heading = Our latest achievements
home-lead = Each time one of us reaches a learning goal, we take a photo and say what we learned in our own words.
home-empty = No goals reached yet. Come back soon!
sharing-heading = Coming up
sharing-note = Families are always welcome. No need to ask first.
# { $from } and { $to } are days, e.g. "3 March 2026".
page-heading = Achievements from { $from } to { $to }
more-from = More from

student-intro = Every goal { $name } has reached this year.
subject-intro = Every goal we have reached in { $subject }.
subject-none = Other learning
month-intro = Every goal we reached in { $month }.
photo-alt = Photo of the work for the goal: { $goal }

archive-heading = Archive
archive-lead = Every goal reached this year, by month, by student and by subject.
archive-months = By month
archive-students = By student
archive-subjects = By subject

about-heading = About this blog
about-text = This is the class blog of { $class } at { $school }. Each time a student reaches one of their learning goals, they take a photo of their work and say in their own words what they learned. It appears here once { $teacher } has looked at it.
follow-heading = How to follow
follow-homepage-title = Make it your home page.
follow-homepage = Set this page as your browser's home page and you will see our newest achievements each time you open it.
follow-feed-title = Use a feed reader.
follow-feed = Add this address to any feed reader or news app:
follow-email-title = Get an email.
follow-email = To hear by email each time your child reaches a goal, in your own language, ask { $teacher }.
follow-feed-link = Feed
privacy-heading = Privacy
privacy-text = Students appear here only when their family agreed. We show first names only, and a photo only where the family said yes; some students appear without a name. There are never last names, addresses or contact details on this blog.
feed-subtitle = Goals reached, in our own words.

# Dates. { $month } is one of the month names below.
date-long = { $day } { $month } { $year }
month-year = { $month } { $year }
sharing-when = { $day }, { $from }
sharing-when-range = { $day }, { $from } to { $to }
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
