// Calls the agent the way an existing OpenAI client does and prints what it saw as one JSON object.
// Environment: OPENAI_BASE_URL (…/v1), OPENAI_API_KEY, CHAT_MODEL, EMBEDDING_MODEL.
import OpenAI from 'openai';

const client = new OpenAI({ maxRetries: 0, timeout: 120_000 });
const chatModel = process.env.CHAT_MODEL;
const seen = {};

async function refusal(call) {
  try { await call(); return { status: 0 }; }
  catch (e) { return { status: e.status ?? -1, kind: e.constructor.name, code: e.code ?? null, message: e.message }; }
}

const models = await client.models.list();
seen.models = models.data.map((m) => m.id);

const completion = await client.chat.completions.create({
  model: chatModel,
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello.' }],
  max_tokens: 8,
  temperature: 0,
});
seen.completion = {
  object: completion.object,
  content: completion.choices[0].message.content,
  role: completion.choices[0].message.role,
  finish_reason: completion.choices[0].finish_reason,
  usage: completion.usage,
};

const stream = await client.chat.completions.create({
  model: chatModel,
  messages: [{ role: 'user', content: 'Count to five.' }],
  max_tokens: 8,
  stream: true,
  stream_options: { include_usage: true },
});
const pieces = [];
let finish = null;
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    if (choice.delta?.content) pieces.push(choice.delta.content);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
seen.stream = { chunks, pieces: pieces.length, text: pieces.join(''), finish_reason: finish, usage };

const documents = await client.chat.completions.create({
  model: 'documents',
  messages: [{ role: 'user', content: 'How many vacation days do employees have?' }],
  max_tokens: 8,
});
seen.documents = { content: documents.choices[0].message.content, has_citations_field: Array.isArray(documents.citations) };

// The SDK asks for base64 unless told otherwise and decodes it itself.
const embeddings = await client.embeddings.create({ model: process.env.EMBEDDING_MODEL, input: ['holiday rules', 'parking'] });
const asFloats = await client.embeddings.create({ model: process.env.EMBEDDING_MODEL, input: 'holiday rules', encoding_format: 'float' });
seen.embeddings = {
  count: embeddings.data.length,
  dimensions: embeddings.data[0].embedding.length,
  first: embeddings.data[0].embedding.slice(0, 4),
  float_first: asFloats.data[0].embedding.slice(0, 4),
  usage: embeddings.usage,
};

seen.unknown_model = await refusal(() => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
seen.bad_request = await refusal(() => client.chat.completions.create({ model: chatModel, messages: [] }));
seen.bad_key = await refusal(() => new OpenAI({ maxRetries: 0, apiKey: 'apl_not-a-real-token' }).models.list());

process.stdout.write(JSON.stringify(seen));
