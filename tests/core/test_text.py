from m4eg.core.text import az_lower, az_sort_key, az_title, az_upper, search_fold


def test_casing_follows_azerbaijani_dotted_and_dotless_i():
    assert az_upper("istifadəçi") == "İSTİFADƏÇİ"
    assert az_upper("ılıq") == "ILIQ"
    assert az_lower("İSTİFADƏÇİ") == "istifadəçi"
    assert az_lower("IŞIQ") == "ışıq"
    assert az_title("icra hakimiyyəti") == "İcra Hakimiyyəti"


def test_sort_key_follows_the_azerbaijani_alphabet():
    names = ["Zaqatala", "Şəki", "Xırdalan", "İsmayıllı", "Ismayıllı", "Qəbələ", "Həsənli",
             "Çinarlı", "Ağdaş", "Ələt", "Göyçay", "Ordubad", "Ömər", "Ucar", "Üzümçü", "Kəlbəcər"]
    assert sorted(names, key=az_sort_key) == [
        "Ağdaş", "Çinarlı", "Ələt", "Göyçay", "Həsənli", "Xırdalan", "Ismayıllı", "İsmayıllı",
        "Kəlbəcər", "Qəbələ", "Ordubad", "Ömər", "Şəki", "Ucar", "Üzümçü", "Zaqatala",
    ]


def test_search_fold_matches_what_people_type_without_an_az_keyboard():
    assert search_fold("Şəki") == search_fold("Seki") == search_fold("Sheki") == "seki"
    assert search_fold("şəki") == "seki"
    assert search_fold("Xırdalan") == search_fold("Khirdalan") == search_fold("Xirdalan")
