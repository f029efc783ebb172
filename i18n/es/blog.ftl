# Palabras del blog de la clase. El docente puede corregirlas copiando este archivo a
# <carpeta de datos>/i18n/es/blog.ftl y editándolo allí.

skip-to-content = Ir a los logros
nav-label = Secciones del blog
nav-home = Lo último
nav-archive = Archivo
nav-about = Acerca de
footer-follow = Cómo seguir este blog
pager-label = Más logros
newer = Más recientes
older = Anteriores

home-heading = Nuestros últimos logros
home-lead = Cada vez que uno de nosotros alcanza una meta de aprendizaje, sacamos una foto y contamos con nuestras palabras lo que aprendimos.
home-empty = Todavía no hay metas alcanzadas. ¡Vuelvan pronto!
sharing-heading = Próximamente
sharing-note = Las familias siempre son bienvenidas. No hace falta avisar.
page-heading = Logros del { $from } al { $to }
more-from = Más de

student-intro = Todas las metas que { $name } ha alcanzado este año.
subject-intro = Todas las metas que hemos alcanzado en { $subject }.
subject-none = Otros aprendizajes
month-intro = Todas las metas que alcanzamos en { $month }.
photo-alt = Foto del trabajo para la meta: { $goal }

archive-heading = Archivo
archive-lead = Todas las metas alcanzadas este año, por mes, por estudiante y por materia.
archive-months = Por mes
archive-students = Por estudiante
archive-subjects = Por materia

about-heading = Acerca de este blog
about-text = Este es el blog de la clase { $class } de { $school }. Cada vez que un estudiante alcanza una de sus metas de aprendizaje, saca una foto de su trabajo y cuenta con sus palabras lo que aprendió. Aparece aquí cuando { $teacher } lo ha revisado.
follow-heading = Cómo seguirnos
follow-homepage-title = Como página de inicio.
follow-homepage = Pongan esta página como página de inicio del navegador y verán nuestros logros más recientes cada vez que lo abran.
follow-feed-title = Con un lector de noticias.
follow-feed = Añadan esta dirección a cualquier lector de feeds o aplicación de noticias:
follow-email-title = Por correo.
follow-email = Para recibir un correo, en su idioma, cada vez que su hijo o hija alcance una meta, pídanlo a { $teacher }.
follow-feed-link = Feed
privacy-heading = Privacidad
privacy-text = Los estudiantes aparecen aquí solo si su familia lo aceptó. Mostramos solo nombres de pila, y una foto solo si la familia dijo que sí; algunos estudiantes aparecen sin nombre. Nunca hay apellidos, direcciones ni datos de contacto en este blog.
feed-subtitle = Metas alcanzadas, contadas con nuestras palabras.

date-long = { $day } de { $month } de { $year }
month-year = { $month } de { $year }
sharing-when = { $day }, { $from }
sharing-when-range = { $day }, de { $from } a { $to }
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
