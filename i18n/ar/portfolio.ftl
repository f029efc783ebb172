# كلمات ملف إنجاز الطفل في نهاية العام (`goalpost export student`) وفهرس المعلم
# لملفات الصف (`goalpost export class`).

portfolio-title = عام { $name } في { $class }
portfolio-intro = ما أظهره { $name } من تعلّم هذا العام، بكلماته الخاصة، مع الأهداف التي حققها والأهداف القادمة.
portfolio-made = { $class } في { $school }، مع { $teacher }. أُعدّ في { $date }.
contents = المحتويات
goals-reached = أهداف تحققت
goals-to-come = أهداف قادمة
learning = التعلّم هذا العام
reached-on = تحقق في { $date }
none-yet = لا شيء بعد.
no-evidence = لم تتم مشاركة أي عمل هذا العام.
photo-withheld = صورة هذا العمل ليست في الملف: تشارك المدرسة صور { $name } مع الأسرة فقط بموافقة على البريد العائلي، وهي غير متوفرة. اسألوا { $teacher } إن رغبتم في رؤيتها.
print-hint = للطباعة، استخدموا أمر الطباعة في المتصفح: يبدأ كل جزء في صفحة جديدة.
date-full = { $day } { $month } { $year }
index-title = ملفات إنجاز { $class }
index-intro = مجلد لكل طالب، باسم رقمه. أعطوا كل أسرة مجلد طفلها فقط: يُفتح من ذاكرة USB، ابدأوا بملف index.html.
index-id = الرقم
index-student = الطالب
index-folder = المجلد
index-work = الأعمال
index-photos = الصور
index-language = اللغة
