"""The per-question form is built from the quiz engine's type registry: each type class maps
its own fields to the form and back, the form offers every authorable type, and shows only
the chosen type's fields (type first, without JavaScript)."""

import re

import pytest

from app.authoring import questions
from app.authoring.models import DraftModule
from app.extensions import db
from app.quizzes import gift, gift_write
from app.quizzes.types import AUTHORABLE, TYPES, type_of
from tests.authoring.test_drafts import _build_course

# One question of each type, as written by a trainer (Moodle's grades only).
SAMPLES = gift.parse(
    """::mc:: Capital of Peru? {=Lima#Yes ~Cusco#No ~Quito}

::ma:: Andean capitals {~%50%Quito#One ~%50%La Paz ~%-100%Paris#Not Andean}

::tf:: Lima is in Peru {F#Wrong#Right}

::sa:: The network's acronym {=AL-LAs#Yes =%50%ALLAs}

::num:: Pi {#=3.14:0.01#Close =%50%3:0.5}

::match:: Match {=Lima -> Peru =Quito -> Ecuador =Bogotá -> Colombia}

::essay:: Describe your city {####Think of the budget.}

::desc:: Read carefully.
"""
)
FORM_FIELDS = {
    "correct",
    "feedback_right",
    "feedback_wrong",
    "answers-0-text",
    "answers-0-percent",
    "answers-0-feedback",
    "answers-0-match",
    "answers-0-tolerance",
}


def _url(module, query=""):
    return f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new{query}"


def test_every_type_has_a_sample():
    # A new type class must come with a sample here, and so goes through the tests below.
    assert sorted(type_of(q).key for q in SAMPLES) == sorted(TYPES)


@pytest.mark.parametrize("question", SAMPLES, ids=lambda q: type_of(q).key)
def test_every_type_round_trips_through_the_form(question):
    data = questions.to_form(question)
    assert data["qtype"] in AUTHORABLE
    built, errors = questions.from_form(data)
    assert errors == {}
    assert type_of(built) is type_of(question)
    assert gift.parse(gift_write.to_gift(built)) == [question]


def test_the_type_menu_comes_first_and_offers_every_authorable_type(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    html = client.get(_url(module)).get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="qtype".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', menu) == list(AUTHORABLE)
    assert 'method="get"' in html
    # Nothing else yet: the question's fields come once the type is chosen.
    assert 'name="questiontext"' not in html
    assert not any(f'name="{name}"' in html for name in FORM_FIELDS)


@pytest.mark.parametrize("key", list(AUTHORABLE))
def test_a_chosen_type_shows_only_its_fields(client, world, key):
    client.login(world.trainer_email)
    module = _build_course(client)
    page = client.get(_url(module, f"?qtype={key}"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    kind = AUTHORABLE[key]
    expected = set(kind.form_fields) | {f"answers-0-{name}" for name in kind.answer_fields}
    shown = {name for name in FORM_FIELDS if f'name="{name}"' in html}
    assert shown == expected
    assert 'name="questiontext"' in html
    assert f'<input type="hidden" name="qtype" value="{key}">' in html


def test_an_unknown_type_is_refused_clearly(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    page = client.get(_url(module, "?qtype=cloze"))
    assert page.status_code == 400
    assert 'id="qtype-error"' in page.get_data(as_text=True)
    before = db.session.get(DraftModule, module.id).quiz
    response = client.submit(_url(module), {"qtype": "cloze", "questiontext": "¿Capital?"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="qtype-error"' in html and 'name="questiontext"' not in html
    assert db.session.get(DraftModule, module.id).quiz == before


def test_changing_the_type_of_an_existing_question_keeps_its_text(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    url = f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/0"
    html = client.get(url + "?qtype=shortanswer").get_data(as_text=True)
    assert "La red AL-LAs reúne" in html
    assert 'name="answers-0-percent"' in html and 'name="correct"' not in html
