"""The opt-out form as posted, checked value by value: a pure function, no
database."""

from odoo.tests import BaseCase

from odoo.addons.callflow_optout.tools.answer_form import MAX_LENGTHS, validate_answer

ANSWERS = [("stop_all", "Stop all"), ("certain_times", "Certain times")]
REASONS = [("too_many_calls", "Too many calls"), ("other", "Other")]


def validate(post):
    """The form checked, its messages in English (no language asked for)."""
    values, errors = validate_answer(post, ANSWERS, REASONS)
    return values, {key: str(error) for key, error in errors.items()}


class TestToolsAnswerForm(BaseCase):
    def test_a_good_form_is_cleaned(self):
        values, errors = validate(
            {
                "answer": "certain_times",
                "reason": "too_many_calls",
                "email": "  Tanaka@Example.COM ",
                "times_day_1": "on",
                "times_day_3": "on",
                "times_day_9": "on",
                "times_from": " 9",
                "times_to": "18",
                "comments": " call in the morning ",
            }
        )
        self.assertEqual(errors, {})
        self.assertEqual(values["email"], "tanaka@example.com")
        self.assertEqual(values["comments"], "call in the morning")
        self.assertEqual(values["times_days"], "13", "only days 1-7 count")
        self.assertEqual((values["times_from"], values["times_to"]), (9.0, 18.0))
        self.assertEqual(values["number_input"], "", "a field not posted is empty")

    def test_each_bad_value_gets_its_message(self):
        values, errors = validate(
            {
                "answer": "call_me_maybe",
                "reason": "bored",
                "email": "not-an-address",
                "comments": "x" * (MAX_LENGTHS["comments"] + 1),
                "number_input": ["090", "1234"],  # a repeated field
            }
        )
        self.assertEqual(
            errors,
            {
                "answer": "Please choose how we may contact you.",
                "reason": "Please choose one of the reasons.",
                "email": "This does not look like an email address.",
                "comments": "Please keep this under 1000 characters.",
            },
        )
        self.assertEqual(values["email"], "not-an-address", "shown again as typed")
        self.assertEqual(values["number_input"], "")

    def test_times_are_asked_only_for_certain_times(self):
        _values, errors = validate(
            {"answer": "certain_times", "times_from": "18", "times_to": "9"}
        )
        self.assertIn("at least one day", errors["times"])
        values, errors = validate(
            {
                "answer": "stop_all",
                "times_day_1": "on",
                "times_from": "18",
                "times_to": "9",
            }
        )
        self.assertEqual(errors, {})
        self.assertEqual(
            (values["times_days"], values["times_from"], values["times_to"]),
            ("", None, None),
        )
