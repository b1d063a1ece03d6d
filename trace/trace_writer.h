/* The one trace writer: every trace.jsonl line, simulator and socket shim alike, is written here. */
#ifndef RS_TRACE_WRITER_H
#define RS_TRACE_WRITER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Lines look like {"t":1.25,"type":"send","from":"c1","to":"r1","msg":"REQUEST","id":7,"bytes":64}:
 * keys in a fixed order starting with "t" and "type", absent optional fields omitted, strings
 * JSON-escaped (control characters as \u00XX; a byte that is not part of valid UTF-8 is written
 * as \u00XX too, i.e. read back as the Latin-1 character of that byte), integers as integers.
 * `t` is rounded to the nearest nanosecond and printed in fixed notation with trailing zeros
 * trimmed ("12.5", "0.000000001", "3.0"); see trace_time_round. */
typedef struct trace_writer trace_writer;

/* Creates (truncates) `path`. NULL with a message in `err` ("PATH: reason") if the file cannot be
 * opened. The writer only writes: the history is read back from the trace (trace_reader.h). */
trace_writer *trace_writer_open(const char *path, char **err);
/* Writes to an already open stream (stdout, a pipe); the writer neither closes nor owns it. */
trace_writer *trace_writer_open_stream(FILE *f);
/* Flushes and closes. False with a message in `err` if any write failed (a full disk). */
bool trace_writer_close(trace_writer *w, char **err);
bool trace_writer_flush(trace_writer *w);

uint64_t trace_writer_lines(const trace_writer *w);            /* lines written so far */
uint64_t trace_writer_messages_sent(const trace_writer *w);    /* send events so far */
uint64_t trace_writer_messages_dropped(const trace_writer *w); /* drop events so far */
/* Every key an invoke line named so far, sorted (strcmp), without duplicates: which keys the
 * run's `final` lines must cover. The strings belong to the writer; free the array. */
GPtrArray *trace_writer_keys(const trace_writer *w);

/* A client operation starts. name/value/expected may be NULL (absent). `intended` is when an
 * open-loop operation was due, earlier than `t` when its client was still busy (written as
 * "intended"; negative: none), so latency is measured from it, without coordinated omission. */
void trace_op_invoke(trace_writer *w, double t, const char *process, const char *op,
                     const char *key, const char *name, const char *value, const char *expected,
                     double intended);
/* It ends: outcome is "ok", "fail" or "info". value_null writes "value":null (a get that answered
 * nothing); otherwise a NULL value is absent. version 0 means none and is omitted; NULL strings
 * are omitted. */
void trace_op_complete(trace_writer *w, double t, const char *outcome, const char *process,
                       const char *op, const char *key, const char *name, const char *value,
                       bool value_null, const char *status, uint64_t version, const char *replica);

/* The first line of a trace: what ran ({"t":0,"type":"run","scenario":..,"protocol":..,"app":..,
 * "failover":..,"seed":N}), so `replsim check` knows which model to check against. */
void trace_run(trace_writer *w, const char *scenario, const char *protocol, const char *app,
               const char *failover, uint64_t seed);
/* A replica's state of one key at the end of the run, read locally once the cluster is quiet
 * (type "final": node, key, name, value, status, version), for lost-write and divergence checks. */
void trace_final(trace_writer *w, double t, const char *node, const char *key, const char *name,
                 const char *value, bool value_null, const char *status, uint64_t version);

/* A replica's application digest at the end ({"type":"digest","node":..,"digest":"hex"}, with
 * "current":false when the replica knows it is behind (idle, waiting for a state), and
 * "up":false when the replica is still crashed). */
void trace_digest(trace_writer *w, double t, const char *node, const char *digest, bool up, bool current);

/* A protocol message: sent, received, or lost on the way. */
void trace_send(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes);
void trace_recv(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes);
void trace_drop(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                uint64_t id, uint64_t bytes);
/* The same with the reason it was lost ("partition", "loss", "crashed"...); NULL omits it. */
void trace_drop_why(trace_writer *w, double t, const char *from, const char *to, const char *msg,
                    uint64_t id, uint64_t bytes, const char *why);

/* A fault starting or ending: phase is "start" or "end"; `target` is a NULL-terminated list of
 * key, value, key, value... strings ({"node", "r1", NULL}), ending at the first NULL key or
 * value; NULL for none. */
void trace_fault(trace_writer *w, double t, const char *fault, const char *phase,
                 const char *const *target);
/* A node changing role or view. */
void trace_role(trace_writer *w, double t, const char *node, const char *role, uint64_t view);
/* A message a node would not accept. */
void trace_refuse(trace_writer *w, double t, const char *node, const char *from, const char *msg,
                  const char *why);

/* Any other event type ("digest": node, digest): a NULL-terminated key, value, ... array of
 * strings, written in that order after "t" and "type". The list ends at the first NULL key or
 * value (so a NULL value drops that pair and every pair after it). */
void trace_event_kv(trace_writer *w, double t, const char *type, const char *const *kv);
/* The same with the pairs as arguments: trace_event_kvl(w, t, "digest", "node", "r1", "digest",
 * "9f3a", NULL). */
void trace_event_kvl(trace_writer *w, double t, const char *type, ...) G_GNUC_NULL_TERMINATED;

/* `t` as it appears in the trace, and as a reader parses it back: rounded to the nearest ns. */
double trace_time_round(double t);
/* Appends `s` to `out` as a quoted JSON string, escaped as the trace does (NULL: null). */
void trace_json_append_string(GString *out, const char *s);

#endif
