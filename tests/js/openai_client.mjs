// Runs one call with the official `openai` npm client and prints what it got as one JSON line:
// the tests use it to check that a server speaks OpenAI's API as OpenAI's own client reads it.
//
//   node tests/js/openai_client.mjs CASE BASE_URL API_KEY [notools]
//
// With "notools" the chat cases send no `tools` (a recipe-rag service then runs its own
// search_corpus loop); otherwise they offer a search_corpus tool of their own.
// CASE: complete | stream | models | embeddings | retry | error | stream_error
//   complete    chat.completions.create, not streamed
//   stream      chat.completions.stream (stream_options.include_usage), then the client's own
//               final completion; also counts the chunks it saw
//   models      models.list
//   embeddings  embeddings.create for two inputs
//   retry       like complete, with maxRetries 2 (the server is expected to fail first)
//   error       like complete, with maxRetries 0 (the server is expected to fail): prints the
//               error the client raised (status, type, code, message)
//   stream_error  like stream, with maxRetries 0 (the stream is expected to break): prints
//               the error the client raised
// Exit status 0 when the call did what the case expects of the client (an error case must
// raise: `error` an APIError, `stream_error` anything), 1 otherwise.
import OpenAI from "openai";

const [, , kase, baseURL, apiKey, toolsMode] = process.argv;
const messages = [
  { role: "system", content: "Answer from the recipes only." },
  { role: "user", content: "How do I boil an egg?" },
];
const ownTools = [
  {
    type: "function",
    function: {
      name: "search_corpus",
      description: "Search the recipes",
      parameters: { type: "object", properties: { query: { type: "string" } } },
    },
  },
];
const toolArgs = toolsMode === "notools" ? {} : { tools: ownTools };

function message(choice) {
  return {
    content: choice.message.content,
    finish_reason: choice.finish_reason,
    tool_calls: (choice.message.tool_calls ?? []).map((t) => ({
      id: t.id,
      name: t.function.name,
      arguments: t.function.arguments,
    })),
  };
}

async function run() {
  const maxRetries = kase === "retry" ? 2 : 0;
  const client = new OpenAI({ baseURL, apiKey, maxRetries, timeout: 10_000 });
  switch (kase) {
    case "complete":
    case "retry":
    case "error": {
      const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages, ...toolArgs });
      return { id: r.id, model: r.model, usage: r.usage, choices: r.choices.map(message) };
    }
    case "stream":
    case "stream_error": {
      let chunks = 0;
      const stream = client.chat.completions.stream({
        model: "gpt-4o-mini",
        messages,
        ...toolArgs,
        stream_options: { include_usage: true },
      });
      stream.on("chunk", () => chunks++);
      const r = await stream.finalChatCompletion();
      return { chunks, id: r.id, usage: r.usage, choices: r.choices.map(message) };
    }
    case "models": {
      const page = await client.models.list();
      return { ids: page.data.map((m) => m.id) };
    }
    case "embeddings": {
      const r = await client.embeddings.create({
        model: "text-embedding-3-small",
        input: ["tomato soup", "apple pie"],
      });
      return { count: r.data.length, dims: r.data.map((d) => d.embedding.length), usage: r.usage };
    }
    default:
      throw new Error(`unknown case ${kase}`);
  }
}

try {
  const result = await run();
  console.log(JSON.stringify({ ok: true, ...result }));
  process.exit(kase === "error" || kase === "stream_error" ? 1 : 0);
} catch (e) {
  const isApi = e instanceof OpenAI.APIError;
  console.log(
    JSON.stringify({
      ok: false,
      api_error: isApi,
      status: e.status ?? null,
      type: e.type ?? null,
      code: e.code ?? null,
      name: e?.constructor?.name ?? null,
      message: String(e.message),
    }),
  );
  process.exit((kase === "error" && isApi) || kase === "stream_error" ? 0 : 1);
}
