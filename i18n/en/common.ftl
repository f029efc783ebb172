# Words shared by the blog, family messages and slips.
# A teacher can correct any of these by copying this file to
# <data folder>/i18n/en/common.ftl and editing it there.

# Shown instead of a child's name when the family has not agreed to the name being published.
a-student = A student
# Put in a child's words, a goal or a sharing time in place of the name of a child whose
# family has not agreed to their name on the blog ("a classmate helped me").
a-classmate = a classmate
class-at-school = { $class } at { $school }
goal-achieved = Goal achieved
next-goal = Next goal
in-their-words = In their own words
