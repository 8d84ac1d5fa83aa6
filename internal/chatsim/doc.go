// Package chatsim is a simulated chat API with a response cache: the stand-in
// for the guide's FastAPI + Redis service that loadcron's demo, tests and
// end-to-end checks put load on.
//
// It serves GET /health, POST /api/chat and a small admin API
// (/admin/faults, /admin/stats, /admin/reset). Replies to messages already in
// the cache come back in a few milliseconds with "cached": true; the others
// take a configurable, jittered latency. A reply is streamed token by token
// (server-sent events or NDJSON, stream.go) when the request asks for it. A
// concurrency limit answers 503 at once when full (the guide's "no request
// queueing" failure) or, in queue mode, makes requests wait for a slot in a
// bounded queue, with an optional slowdown under overload. Faults — an
// error ratio, extra latency, cache off, unhealthy — are set by Options, by
// the admin endpoint or per request with fortio-style query parameters.
// GuideProfile (profile.go) reproduces the load-testing guide's story.
//
// # Order of a chat request
//
// Validate the method, body and fault query (400/405/413); take a
// concurrency slot (or 503 at once, or queue — 503 at once when the queue
// is full); sleep the extra latency (fault plus ?delay=); answer an
// injected status (?status=, then the error ratio → 500); look the cache up
// (skipped with the cache off); sleep the cached or uncached latency
// (times the overload slowdown); store a fresh reply (unless the cache is
// off); answer 200. A stream sends its headers right after the lookup,
// then sleeps the latency, sends the tokens, stores the reply and sends
// the last event. Every sleep and every wait for a slot ends as soon as
// the request's context does.
//
// # Counting rules
//
// Every request routed to /api/chat is counted once in Stats.Received when it
// arrives, and once in exactly one outcome when it is answered:
//
//   - Invalid: 405 (method not POST), 413 (body over 1 MiB) or 400 (bad JSON,
//     missing message, bad fault query);
//   - Rejected: 503 because every slot was taken and queueing is off, or
//     the queue was full (Options.MaxQueue);
//   - Canceled: the request's context ended (client gone, server shutting
//     down) while it queued or slept; answered 503 if anyone still listens,
//     or counted with status 200 when it was a stream whose headers were
//     already sent;
//   - InjectedErrors: answered with an injected status (error ratio → 500,
//     or a ?status= query fault). Such a request is neither a hit nor a miss;
//   - Hits: 200 with "cached": true;
//   - Misses: 200 with "cached": false (with the cache off, every answered
//     request is a miss).
//
// So, at any instant, Received == InFlight + Invalid + Rejected + Canceled +
// InjectedErrors + Hits + Misses, and the sum of ByStatus equals Received −
// InFlight. Stats() takes one consistent snapshot under a lock, and a
// request is counted before its answer is written: once a client has read
// an answer, Stats includes it.
package chatsim
