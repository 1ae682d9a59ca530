"""Shared set-up for the caller number directory tests: a Japanese company
with no other numbers than the ones each test creates."""

import base64
import io

from PIL import Image


def noisy_png(size=1200):
    """A big, hard-to-compress logo: the vCard must scale it down."""
    image = Image.effect_noise((size, size), 80).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


class CallerNumberCommon:
    @classmethod
    def setup_directory_company(cls):
        cls.company = cls.env.ref("base.main_company")
        cls.company.write(
            {
                "name": "コールフロー株式会社",
                "country_id": cls.env.ref("base.jp").id,
                "callflow_phonetic_name": "コールフローカブシキガイシャ",
            }
        )
        cls.Number = cls.env["callflow.caller.number"]
        # Start from an empty directory: demo numbers would blur the counts.
        cls.Number.with_context(active_test=False).search([]).unlink()

    @classmethod
    def create_number(cls, number, name="Sales desk", **vals):
        return cls.Number.create(
            dict(
                {"name": name, "number": number, "company_id": cls.company.id},
                **vals,
            )
        )
