"""The seed example (POST /v1/tools/call), the tool listing and POST /v1/search."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ServerCase, assert_error, assert_scores, assert_tool_result, corpus  # noqa: E402

SEED_ARGS = {"query": "vegetarian pasta recipes", "top_k": 3}
SEED = {"function": "search_corpus", "arguments": SEED_ARGS}
JSON_HEADERS = {"Authorization": "Bearer test-token-1", "Content-Type": "application/json"}

PASTA = re.compile(r"macaroni|spaghetti|vermicelli|noodles?", re.IGNORECASE)
# Ingredient words that make a recipe non-vegetarian (plural forms included).
MEAT = (
    r"(?:beef|veal|mutton|lamb|pork|ham|bacon|chicken|fowl|fish|salmon|oyster|lobster|shrimp"
    r"|suet|lard|gelatine|stock)(?:s|es)?|anchov(?:y|ies)"
)

FUNCTION_DEF = {
    "name": "search_corpus",
    "description": "Search recipe database for cooking-related queries",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "User's cooking question or recipe search term"},
            "top_k": {
                "type": "integer",
                "description": "Number of top recipes to retrieve",
                "default": 5,
                "minimum": 1,
                "maximum": 10,
            },
        },
        "required": ["query"],
    },
}

FULL_RECORD_FIELDS = ("title", "ingredients", "instructions", "tags", "source")


def call(server, arguments, **kw):
    return server.request("POST", "/v1/tools/call", harness.tool_call(arguments), **kw)


def is_vegetarian(record):
    if any(t.casefold() == "vegetarian" for t in record["tags"]):
        return True
    return not harness.has_word(record["ingredients"], MEAT)


class ToolCallTest(ServerCase):
    def test_seed_vegetarian_pasta(self):
        resp = self.server.request("POST", "/v1/tools/call", SEED, headers=JSON_HEADERS, token=None)
        doc = assert_tool_result(self, resp, n=3)
        known = corpus()
        titles = [r["title"] for r in doc["recipes"]]
        for r in doc["recipes"]:
            self.assertRegex(r["title"], PASTA, "not a pasta recipe")
            record = known[r["id"]]
            self.assertTrue(is_vegetarian(record), f"{r['id']} is not vegetarian: {record['ingredients']}")

        answer = doc["generated_response"]
        for title in titles:
            self.assertTrue(harness.contains_phrase(answer, title), f"answer does not name {title!r}: {answer!r}")
        # No other recipe is named: titles of three or more words that are not part of a returned title
        # (shorter titles such as "Noodles" are ordinary words and could appear legitimately).
        returned = [harness.norm_text(t) for t in titles]
        for record in known.values():
            other = harness.norm_text(record["title"])
            if len(other.split()) < 3 or any(harness.contains_phrase(t, other) for t in returned):
                continue
            self.assertFalse(
                harness.contains_phrase(answer, other), f"answer names {record['title']!r}, not a result: {answer!r}"
            )

    def test_arguments_as_json_string(self):
        as_object = assert_tool_result(self, call(self.server, SEED_ARGS), n=3)
        as_string = assert_tool_result(self, call(self.server, json.dumps(SEED_ARGS)), n=3)
        self.assertEqual(
            [(r["id"], r["score"]) for r in as_string["recipes"]],
            [(r["id"], r["score"]) for r in as_object["recipes"]],
        )

    def test_top_k_defaults_to_5(self):
        assert_tool_result(self, call(self.server, {"query": "vegetarian pasta recipes"}), n=5)

    def test_top_k_bounds_accepted(self):
        assert_tool_result(self, call(self.server, {"query": "soup", "top_k": 1}), n=1)
        assert_tool_result(self, call(self.server, {"query": "soup", "top_k": 10}), n=10)

    def test_no_match(self):
        doc = assert_tool_result(self, call(self.server, {"query": "xylophone quantum blockchain"}), n=0)
        self.assertRegex(doc["generated_response"], re.compile(r"\bno\b.*\brecipes?\b", re.IGNORECASE | re.DOTALL))

    def test_stated_exclusions_hold_for_every_result(self):
        # "without eggs", "no nuts", "dairy-free": each result's ingredient lines are free of them.
        cases = [
            ("cake without eggs", r"eggs?|yolks?"),
            ("cookies with no nuts", r"nuts?|almonds?|walnuts?|pecans?|peanuts?|chestnuts?|hazelnuts?|filberts?"),
            ("dairy-free pudding", r"milk|cream|butter|cheese"),
        ]
        records = corpus()
        for query, forbidden in cases:
            doc = assert_tool_result(self, call(self.server, {"query": query, "top_k": 10}))
            self.assertGreater(len(doc["recipes"]), 0, query)
            for r in doc["recipes"]:
                lines = [re.sub(r"cream of tartar|nut ?butter|cocoanut milk|coconut milk|egg ?plant", "", l,
                                flags=re.IGNORECASE) for l in records[r["id"]]["ingredients"]]
                self.assertFalse(harness.has_word(lines, forbidden), f"{query}: {r['id']} {r['title']}")

    def test_tool_listing(self):
        status, headers, doc = self.server.json("GET", "/v1/tools")
        self.assertEqual(status, 200, doc)
        harness.assert_json_content_type(self, headers)
        self.assertEqual(doc["functions"], [FUNCTION_DEF])
        self.assertEqual(doc["tools"], [{"type": "function", "function": FUNCTION_DEF}])


class SearchTest(ServerCase):
    def search(self, body):
        status, headers, doc = self.server.json("POST", "/v1/search", body)
        self.assertEqual(status, 200, doc)
        harness.assert_json_content_type(self, headers)
        self.assertIsInstance(doc.get("recipes"), list, doc)
        return doc["recipes"]

    def assert_full_records(self, recipes):
        known = corpus()
        for r in recipes:
            for field in ("ingredients", "instructions", "tags"):
                self.assertIsInstance(r.get(field), list, f"{field} of {r.get('id')}")
            self.assertIn(r.get("id"), known)
            self.assertIsInstance(r.get("source"), str)
            for field in FULL_RECORD_FIELDS:
                self.assertEqual(r[field], known[r["id"]][field], f"{field} of {r['id']}")
        self.assertEqual(len({r["id"] for r in recipes}), len(recipes), "duplicate ids")
        assert_scores(self, recipes)

    def test_full_records(self):
        recipes = self.search({"query": "chocolate cake", "top_k": 20})
        self.assertTrue(1 <= len(recipes) <= 20, len(recipes))
        self.assert_full_records(recipes)

    def test_top_k_range(self):
        self.assertEqual(len(self.search({"query": "soup", "top_k": 1})), 1)
        self.assertEqual(len(self.search({"query": "soup", "top_k": 50})), 50)
        for bad in (0, 51):
            with self.subTest(top_k=bad):
                resp = self.server.request("POST", "/v1/search", {"query": "soup", "top_k": bad})
                assert_error(self, resp, 422, param="top_k")

    def test_filter_tags(self):
        is_veg = lambda r: any(t.casefold() == "vegetarian" for t in r["tags"])
        unfiltered = self.search({"query": "soup", "top_k": 20})
        self.assertFalse(all(map(is_veg, unfiltered)), "precondition: unfiltered soups include non-vegetarian")
        recipes = self.search({"query": "soup", "top_k": 20, "filters": {"tags": ["Vegetarian"]}})
        self.assertGreaterEqual(len(recipes), 1)
        self.assert_full_records(recipes)
        for r in recipes:
            self.assertTrue(is_veg(r), f"{r['id']} tags {r['tags']}")

    def test_filter_exclude_ingredients(self):
        has_egg = lambda r: harness.has_word(r["ingredients"], r"eggs?")
        unfiltered = self.search({"query": "cake", "top_k": 20})
        self.assertTrue(any(map(has_egg, unfiltered)), "precondition: unfiltered cakes include eggs")
        recipes = self.search({"query": "cake", "top_k": 20, "filters": {"exclude_ingredients": ["egg"]}})
        self.assertGreaterEqual(len(recipes), 1)
        self.assert_full_records(recipes)
        for r in recipes:
            self.assertFalse(has_egg(r), f"{r['id']} ingredients {r['ingredients']}")

    def test_unknown_filter_key(self):
        resp = self.server.request("POST", "/v1/search", {"query": "soup", "filters": {"colour": ["red"]}})
        assert_error(self, resp, 422, param="filters.colour")


if __name__ == "__main__":
    unittest.main()
