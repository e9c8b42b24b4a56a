"""Hybrid retrieval over HTTP: explain, calibrated scores and low confidence, spelling, filters.

Starts the real binary (harness.Server) on a loopback port with the test index built from the
bundled corpus, and talks to it with Python's http.client.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ServerCase, assert_error, assert_tool_result, corpus  # noqa: E402

ONION_FAMILY = r"onions?|shallots?|eschalots?|leeks?|chives?|scallions?|garlic"


class RetrievalTest(ServerCase):
    def search(self, body):
        status, _, doc = self.server.json("POST", "/v1/search", body)
        self.assertEqual(status, 200, doc)
        return doc

    def test_explain_shows_each_component_per_result(self):
        doc = self.search({"query": "spagetti with tomato sauce", "top_k": 5, "explain": True})
        self.assertEqual(doc["query"]["corrections"], [{"typed": "spagetti", "corrected": "spaghetti"}])
        self.assertIn("spaghetti", doc["query"]["concepts"])
        self.assertRegex(doc["recipes"][0]["title"], re.compile("spaghetti", re.IGNORECASE))
        for r in doc["recipes"]:
            e = r["explain"]
            self.assertTrue(e["bm25"]["rank"] or e["vector"]["rank"], r)
            if e["bm25"]["rank"] is not None:
                self.assertGreater(e["bm25"]["score"], 0)
            self.assertGreaterEqual(e["vector"]["cosine"], -1)
            self.assertLessEqual(e["vector"]["cosine"], 1)
            self.assertGreater(e["fused"], 0)
            self.assertGreater(e["coverage"], 0)
            self.assertLessEqual(e["coverage"], 1)
        # Without explain there is no explanation, and the hits are the same.
        plain = self.search({"query": "spagetti with tomato sauce", "top_k": 5})
        self.assertNotIn("query", plain)
        self.assertNotIn("explain", plain["recipes"][0])
        self.assertEqual([r["id"] for r in plain["recipes"]], [r["id"] for r in doc["recipes"]])

    def test_scores_are_calibrated_and_ordered(self):
        for query in ("tomato soup", "chocolate cake", "sushi rolls", "recipes with dates"):
            doc = self.search({"query": query, "top_k": 10})
            scores = [r["score"] for r in doc["recipes"]]
            self.assertTrue(all(0 <= s <= 1 for s in scores), (query, scores))
            self.assertEqual(scores, sorted(scores, reverse=True), query)
            for r in doc["recipes"]:
                self.assertEqual(r["low_confidence"], r["score"] < 0.5, (query, r["id"], r["score"]))

    def test_something_the_corpus_lacks_is_low_confidence(self):
        for query in ("sushi rolls", "avocado toast", "pad thai"):
            doc = self.search({"query": query, "top_k": 3})
            self.assertTrue(doc["low_confidence"], query)
            self.assertTrue(all(r["low_confidence"] for r in doc["recipes"]), query)
        doc = assert_tool_result(
            self, self.server.request("POST", "/v1/tools/call", harness.tool_call({"query": "sushi rolls", "top_k": 3}))
        )
        self.assertRegex(doc["generated_response"], re.compile(r"nothing good was found", re.IGNORECASE))
        self.assertTrue(all(r["low_confidence"] for r in doc["recipes"]))

    def test_a_clear_query_is_confident(self):
        doc = self.search({"query": "tomato soup", "top_k": 3})
        self.assertFalse(doc["low_confidence"])
        self.assertFalse(doc["recipes"][0]["low_confidence"])
        self.assertRegex(doc["recipes"][0]["title"], re.compile(r"tomato.*soup|soup.*tomato", re.IGNORECASE))

    def test_time_limit_keeps_only_recipes_known_to_fit(self):
        records = corpus()
        for body in (
            {"query": "cake", "top_k": 20, "filters": {"max_total_minutes": 30}},
            {"query": "quick cake", "top_k": 20},
            {"query": "cake under 30 minutes", "top_k": 20},
        ):
            doc = self.search(body)
            self.assertGreater(len(doc["recipes"]), 0, body)
            for r in doc["recipes"]:
                minutes = records[r["id"]].get("time_minutes")
                self.assertIsNotNone(minutes, (body, r["id"]))
                self.assertLessEqual(minutes, 30, (body, r["id"]))

    def test_included_ingredient_is_in_every_result(self):
        records = corpus()
        doc = self.search({"query": "pudding", "top_k": 20, "filters": {"include_ingredients": ["raisins"]}})
        self.assertGreater(len(doc["recipes"]), 0)
        for r in doc["recipes"]:
            self.assertTrue(harness.has_word(records[r["id"]]["ingredients"], r"raisins?"), r["id"])

    def test_excluded_food_takes_its_family(self):
        records = corpus()
        for body in (
            {"query": "cream soup without onion or garlic", "top_k": 20},
            {"query": "cream soup", "top_k": 20, "filters": {"exclude_ingredients": ["onion", "garlic"]}},
        ):
            doc = self.search(body)
            self.assertGreater(len(doc["recipes"]), 0, body)
            for r in doc["recipes"]:
                self.assertFalse(harness.has_word(records[r["id"]]["ingredients"], ONION_FAMILY), (body, r["id"]))

    def test_every_diet_filter_holds(self):
        # The words a diet rules out, checked independently of the service's own word lists
        # (a looser check: it proves nothing slipped through that is plainly forbidden).
        forbidden = {
            "vegetarian": r"beef|veal|mutton|lamb|pork|ham|bacon|chicken|fowl|fish|salmon|lobster|suet|lard|gelatine",
            "vegan": r"eggs?|milk|butter|cream|cheese|honey|beef|chicken|fish|lard|gelatine",
            "egg_free": r"eggs?|yolks?",
            "dairy_free": r"milk|butter|cheese",
            "nut_free": r"almonds?|walnuts?|pecans?|peanuts?|hazelnuts?|pistachios?",
            "gluten_free": r"flour|bread|macaroni|barley|rye|oats|oatmeal|crackers?",
        }
        allowed = r"cream of tartar|nut ?butter|cocoanut milk|coconut milk|butternut|rice[- ]?flour|corn[- ]?flour|potato[- ]?flour|buckwheat|egg[- ]?plant|peanut butter|nutmeg|cornstarch|arrowroot"
        records = corpus()
        for diet, words in forbidden.items():
            for query in ("soup", "cake", "pudding", "salad"):
                doc = self.search({"query": query, "top_k": 20, "filters": {"diet": [diet]}})
                for r in doc["recipes"]:
                    lines = [re.sub(allowed, "", line, flags=re.IGNORECASE) for line in records[r["id"]]["ingredients"]]
                    self.assertFalse(harness.has_word(lines, words), (diet, query, r["id"], r["title"]))

    def test_bad_filters_are_rejected(self):
        for body, param in (
            ({"query": "soup", "filters": {"max_total_minutes": 0}}, "filters.max_total_minutes"),
            ({"query": "soup", "filters": {"max_total_minutes": "30"}}, "filters.max_total_minutes"),
            ({"query": "soup", "filters": {"diet": ["keto"]}}, "filters.diet"),
            ({"query": "soup", "filters": {"include_ingredients": "egg"}}, "filters.include_ingredients"),
            ({"query": "soup", "explain": "yes"}, "explain"),
        ):
            resp = self.server.request("POST", "/v1/search", body)
            assert_error(self, resp, 422, param=param)


if __name__ == "__main__":
    unittest.main()
