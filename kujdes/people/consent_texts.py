# Plain sentences read aloud to a person, kept whole for translators and reviewers: long lines on purpose.
# ruff: noqa: E501
"""What a case worker reads to a person before she consents, for each purpose, in every offered language.

Written plainly, to be read aloud to someone who may be frightened, tired or young: what is done, who
sees it, and that she may say no and change her mind. Albanian, English and French by the team; Arabic,
Turkish, Ukrainian, Romanian, Bulgarian, Armenian and Bosnian machine-assisted and not yet reviewed by
native speakers (docs/translating.md). The Arabic avoids forms that choose a gender. The consent records
the language it was read in (Consent.language).
"""

from __future__ import annotations

from kujdes.core.content_languages import content_text

_NO = {
    "en": "You can say no, and you can change your mind at any time.",
    "sq": "Mund të thoni jo dhe mund të ndryshoni mendje në çdo kohë.",
    "fr": "Vous pouvez refuser et changer d'avis à tout moment.",
    "ar": "يحق لك الرفض، ويحق لك تغيير رأيك في أي وقت.",
    "tr": "Hayır diyebilirsiniz ve istediğiniz zaman fikrinizi değiştirebilirsiniz.",
    "uk": "Ви можете відмовитися і можете будь-коли змінити своє рішення.",
    "ro": "Puteți refuza și vă puteți răzgândi oricând.",
    "bg": "Можете да откажете и можете да промените решението си по всяко време.",
    "hy": "Դուք կարող եք հրաժարվել և ցանկացած պահի փոխել ձեր որոշումը։",
    "bs": "Možete odbiti i možete se predomisliti u bilo kojem trenutku.",
}

