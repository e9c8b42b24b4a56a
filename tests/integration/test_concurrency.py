"""Many clients at once: every answer is right, and an overloaded pool answers 503, not a hang."""

import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

QUERIES = ["vegetarian pasta recipes", "chocolate cake", "tomato soup", "spagetti",
           "mac and cheese", "roast chicken", "zucchini", "apple pie"]


class ConcurrentSearchTest(harness.ServerCase):
    def test_parallel_clients_all_get_correct_answers(self):
        # Reference answers, one at a time.
        expected = {}
        for q in QUERIES:
            status, _, body = self.server.json("POST", "/v1/tools/call", harness.tool_call({"query": q, "top_k": 3}))
            self.assertEqual(status, 200, body)
            expected[q] = [r["id"] for r in body["recipes"]]

        def client(worker):
            conn = self.server.connection()
            seen = []
            for i in range(40):
                q = QUERIES[(worker + i) % len(QUERIES)]
                status, _, raw = self.server.request_on(
                    conn, "POST", "/v1/tools/call", harness.tool_call({"query": q, "top_k": 3}))
                seen.append((q, status, raw))
            conn.close()
            return seen

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            results = [r for batch in pool.map(client, range(12)) for r in batch]
        self.assertEqual(len(results), 12 * 40)
        for q, status, raw in results:
            self.assertEqual(status, 200, raw[:200])
            ids = [r["id"] for r in harness.parse_json(self, raw)["recipes"]]
            self.assertEqual(ids, expected[q], q)
        self.assertNotIn('"level":"error"', self.server.log_text())


class OverloadTest(harness.ServerCase):
    # One search worker, a queue of one and no answer cache: a burst must overflow it.
    server_env = {"RECIPE_RAG__SEARCH__WORKERS": "1", "RECIPE_RAG__SEARCH__QUEUE_CAPACITY": "1",
                  "RECIPE_RAG__SEARCH__CACHE_ENTRIES": "0"}

    def test_full_queue_answers_503_with_retry_after(self):
        def one(_):
            conn = self.server.connection()
            status, headers, raw = self.server.request_on(
                conn, "POST", "/v1/search", {"query": "cake with currants and almonds", "top_k": 50})
            conn.close()
            return status, headers, raw

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(one, range(200)))
        statuses = [s for s, _, _ in results]
        self.assertTrue(set(statuses) <= {200, 503}, set(statuses))
        self.assertIn(200, statuses)
        self.assertIn(503, statuses, "200 concurrent searches never overflowed a queue of 1")
        for status, headers, raw in results:
            if status == 503:
                self.assertEqual(headers.get("retry-after"), "1")
                harness.assert_error(self, (status, headers, raw), 503, type="unavailable")
        harness.assert_serving(self, self.server)


if __name__ == "__main__":
    unittest.main()
