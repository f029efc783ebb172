a-student = Un estudiante
class-at-school = { $class } en { $school }
goal-achieved = Meta lograda
next-goal = Próxima meta
in-their-words = En sus propias palabras