_TEXTS: dict[str, dict[str, str]] = {
    "case_management": {
        "en": "We would like to keep a file about you so that we can help you: your name, your situation and the help you receive. Only the staff who work with you can read it.",
        "sq": "Dëshirojmë të mbajmë një dosje për ju që t'ju ndihmojmë: emrin tuaj, situatën tuaj dhe ndihmën që merrni. Vetëm stafi që punon me ju mund ta lexojë.",
        "fr": "Nous aimerions tenir un dossier à votre sujet pour pouvoir vous aider : votre nom, votre situation et l'aide que vous recevez. Seul le personnel qui travaille avec vous peut le lire.",
        "ar": "نودّ الاحتفاظ بملف خاص بك لكي نتمكن من مساعدتك: اسمك ووضعك والمساعدة المقدَّمة لك. لا يطّلع عليه إلا الموظفون الذين يتابعون حالتك.",
        "tr": "Size yardım edebilmek için hakkınızda bir dosya tutmak istiyoruz: adınız, durumunuz ve aldığınız destek. Bu dosyayı yalnızca sizinle çalışan personel okuyabilir.",
        "uk": "Ми хотіли б вести справу про вас, щоб допомагати вам: ваше ім'я, ваша ситуація і допомога, яку ви отримуєте. Читати її можуть лише працівники, які працюють із вами.",
        "ro": "Am dori să păstrăm un dosar despre dumneavoastră ca să vă putem ajuta: numele, situația dumneavoastră și ajutorul pe care îl primiți. Doar personalul care lucrează cu dumneavoastră îl poate citi.",
        "bg": "Бихме искали да водим досие за вас, за да можем да ви помагаме: вашето име, вашето положение и помощта, която получавате. Само служителите, които работят с вас, могат да го четат.",
        "hy": "Մենք կցանկանայինք ձեր մասին գործ վարել, որպեսզի կարողանանք օգնել ձեզ. ձեր անունը, ձեր իրավիճակը և ձեզ տրամադրվող օգնությունը։ Այն կարող են կարդալ միայն ձեզ հետ աշխատող աշխատակիցները։",
        "bs": "Željeli bismo voditi dosije o vama kako bismo vam mogli pomoći: vaše ime, vašu situaciju i pomoć koju dobijate. Mogu ga čitati samo uposlenici koji rade s vama.",
    },
    "referral": {
        "en": "We would like to refer you to another service that can help you (for example a doctor, a lawyer or a shelter). To do so, we would tell them your name and what you need.",
        "sq": "Dëshirojmë t'ju referojmë te një shërbim tjetër që mund t'ju ndihmojë (për shembull një mjek, një avokat ose një strehë). Për këtë do t'u tregonim emrin tuaj dhe çfarë ju nevojitet.",
        "fr": "Nous aimerions vous orienter vers un autre service qui peut vous aider (par exemple un médecin, un avocat ou un hébergement). Pour cela, nous lui donnerions votre nom et ce dont vous avez besoin.",
        "ar": "نودّ إحالتك إلى خدمة أخرى يمكنها مساعدتك (مثل طبيب أو محامٍ أو مأوى). ولذلك سنخبرهم باسمك وباحتياجاتك.",
        "tr": "Size yardımcı olabilecek başka bir hizmete (örneğin bir doktora, avukata veya sığınma evine) sizi yönlendirmek istiyoruz. Bunun için onlara adınızı ve neye ihtiyacınız olduğunu söyleriz.",
        "uk": "Ми хотіли б перенаправити вас до іншої служби, яка може вам допомогти (наприклад, до лікаря, юриста чи притулку). Для цього ми повідомимо їм ваше ім'я і те, чого ви потребуєте.",
        "ro": "Am dori să vă îndrumăm către un alt serviciu care vă poate ajuta (de exemplu un medic, un avocat sau un adăpost). Pentru asta le-am spune numele dumneavoastră și de ce aveți nevoie.",
        "bg": "Бихме искали да ви насочим към друга служба, която може да ви помогне (например лекар, адвокат или приют). За целта ще им съобщим името ви и от какво имате нужда.",
        "hy": "Մենք կցանկանայինք ձեզ ուղղորդել այլ ծառայության, որը կարող է օգնել ձեզ (օրինակ՝ բժշկի, իրավաբանի կամ ապաստարանի)։ Դրա համար մենք նրանց կհայտնենք ձեր անունը և այն, ինչի կարիքն ունեք։",
        "bs": "Željeli bismo vas uputiti drugoj službi koja vam može pomoći (na primjer ljekaru, advokatu ili sigurnoj kući). Za to bismo im rekli vaše ime i šta vam je potrebno.",
    },
    "partner_abroad": {
        "en": "We would like to share your file with a partner organisation in another country, so that it can help you there (for example when you return home). It would receive only what it needs to help you.",
        "sq": "Dëshirojmë ta ndajmë dosjen tuaj me një organizatë partnere në një vend tjetër, që t'ju ndihmojë atje (për shembull kur të ktheheni në shtëpi). Ajo do të marrë vetëm atë që i nevojitet për t'ju ndihmuar.",
        "fr": "Nous aimerions transmettre votre dossier à une organisation partenaire dans un autre pays, pour qu'elle puisse vous aider là-bas (par exemple à votre retour). Elle ne recevrait que ce dont elle a besoin pour vous aider.",
        "ar": "نودّ مشاركة ملفك مع منظمة شريكة في بلد آخر لكي تساعدك هناك (مثلاً عند العودة إلى بلدك). لن تتلقى إلا ما تحتاجه لمساعدتك.",
        "tr": "Dosyanızı, size orada yardım edebilmesi için başka bir ülkedeki ortak bir kuruluşla paylaşmak istiyoruz (örneğin evinize döndüğünüzde). Kuruluş yalnızca size yardım etmek için gerekenleri alır.",
        "uk": "Ми хотіли б передати вашу справу партнерській організації в іншій країні, щоб вона могла допомогти вам там (наприклад, коли ви повернетеся додому). Вона отримає лише те, що потрібно, щоб вам допомогти.",
        "ro": "Am dori să transmitem dosarul dumneavoastră unei organizații partenere din altă țară, ca să vă poată ajuta acolo (de exemplu când vă întoarceți acasă). Ea ar primi doar ce îi trebuie ca să vă ajute.",
        "bg": "Бихме искали да предадем досието ви на партньорска организация в друга държава, за да може тя да ви помогне там (например когато се върнете у дома). Тя ще получи само това, което ѝ е нужно, за да ви помогне.",
        "hy": "Մենք կցանկանայինք ձեր գործը փոխանցել այլ երկրում գործող գործընկեր կազմակերպությանը, որպեսզի այն կարողանա օգնել ձեզ այնտեղ (օրինակ՝ երբ վերադառնաք տուն)։ Այն կստանա միայն այն, ինչ անհրաժեշտ է ձեզ օգնելու համար։",
        "bs": "Željeli bismo vaš dosije podijeliti s partnerskom organizacijom u drugoj zemlji, kako bi vam mogla pomoći tamo (na primjer kada se vratite kući). Dobila bi samo ono što joj je potrebno da vam pomogne.",
    },
    "statistics": {
        "en": "We count the people we help, without names, to report on our work and to improve it. Nobody can recognise you in these figures.",
        "sq": "Ne numërojmë njerëzit që ndihmojmë, pa emra, për të raportuar për punën tonë dhe për ta përmirësuar atë. Askush nuk mund t'ju njohë në këto shifra.",
        "fr": "Nous comptons les personnes que nous aidons, sans leur nom, pour rendre compte de notre travail et l'améliorer. Personne ne peut vous reconnaître dans ces chiffres.",
        "ar": "نحصي الأشخاص الذين نساعدهم، من دون أسماء، لكي نقدّم تقارير عن عملنا ونحسّنه. لا يمكن لأحد أن يتعرّف عليك من هذه الأرقام.",
        "tr": "Çalışmalarımızı raporlamak ve geliştirmek için yardım ettiğimiz kişileri isimsiz olarak sayıyoruz. Bu rakamlarda kimse sizi tanıyamaz.",
        "uk": "Ми рахуємо людей, яким допомагаємо, без імен, щоб звітувати про нашу роботу та покращувати її. Ніхто не зможе впізнати вас у цих цифрах.",
        "ro": "Numărăm persoanele pe care le ajutăm, fără nume, ca să raportăm despre munca noastră și s-o îmbunătățim. Nimeni nu vă poate recunoaște din aceste cifre.",
        "bg": "Броим хората, на които помагаме, без имена, за да отчитаме работата си и да я подобряваме. Никой не може да ви разпознае в тези числа.",
        "hy": "Մենք հաշվում ենք այն մարդկանց, ում օգնում ենք, առանց անունների, որպեսզի հաշվետվություն ներկայացնենք մեր աշխատանքի մասին և բարելավենք այն։ Այս թվերում ոչ ոք չի կարող ճանաչել ձեզ։",
        "bs": "Brojimo ljude kojima pomažemo, bez imena, kako bismo izvještavali o svom radu i poboljšali ga. Niko vas ne može prepoznati u tim brojkama.",
    },
    "photos": {
        "en": "We would like to take photos during our activities. A photo in which you can be recognised is used only with this consent, and never with your name or your story.",
        "sq": "Dëshirojmë të bëjmë fotografi gjatë aktiviteteve tona. Një fotografi ku mund të njiheni përdoret vetëm me këtë pëlqim dhe kurrë me emrin ose historinë tuaj.",
        "fr": "Nous aimerions prendre des photos pendant nos activités. Une photo où l'on peut vous reconnaître n'est utilisée qu'avec ce consentement, et jamais avec votre nom ou votre histoire.",
        "ar": "نودّ التقاط صور خلال أنشطتنا. لا تُستخدم أي صورة يمكن التعرّف عليك فيها إلا بهذه الموافقة، ولا تُرفق أبداً باسمك أو بقصتك.",
        "tr": "Etkinliklerimiz sırasında fotoğraf çekmek istiyoruz. Sizi tanımanın mümkün olduğu bir fotoğraf yalnızca bu onayla ve asla adınız ya da hikâyenizle birlikte kullanılmaz.",
        "uk": "Ми хотіли б фотографувати під час наших заходів. Фото, на якому вас можна впізнати, використовується лише з цією згодою і ніколи разом з вашим ім'ям чи вашою історією.",
        "ro": "Am dori să facem fotografii în timpul activităților noastre. O fotografie în care puteți fi recunoscut(ă) este folosită doar cu acest acord și niciodată cu numele sau povestea dumneavoastră.",
        "bg": "Бихме искали да правим снимки по време на нашите дейности. Снимка, на която можете да бъдете разпознати, се използва само с това съгласие и никога заедно с вашето име или вашата история.",
        "hy": "Մենք կցանկանայինք լուսանկարել մեր միջոցառումների ընթացքում։ Լուսանկարը, որում ձեզ կարելի է ճանաչել, օգտագործվում է միայն այս համաձայնությամբ և երբեք՝ ձեր անվան կամ ձեր պատմության հետ։",
        "bs": "Željeli bismo fotografisati tokom naših aktivnosti. Fotografija na kojoj vas se može prepoznati koristi se samo uz ovu saglasnost i nikada uz vaše ime ili vašu priču.",
    },
}


def consent_texts(purpose: str) -> dict[str, str]:
    """The text read for `purpose` in every language Kujdes ships it in ({} for a purpose without one)."""
    texts = _TEXTS.get(purpose)
    if texts is None:
        return {}
    return {code: f"{text} {_NO[code]}" for code, text in texts.items()}


def consent_text(purpose: str, language: str) -> str:
    """The text to read for `purpose` in `language` (else English): what the person is told."""
    return content_text(consent_texts(purpose), language)


def consent_purposes_with_text() -> list[str]:
    return list(_TEXTS)
