# Palabras de los correos a las familias, las notas en papel y las hojas de metas.

subject-evidence = { $name } alcanzó una meta: { $goal }
subject-digest = Esta semana en { $class }: { $names }
subject-test = Mensaje de prueba de Goalpost desde { $class }
greeting = Hola, { $contact }:
a-classmate = un compañero de clase
intro-evidence = { $name } alcanzó una meta de aprendizaje y quería contárselo.
intro-digest = { $count ->
    [one] Esto es lo que { $names } logró esta semana.
   *[other] Esto es lo que { $names } lograron esta semana.
}
goal-achieved = Meta alcanzada
in-own-words = En palabras de { $name }
message-from = Un mensaje de { $name }
next-goal = Próxima meta
ask-tonight = Pregúntele a { $name } esta noche
question-1 = ¿Qué fue lo más difícil y cómo lo superaste?
question-2 = ¿Me puedes mostrar cómo lo hiciste?
question-3 = ¿Qué vas a intentar primero para tu próxima meta?
photo-alt = Una foto del trabajo de { $name }
photo-left-out = La foto no se incluyó para que el correo no sea demasiado grande; pida verla en la escuela.
blog-link = Verlo en el blog de la clase
sharing-invite = Venga a ver el aprendizaje: { $title }, { $when }
sharing-place = Dónde: { $place }
reply-hint = Responda a este correo para escribir a { $teacher }.
footer = { $class } en { $school }
test-body = Este es un mensaje de prueba de Goalpost. Si puede leerlo, el correo a las familias de { $class } funciona.
date-long = { $weekday } { $day } de { $month }
date-time = { $date }, { $time }
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
slip-title = Buenas noticias de { $class }
slip-cut = Recorte por las líneas de puntos y envíe cada nota a casa.
goal-sheet-title = Metas de aprendizaje de { $name }
goal-sheet-current = Trabajando ahora
goal-sheet-achieved = Metas alcanzadas
goal-sheet-next = Siguiente paso
goal-sheet-none = Todavía ninguna.
goal-sheet-on = el { $date }
# La hoja de metas en breve al final de cada correo y nota de logro.
sheet-short-title = Hoja de metas de { $name }
sheet-short-reached = { $count ->
    [one] { $name } ha alcanzado una meta desde que empezó el curso.
   *[other] { $name } ha alcanzado { $count } metas desde que empezó el curso.
}
sheet-short-latest = Últimas metas alcanzadas
# La nota de un niño a su familia, escrita en la estación de la clase.
note-subject = Una nota de { $name }
note-intro = { $name } te escribió una nota en la escuela:
# Los mensajes propios de un encuentro con las familias: la invitación, el recordatorio del
# día anterior, un cambio y una cancelación.
invite-subject = Invitación: { $title }, { $when }
invite-intro = Les invitamos con mucho gusto a venir a { $class } y ver lo que { $names } y la clase han aprendido. No hace falta quedarse mucho: vengan cuando puedan.
reminder-subject = Recordatorio: { $title }, { $when }
reminder-intro = Un recordatorio: les esperamos con ilusión para enseñarles lo que { $names } ha aprendido.
update-subject = Cambio: { $title }, { $when }
update-intro = El encuentro ha cambiado. Estos son los nuevos datos.
cancel-subject = Cancelado: { $title }, { $when }
cancel-intro = Este encuentro se ha cancelado. Lo sentimos; les invitaremos al próximo.
sharing-when = Cuándo: { $when }
sharing-until = { $when } a { $time }
invite-calendar = El archivo adjunto invite.ics lo añade a su calendario.
