# كلمات مدونة الصف. يمكن للمعلم تصحيحها بنسخ هذا الملف إلى
# <data folder>/i18n/ar/blog.ftl وتعديله هناك.

skip-to-content = انتقل إلى الإنجازات
nav-label = أقسام المدونة
nav-home = الأحدث
nav-archive = الأرشيف
nav-about = عن المدونة
footer-follow = كيف تتابعون هذه المدونة
pager-label = مزيد من الإنجازات
newer = الأحدث
older = الأقدم

home-heading = أحدث إنجازاتنا
home-lead = كلما حقق أحدنا هدفًا تعليميًا، نلتقط صورة ونقول بكلماتنا ما تعلمناه.
home-empty = لم نحقق أي هدف بعد. عودوا قريبًا!
sharing-heading = قريبًا
sharing-note = العائلات مرحب بها دائمًا، دون حاجة إلى موعد.
page-heading = الإنجازات من { $from } إلى { $to }
more-from = المزيد من

student-intro = كل الأهداف التي حققها { $name } هذا العام.
subject-intro = كل الأهداف التي حققناها في { $subject }.
subject-none = تعلّم آخر
month-intro = كل الأهداف التي حققناها في { $month }.
photo-alt = صورة العمل للهدف: { $goal }

archive-heading = الأرشيف
archive-lead = كل الأهداف المحققة هذا العام، حسب الشهر والطالب والمادة.
archive-months = حسب الشهر
archive-students = حسب الطالب
archive-subjects = حسب المادة

about-heading = عن هذه المدونة
about-text = هذه مدونة صف { $class } في { $school }. كلما حقق طالب أحد أهدافه التعليمية، يلتقط صورة لعمله ويقول بكلماته ما تعلمه. يظهر ذلك هنا بعد أن يراجعه { $teacher }.
follow-heading = كيف تتابعوننا
follow-homepage-title = اجعلوها صفحتكم الرئيسية.
follow-homepage = اجعلوا هذه الصفحة الصفحة الرئيسية لمتصفحكم لتروا أحدث إنجازاتنا كلما فتحتموه.
follow-feed-title = استخدموا قارئ الخلاصات.
follow-feed = أضيفوا هذا العنوان إلى أي قارئ خلاصات أو تطبيق أخبار:
follow-email-title = احصلوا على رسالة بريد.
follow-email = لتصلكم رسالة بلغتكم كلما حقق طفلكم هدفًا، اطلبوا ذلك من { $teacher }.
follow-feed-link = الخلاصة
privacy-heading = الخصوصية
privacy-text = لا يظهر الطلاب هنا إلا بموافقة عائلاتهم. نعرض الأسماء الأولى فقط، والصورة فقط حيث وافقت العائلة؛ ويظهر بعض الطلاب دون اسم. لا توجد في هذه المدونة أبدًا أسماء عائلات أو عناوين أو بيانات اتصال.
feed-subtitle = أهداف حققناها، بكلماتنا.

date-long = { $day } { $month } { $year }
month-year = { $month } { $year }
sharing-when = { $day }، { $from }
sharing-when-range = { $day }، من { $from } إلى { $to }
month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر
