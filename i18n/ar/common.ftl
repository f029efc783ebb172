a-student = طالب
a-classmate = أحد زملاء الصف
class-at-school = { $class } في { $school }
goal-achieved = تم تحقيق الهدف
next-goal = الهدف التالي
in-their-words = بكلماتهم الخاصة
