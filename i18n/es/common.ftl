a-student = Un estudiante
a-classmate = un compañero de clase
class-at-school = { $class } en { $school }
goal-achieved = Meta lograda
next-goal = Próxima meta
in-their-words = En sus propias palabras
