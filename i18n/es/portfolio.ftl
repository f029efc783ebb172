# Palabras del portafolio de fin de año de cada niño (`goalpost export student`) y del
# índice de portafolios de la clase para el docente (`goalpost export class`).

portfolio-title = El año de { $name } en { $class }
portfolio-intro = El aprendizaje que { $name } mostró este año, en sus propias palabras, con las metas alcanzadas y las que aún vienen.
portfolio-made = { $class } en { $school }, con { $teacher }. Hecho el { $date }.
contents = Contenido
goals-reached = Metas alcanzadas
goals-to-come = Metas que aún vienen
learning = El aprendizaje de este año
reached-on = Alcanzada el { $date }
none-yet = Todavía ninguna.
no-evidence = Este año no se compartió ningún trabajo.
photo-withheld = La foto de este trabajo no está en el portafolio: la escuela comparte fotos de { $name } con la familia solo con el consentimiento para el correo a la familia, que no tiene. Pregunte a { $teacher } si desea verla.
print-hint = Para imprimir, use el comando Imprimir del navegador: cada parte empieza en una página nueva.
date-full = { $day } de { $month } de { $year }
index-title = Portafolios de { $class }
index-intro = Una carpeta por estudiante, con su número como nombre. Entregue a cada familia solo la carpeta de su hijo o hija: se abre desde una memoria USB, empezando por index.html.
index-id = Número
index-student = Estudiante
index-folder = Carpeta
index-work = Trabajos
index-photos = Fotos
index-language = Idioma
