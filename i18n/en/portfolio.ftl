# Words of a child's year-end portfolio (`goalpost export student`) and of the teacher's
# index of a class's portfolios (`goalpost export class`).

portfolio-title = { $name }'s year in { $class }
portfolio-intro = The learning { $name } showed this year, in { $name }'s own words, with the goals reached and the goals still to come.
portfolio-made = { $class } at { $school }, with { $teacher }. Made on { $date }.
contents = Contents
goals-reached = Goals reached
goals-to-come = Goals still to come
learning = Learning this year
reached-on = Reached on { $date }
none-yet = None yet.
no-evidence = No work was shared this year.
photo-withheld = The photo of this work is not in the portfolio: the school shares photos of { $name } with the family only with consent to family email, which it does not have. Ask { $teacher } if you would like to see it.
print-hint = To print, use your browser's Print command: each part starts on a new page.
date-full = { $day } { $month } { $year }
index-title = Portfolios of { $class }
index-intro = One folder per student, named by their number. Give each family only their own child's folder: it opens from a USB stick, start with index.html.
index-id = Number
index-student = Student
index-folder = Folder
index-work = Work
index-photos = Photos
index-language = Language
